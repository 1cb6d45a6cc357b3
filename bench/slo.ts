/**
 * bench/slo: SLO numbers from recorded minutes, beside raw scans of the same spans.
 * - 100 SLOs (5 per service) over 30 days: the time to record them back over their period, the
 *   time to evaluate all of them from memory (what every /v1/slos and alert tick does), the same
 *   numbers from raw scans of otel_traces (one statement per SLO), the ratio, and whether every
 *   window and every release's counts are identical.
 * - 1,000 SLOs (50 per service): the store's time one recording tick takes (re-reading the last
 *   minutes and writing what changed) as a share of the tick interval, the time to evaluate all of
 *   them from memory, and the memory their recorded minutes take.
 * Prints numbers; asserts nothing.
 *
 *   node --import tsx bench/slo.ts [--spans 10000000] [--services 20]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createSloEngine, openSloRegistry, type SloEngine, type SloEvaluation, type SloRegistry } from '../src/engine/index.js';
import { planWindows } from '../src/slo/evaluate/index.js';
import { spanSliQuery, type SliCounts } from '../src/slo/sli/index.js';
import { openStore } from '../src/store/index.js';
import { tempDir } from '../test/helpers/tollgate.js';
import { benchArgs, recordingOutput } from './report.js';

recordingOutput('slo', 'npm run bench:slo');
const { values: args } = parseArgs({ args: benchArgs(), options: { spans: { type: 'string', default: '10000000' }, services: { type: 'string', default: '20' } } });
const SPANS = Number(args.spans);
const SERVICES = Number(args.services);
const DAY = 86_400;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (seconds: number): string => (seconds * 1000).toFixed(seconds < 0.1 ? 2 : 0);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dataDir = tempDir('tollgate-bench-slo-');
/** Store time by lane, from the store's own statement observer. */
const storeSeconds = { read: 0, write: 0 };
const { store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') }, (lane, seconds) => {
  storeSeconds[lane] += seconds;
});
const nowMs = Date.now();
const startNs = BigInt(nowMs - 30 * DAY * 1000) * 1_000_000n;
const stepNs = (30n * BigInt(DAY) * 1_000_000_000n) / BigInt(SPANS);

// ---- load: spans generated inside chDB, inserted through the same materialized views as ingest.
// A new config every 3 days per service: ten releases over the month, in two environments.
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
           'config_hash', concat('cfg-', toString(n % {services:UInt32}), '-', toString(intDiv(toUnixTimestamp(ts), 259200))),
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
const sizes = await store.query<{ table: string; rows: string }>(
  `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase()
   AND table IN ('otel_traces', 'tollgate_span_rollup_1m', 'tollgate_span_rollup_1h') GROUP BY table ORDER BY table`,
);

const log = pino({ level: 'silent' });
const LONG = 3_650 * DAY;
const retention = { tracesSeconds: LONG, logsSeconds: LONG, metricsSeconds: LONG, rollupSeconds: LONG, historySeconds: LONG };

/** SLO files for every service: `perService` variants of five kinds, loaded by the real loader. */
async function registryOf(name: string, perService: number): Promise<SloRegistry> {
  const thresholds = ['100ms', '150ms', '200ms', '250ms', '300ms', '400ms', '500ms', '750ms', '1s', '1500ms'];
  const objectives = ['99', '99.5', '99.9', '99.95', '99.99'];
  const kinds = [
    (v: number) => `{period: 30d, sli: {spans: {match: {kind: server}, bad: {status: error}}}, objective: ${objectives[v % 5]}}`,
    (v: number) => `{period: 30d, sli: {spans: {match: {kind: server}, bad: {duration_over: ${thresholds[v % 10]}}}}, objective: 99}`,
    (v: number) => `{period: 30d, sli: {spans: {bad: {http_status: 5xx}${v % 2 === 0 ? '' : ', match: {kind: client}'}}}, objective: ${objectives[v % 5]}}`,
    (v: number) => `{period: 28d, sli: {spans: {match: {kind: server, name: "GET /api/*"}, bad: {duration_over: ${thresholds[(v + 3) % 10]}}}}, objective: 99.5}`,
    (v: number) => `{period: 30d, sli: {spans: {match: {kind: server, environment: ${v % 2 === 0 ? 'prod' : 'staging'}}, bad: {status: error}}}, objective: ${objectives[v % 5]}}`,
  ];
  const docs: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    for (let v = 0; v < perService; v++) {
      const [, period, sli, objective] = /\{period: (\S+), sli: (.*)\}, objective: (\S+)\}$/.exec(kinds[v % 5]!(Math.floor(v / 5)))!;
      docs.push(`apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: svc-${i}-slo-${v}}\nspec:\n  service: svc-${i}\n  objective: ${objective}\n  period: ${period}\n  sli: ${sli}}\n`);
    }
  }
  const dir = path.join(dataDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'bench.yaml'), docs.join('---\n'));
  const registry = await openSloRegistry({ dir, log });
  const problems = registry.current().problems;
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
  return registry;
}

async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; store: number; value: T }> {
  const before = storeSeconds.read + storeSeconds.write;
  const started = performance.now();
  const value = await run();
  return { seconds: (performance.now() - started) / 1000, store: storeSeconds.read + storeSeconds.write - before, value };
}

async function engineFor(registry: SloRegistry): Promise<{ engine: SloEngine; backfill: Awaited<ReturnType<typeof timed>> }> {
  const engine = await createSloEngine({ store, registry, log, retention, now: () => nowMs });
  const backfill = await timed(() => engine.recordNow({ backfill: true }));
  return { engine, backfill };
}

