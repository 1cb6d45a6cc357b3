/**
 * bench/slo: 100 SLOs × all their windows over 30 days of spans for 20 services, evaluated the
 * way the engine does (rollups), beside the same numbers from raw scans of otel_traces. Counts
 * must agree exactly; prints both times and the speed-up. Asserts nothing.
 *
 *   node --import tsx bench/slo.ts [--spans 50000000] [--services 20]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createSloEngine, type SloEvaluation } from '../src/engine/engine.js';
import { planWindows } from '../src/engine/plan.js';
import { openSloRegistry } from '../src/engine/slo-registry.js';
import type { SliCounts } from '../src/slo/sli/query.js';
import { spanSliQuery } from '../src/slo/sli/span-sli.js';
import { openStore } from '../src/store/index.js';
import { tempDir } from '../test/helpers/tollgate.js';

const { values: args } = parseArgs({ options: { spans: { type: 'string', default: '50000000' }, services: { type: 'string', default: '20' } } });
const SPANS = Number(args.spans);
const SERVICES = Number(args.services);
const DAY = 86_400;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const dataDir = tempDir('tollgate-bench-slo-');
const { store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') });
const nowMs = Date.now();
const startNs = BigInt(nowMs - 30 * DAY * 1000) * 1_000_000n;
const stepNs = (30n * BigInt(DAY) * 1_000_000_000n) / BigInt(SPANS);

// ---- load: spans generated inside chDB, inserted through the same materialized views as ingest
console.log(`loading ${fmt(SPANS)} spans over 30 days for ${SERVICES} services …`);
const CHUNK = 5_000_000;
let t = performance.now();
for (let offset = 0; offset < SPANS; offset += CHUNK) {
  const rows = Math.min(CHUNK, SPANS - offset);
  await store.command(
    `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
     SELECT
       fromUnixTimestamp64Nano(toInt64({startNs:Int64} + n * {stepNs:Int64})) AS ts,
       hex(cityHash64(n)) || hex(cityHash64(n + 1)) AS TraceId,
       hex(cityHash64(n, 7)) AS SpanId,
       ['GET /api/items', 'POST /api/orders', 'GET /api/users/{id}', 'PUT /api/cart', 'GET /healthz'][1 + intHash32(n) % 5] AS SpanName,
       if(cityHash64(n, 1) % 10 < 7, 'Server', 'Client') AS SpanKind,
       concat('svc-', toString(n % {services:UInt32})) AS ServiceName,
       map('service.name', concat('svc-', toString(n % {services:UInt32})),
           'config_hash', concat('cfg-', toString(n % {services:UInt32}), '-', toString(intDiv(toUnixTimestamp(ts), 864000))),
           'deployment.environment.name', if(n % 4 = 0, 'staging', 'prod')) AS ResourceAttributes,
       map('http.response.status_code', if(cityHash64(n, 2) % 1000 < 5, '503', if(cityHash64(n, 3) % 100 < 2, '404', '200'))) AS SpanAttributes,
       toUInt64(2000000 + (cityHash64(n, 4) % 1000) * (cityHash64(n, 5) % 1000) * 2) AS Duration,
       if(SpanAttributes['http.response.status_code'] = '503', 'Error', 'Unset') AS StatusCode
     FROM (SELECT number + {offset:UInt64} AS n FROM numbers({rows:UInt64}))`,
    { startNs, stepNs, services: SERVICES, offset, rows },
  );
  process.stdout.write(`  ${fmt(offset + rows)} spans, ${fmt((offset + rows) / ((performance.now() - t) / 1000))}/s\r`);
}
const loadSeconds = (performance.now() - t) / 1000;
await store.command('OPTIMIZE TABLE tollgate_span_rollup_1h FINAL');
const sizes = await store.query<{ table: string; rows: string }>(
  `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase()
   AND table IN ('otel_traces', 'tollgate_span_rollup_1m', 'tollgate_span_rollup_1h') GROUP BY table ORDER BY table`,
);

// ---- 100 SLOs (5 per service), loaded from YAML by the real loader
const kinds = [
  (s: string) => `{name: ${s}-availability, objective: 99.9, period: 30d, sli: {spans: {match: {kind: server}, bad: {status: error}}}}`,
  (s: string) => `{name: ${s}-latency, objective: 99, period: 30d, sli: {spans: {match: {kind: server}, bad: {duration_over: 300ms}}}}`,
  (s: string) => `{name: ${s}-5xx, objective: 99.9, period: 30d, sli: {spans: {bad: {http_status: 5xx}}}}`,
  (s: string) => `{name: ${s}-slow-1s, objective: 99.5, period: 28d, sli: {spans: {match: {kind: server, name: "GET /api/*"}, bad: {duration_over: 1s}}}}`,
  (s: string) => `{name: ${s}-prod, objective: 99.95, period: 30d, sli: {spans: {match: {kind: server, environment: prod}, bad: {status: error}}}}`,
];
const yaml = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`)
  .flatMap((s) => kinds.map((k) => {
    const [name, objective, period, sli] = /\{name: (\S+), objective: (\S+), period: (\S+), sli: (.*)\}$/.exec(k(s))!.slice(1) as [string, string, string, string];
    return `apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: ${name}}\nspec:\n  service: ${s}\n  objective: ${objective}\n  period: ${period}\n  sli: ${sli}\n`;
  }))
  .join('---\n');
const sloDir = path.join(dataDir, 'slo-definitions');
mkdirSync(sloDir, { recursive: true });
writeFileSync(path.join(sloDir, 'bench.yaml'), yaml);
const log = pino({ level: 'silent' });
const registry = await openSloRegistry({ dir: sloDir, log });
const loaded = registry.current();
if (loaded.problems.length > 0) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
const slos = loaded.slos;
const engine = await createSloEngine({ store, registry, log, now: () => nowMs });

/** What the engine does on every evaluation tick and for GET /v1/slos: all SLOs, every window. */
async function evaluateWithEngine(): Promise<{ seconds: number; results: SloEvaluation[] }> {
  const started = performance.now();
  const results = await engine.evaluateAll();
  return { seconds: (performance.now() - started) / 1000, results };
}