// ---- 100 SLOs: from memory against raw scans
const registry100 = await registryOf('slos-100', 5);
const slos100 = registry100.current().slos;
const { engine: engine100, backfill: backfill100 } = await engineFor(registry100);
const cold = await timed(() => engine100.evaluateAll());
const runs: number[] = [];
let results: SloEvaluation[] = [];
for (let i = 0; i < 30; i++) {
  const r = await timed(() => engine100.evaluateAll());
  runs.push(r.seconds);
  results = r.value;
}
const warm = median(runs);

const rawCounts = new Map<string, SliCounts>();
const raw = await timed(async () => {
  for (const slo of slos100) {
    const plan = planWindows(slo, nowMs);
    const query = spanSliQuery({ slo, windows: plan.windows, endMinuteSeconds: plan.endMinuteSeconds, scan: 'raw' });
    rawCounts.set(slo.name, query.read(await store.query<Record<string, unknown>>(query.sql, query.params)));
  }
});
/** Every window's total and bad, and the period's split by release, equal to the raw scan's. */
const agrees = (r: SloEvaluation): boolean => {
  if (!r.ok) return false;
  const c = rawCounts.get(r.slo.name)!;
  const s = r.value.status;
  const windowsEqual = Object.entries(s.windows).every(([key, w]) => w.total === c.total[key]?.totalEvents && w.bad === c.total[key]?.badEvents);
  const rawReleases = [...c.byRelease.entries()]
    .map(([hash, byWindow]) => ({ hash, total: byWindow[s.period]!.totalEvents, bad: byWindow[s.period]!.badEvents }))
    .filter((x) => x.total > 0)
    .sort((a, b) => a.hash.localeCompare(b.hash));
  const served = s.releases.map((x) => ({ hash: x.configHash, total: x.total, bad: x.bad })).sort((a, b) => a.hash.localeCompare(b.hash));
  return windowsEqual && JSON.stringify(rawReleases) === JSON.stringify(served);
};
const agreeing = results.filter(agrees).length;
const windows100 = results.reduce((n, r) => n + (r.ok ? Object.keys(r.value.status.windows).length : 0), 0);
const sample = results.find((r) => r.slo.name === 'svc-0-slo-0');
const sampleWindow = sample?.ok === true ? sample.value.status.windows['30d']! : { total: 0, bad: 0 };
await engine100.stop();

// ---- 1,000 SLOs: a recording tick's store time, evaluation from memory, memory held
const registry1k = await registryOf('slos-1000', 50);
const { engine: engine1k, backfill: backfill1k } = await engineFor(registry1k);
const ticks: Array<{ seconds: number; store: number }> = [];
for (let i = 0; i < 10; i++) ticks.push(await timed(() => engine1k.recordNow()));
const evaluations1k: number[] = [];
for (let i = 0; i < 10; i++) evaluations1k.push((await timed(() => engine1k.evaluateAll())).seconds);
const TICK_INTERVAL_SECONDS = 5; // TOLLGATE_RECORD_INTERVAL_MS' default
const tickStore = median(ticks.map((x) => x.store));
const memoryMiB = engine1k.memoryBytes() / 1024 / 1024;
const releases = await store.query<{ n: string }>(
  `SELECT count() AS n FROM (SELECT DISTINCT ServiceName, ConfigHash FROM tollgate_span_rollup_1h WHERE ServiceName = 'svc-0')`,
);
await engine1k.stop();
registry100.close();
registry1k.close();

console.log(`
SLO benchmark: ${fmt(SPANS)} spans over 30 days, ${SERVICES} services, ${process.version}, ${os.cpus().length} cores, chDB embedded
  load through the materialized views: ${loadSeconds.toFixed(1)} s (${fmt(SPANS / loadSeconds)} spans/s)
  rows: ${sizes.map((r) => `${r.table} ${fmt(Number(r.rows))}`).join(', ')}
  releases per service over the month: ${releases[0]?.n} config_hashes, in 2 environments
100 SLOs (${windows100} windows):
  record back over their periods: ${backfill100.seconds.toFixed(1)} s (store ${backfill100.store.toFixed(1)} s)
  evaluate all from recorded minutes: median ${ms(warm)} ms over ${runs.length} runs (first ${ms(cold.seconds)} ms)
  the same from raw scans of otel_traces: ${ms(raw.seconds)} ms
  ratio: ${fmt(raw.seconds / warm)}×
  counts agree exactly for ${agreeing} of ${slos100.length} SLOs (every window, every release); e.g. svc-0-slo-0 30d: ${fmt(sampleWindow.total)} events, ${fmt(sampleWindow.bad)} bad
1,000 SLOs:
  record back over their periods: ${backfill1k.seconds.toFixed(1)} s (store ${backfill1k.store.toFixed(1)} s)
  recording tick (re-read the last minutes, write what changed): median ${ms(median(ticks.map((x) => x.seconds)))} ms, store ${ms(tickStore)} ms
    = ${(100 * tickStore / TICK_INTERVAL_SECONDS).toFixed(2)} % of the store's time at one tick every ${TICK_INTERVAL_SECONDS} s
  evaluate all from recorded minutes: median ${ms(median(evaluations1k))} ms
  recorded minutes in memory: ${memoryMiB.toFixed(1)} MiB (${(memoryMiB * 1024 / 1000).toFixed(1)} KiB an SLO)
`);
await store.close();
rmSync(dataDir, { recursive: true, force: true });