/** The same counts from raw scans of otel_traces, one statement per SLO. */
async function evaluateRaw(): Promise<{ seconds: number; counts: Map<string, SliCounts> }> {
  const counts = new Map<string, SliCounts>();
  const started = performance.now();
  for (const slo of slos) {
    const plan = planWindows(slo, nowMs);
    const query = spanSliQuery({ slo, windows: plan.windows, endMinuteSeconds: plan.endMinuteSeconds, scan: 'raw' });
    counts.set(slo.name, query.read(await store.query<Record<string, unknown>>(query.sql, query.params)));
  }
  return { seconds: (performance.now() - started) / 1000, counts };
}

const cold = await evaluateWithEngine();
const warm = await evaluateWithEngine();
const raw = await evaluateRaw();
const windowCount = warm.results.reduce((n, r) => n + (r.ok ? Object.keys(r.value.status.windows).length : 0), 0);
/** Every window's total and bad, and the period's split by release, equal to the raw scan's. */
const agrees = (r: SloEvaluation): boolean => {
  if (!r.ok) return false;
  const rawCounts = raw.counts.get(r.slo.name)!;
  const s = r.value.status;
  const windowsEqual = Object.entries(s.windows).every(([key, w]) => w.total === rawCounts.total[key]?.totalEvents && w.bad === rawCounts.total[key]?.badEvents);
  const rawReleases = [...rawCounts.byRelease.entries()]
    .map(([hash, byWindow]) => ({ config_hash: hash, total: byWindow[s.period]!.totalEvents, bad: byWindow[s.period]!.badEvents }))
    .filter((x) => x.total > 0)
    .sort((a, b) => a.config_hash.localeCompare(b.config_hash));
  const served = s.releases.map(({ config_hash, total, bad }) => ({ config_hash, total, bad })).sort((a, b) => a.config_hash.localeCompare(b.config_hash));
  return windowsEqual && JSON.stringify(rawReleases) === JSON.stringify(served);
};
const agreeing = warm.results.filter(agrees).length;
const first = warm.results.find((r) => r.slo.name === 'svc-0-availability');
const sample = first?.ok === true ? first.value.status.windows['30d']! : { total: 0, bad: 0 };
const rollup = { seconds: warm.seconds, windows: windowCount };
const rollupCold = { seconds: cold.seconds };
registry.close();
console.log(`
SLO benchmark: ${fmt(SPANS)} spans over 30 days, ${SERVICES} services, ${slos.length} SLOs (${rollup.windows} windows), ${process.version}, ${os.cpus().length} cores
  load through the materialized views: ${loadSeconds.toFixed(1)} s (${fmt(SPANS / loadSeconds)} spans/s)
  rows: ${sizes.map((r) => `${r.table} ${fmt(Number(r.rows))}`).join(', ')}
  evaluate ${slos.length} SLOs as the engine does (rollups, batched statements): ${(rollup.seconds * 1000).toFixed(0)} ms (first run ${(rollupCold.seconds * 1000).toFixed(0)} ms)
  the same from raw scans of otel_traces: ${(raw.seconds * 1000).toFixed(0)} ms
  speed-up: ${(raw.seconds / rollup.seconds).toFixed(1)}×
  counts agree exactly for ${agreeing} of ${slos.length} SLOs (every window, every release); e.g. svc-0-availability 30d: ${fmt(sample.total)} events, ${fmt(sample.bad)} bad
`);
await store.close();
rmSync(dataDir, { recursive: true, force: true });
