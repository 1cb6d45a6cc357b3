/**
 * bench/gate: `POST /v1/gate` over HTTP against a Tollgate (embedded chDB) holding 7 days of spans
 * for 20 services. Runs `--calls` decisions with `--concurrency` in flight and prints latency
 * percentiles, throughput, the verdicts and, as a reference from the same run, the same call made
 * one at a time and each of the gate's statements run alone. Asserts nothing.
 *
 *   node --import tsx bench/gate.ts [--spans 10000000] [--concurrency 20] [--calls 400]
 *
 * chDB runs one statement at a time per process (the store's statement queue has one slot for it),
 * so N concurrent decisions queue behind each other: a call's latency under load is roughly its own
 * statements plus everyone else's that are ahead of it. The sequential reference shows how much of
 * the measured latency is that queueing. Reads go before queued writes, so the decision inserts also
 * wait until no reads are queued. The SLO engine's periodic evaluation is switched off so that the
 * numbers are the gate's alone.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { gatherEvidence } from '../src/gate/evidence.js';
import type { GateRequest } from '../src/gate/index.js';
import { startTollgate } from '../src/server.js';
import type { QueryParams, Store } from '../src/store/index.js';
import { REPO_ROOT, tempDir, testEnv } from '../test/helpers/tollgate.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    concurrency: { type: 'string', default: '20' },
    calls: { type: 'string', default: '400' },
  },
});
const SPANS = Number(args.spans);
const CONCURRENCY = Number(args.concurrency);
const CALLS = Number(args.calls);
const SERVICES = 20;
/** The service whose newest config fails 5 % of its requests in staging. */
const FAILING = 3;
/** An app with an SLO and a policy but no traffic yet: its gate answers `wait` (no_data: wait). */
const QUIET_SERVICE = 'svc-new';
const DAY = 86_400;
const DAYS = 7;
/** A new config reaches staging this long before prod. */
const STAGING_LEAD_SECONDS = 4 * 3_600;
const REFERENCE_RUNS = 20;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sortedOf = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

const nowMs = Date.now();
const startSeconds = Math.floor(nowMs / 1000) - DAYS * DAY;
const startNs = BigInt(startSeconds) * 1_000_000_000n;
const stepNs = (BigInt(DAYS * DAY) * 1_000_000_000n) / BigInt(SPANS);

// ---- one availability SLO per service and a prod GatePolicy per app (app = service), loaded by Tollgate at start
const serviceNames = [...Array.from({ length: SERVICES }, (_, i) => `svc-${i}`), QUIET_SERVICE];
const yaml = serviceNames
  .flatMap((s) => [
    `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: ${s}-availability}
spec:
  service: ${s}
  objective: 99
  period: 30d
  sli:
    spans:
      match: {kind: server}
      bad: {status: error}
`,
    `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: ${s}-prod}
spec:
  app: ${s}
  environment: prod
  slos: [${s}-availability]
  min_budget_remaining: 20%
  max_burn_rate: 2
  compare: {max_ratio_increase: 2, min_events: 100, significance: 0.01}
  no_data: wait
`,
  ])
  .join('---\n');

const dataDir = tempDir('tollgate-bench-gate-');
const sloDir = path.join(dataDir, 'slo-definitions');
mkdirSync(sloDir, { recursive: true });
writeFileSync(path.join(sloDir, 'bench.yaml'), yaml);
const tollgate = await startTollgate(
  loadConfig(testEnv(path.join(dataDir, 'data'), { TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: String(3_600_000) }), REPO_ROOT),
  pino({ level: 'silent' }),
);
if ((tollgate.slos?.current().problems.length ?? 1) > 0) throw new Error('the bench SLOs did not load');
const store = tollgate.store;
const apiUrl = `http://127.0.0.1:${tollgate.ports.http}`;

// ---- load: spans generated inside chDB, inserted through the same materialized views as ingest.
// Day d (counted from the start) runs config cfg-<svc>-<d> in prod; staging switches to d+1
// STAGING_LEAD_SECONDS earlier, so the newest config (day 7) has run only in staging, for 4 hours.
// 1 span in 5 is staging. Errors: 0.5 %; the failing service's newest config in staging fails ~5 %,
// mostly on POST /api/orders, with an `exception` span event; half of all failed spans get an ERROR log.
console.log(`loading ${fmt(SPANS)} spans over ${DAYS} days for ${SERVICES} services …`);
const CHUNK = 5_000_000;
const t0 = performance.now();
for (let offset = 0; offset < SPANS; offset += CHUNK) {
  const rows = Math.min(CHUNK, SPANS - offset);
  await store.command(
    `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration,
                             StatusCode, StatusMessage, \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`)
     SELECT ts, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration,
            StatusCode, StatusMessage, events_ts, events_name, events_attributes
     FROM (
       SELECT
         fromUnixTimestamp64Nano(toInt64({startNs:Int64} + n * {stepNs:Int64})) AS ts,
         hex(cityHash64(n)) || hex(cityHash64(n + 1)) AS TraceId,
         hex(cityHash64(n, 7)) AS SpanId,
         ['GET /api/items', 'POST /api/orders', 'GET /api/users/{id}', 'PUT /api/cart', 'GET /healthz'][1 + intHash32(n) % 5] AS SpanName,
         if(cityHash64(n, 1) % 10 < 7, 'Server', 'Client') AS SpanKind,
         concat('svc-', toString(n % {services:UInt32})) AS ServiceName,
         if(cityHash64(n, 6) % 5 = 0, 'staging', 'prod') AS env,
         intDiv(toUnixTimestamp(ts) - {start:UInt32} + if(env = 'staging', {lead:UInt32}, 0), ${DAY}) AS day,
         map('service.name', ServiceName, 'config_hash', concat('cfg-', ServiceName, '-', toString(day)),
             'deployment.environment.name', env) AS ResourceAttributes,
         n % {services:UInt32} = {failing:UInt32} AND env = 'staging' AND day = ${DAYS} AS failing,
         if(failing,
            (SpanName = 'POST /api/orders' AND cityHash64(n, 2) % 100 < 20) OR cityHash64(n, 2) % 1000 < 10,
            cityHash64(n, 2) % 1000 < 5) AS failed,
         if(failing AND failed, if(SpanName = 'POST /api/orders', 'java.lang.NullPointerException', 'io.grpc.StatusRuntimeException'), '') AS exceptionType,
         if(exceptionType = 'java.lang.NullPointerException', 'Cannot invoke "Order.currency()" because "order" is null',
            'UNAVAILABLE: inventory: connection refused') AS exceptionMessage,
         map('http.response.status_code', if(failed, if(exceptionType = '', '503', '500'), if(cityHash64(n, 3) % 100 < 2, '404', '200'))) AS SpanAttributes,
         toUInt64(2000000 + (cityHash64(n, 4) % 1000) * (cityHash64(n, 5) % 1000) * 2) AS Duration,
         if(failed, 'Error', 'Unset') AS StatusCode,
         if(exceptionType = '', '', exceptionMessage) AS StatusMessage,
         if(exceptionType = '', [], [ts]) AS events_ts,
         if(exceptionType = '', [], ['exception']) AS events_name,
         if(exceptionType = '', [], [map('exception.type', exceptionType, 'exception.message', exceptionMessage)]) AS events_attributes
       FROM (SELECT number + {offset:UInt64} AS n FROM numbers({rows:UInt64}))
     )`,
    { startNs, stepNs, services: SERVICES, offset, rows, start: startSeconds, lead: STAGING_LEAD_SECONDS, failing: FAILING },
  );
  process.stdout.write(`  ${fmt(offset + rows)} spans, ${fmt((offset + rows) / ((performance.now() - t0) / 1000))}/s\r`);
}
await store.command(
  `INSERT INTO otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes)
   SELECT Timestamp + toIntervalMillisecond(1), TraceId, SpanId, 1, 'ERROR', 17, ServiceName,
          if(notEmpty(Events.Name),
             concat(SpanName, ' failed: ', arrayFirst(a -> a['exception.type'] != '', Events.Attributes)['exception.type'], ': ',
                    arrayFirst(a -> a['exception.type'] != '', Events.Attributes)['exception.message']),
             concat(SpanName, ' failed: upstream returned 503')),
          ResourceAttributes
   FROM otel_traces WHERE StatusCode = 'Error' AND cityHash64(SpanId) % 2 = 0`,
);
const loadSeconds = (performance.now() - t0) / 1000;
await store.command('OPTIMIZE TABLE tollgate_span_rollup_1h FINAL');
const sizes = await store.query<{ table: string; rows: string }>(
  `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase()
   AND table IN ('otel_traces', 'otel_logs', 'tollgate_span_rollup_1m', 'tollgate_span_rollup_1h') GROUP BY table ORDER BY table`,
);

// ---- one call as Argo CD's hook makes it
interface GateBody { app: string; environment: string; service: string; config_hash: string }
interface Timed { decision: 'allow' | 'deny' | 'wait'; basis?: string; summary: string; totalMs: number; topCause?: TopCause }
interface TopCause { service: string; span_name: string; error_type: string; count: number; example_log_lines: string[] }

async function gate(body: GateBody): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(`${apiUrl}/v1/gate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as { decision: Timed['decision']; basis?: string; summary: string; evidence: { top_causes: TopCause[] } };
  if (res.status !== 200) throw new Error(`gate answered ${res.status}: ${JSON.stringify(answer)}`);
  const top = answer.evidence.top_causes[0];
  return {
    decision: answer.decision, summary: answer.summary, totalMs: performance.now() - started,
    ...(answer.basis === undefined ? {} : { basis: answer.basis }), ...(top === undefined ? {} : { topCause: top }),
  };
}

// ---- the questions: a mix of promotions of the newest config, re-syncs, unseen configs, rollbacks, a quiet app
type Kind = 'promote newest' | 'current prod' | 'never seen' | 'rollback' | 'no traffic';
const MIX: readonly Kind[] = ['promote newest', 'rollback', 'never seen', 'promote newest', 'current prod', 'rollback', 'no traffic'];
function question(k: number): { kind: Kind; body: { app: string; environment: string; service: string; config_hash: string } } {
  const kind = MIX[k % MIX.length]!;
  const svc = `svc-${Math.floor(k / 2) % SERVICES}`;
  const hash = (day: number): string => `cfg-${svc}-${day}`;
  const on = (service: string, config_hash: string) => ({ kind, body: { app: service, environment: 'prod', service, config_hash } });
  switch (kind) {
    case 'promote newest':
      return on(svc, hash(DAYS));
    case 'current prod':
      return on(svc, hash(DAYS - 1));
    case 'never seen':
      return on(svc, `cfg-${svc}-unseen-${k}`);
    case 'rollback':
      return on(svc, hash(2 + (k % 4)));
    case 'no traffic':
      return on(QUIET_SERVICE, `cfg-${QUIET_SERVICE}-1`);
  }
}
const failingPromotion = { app: `svc-${FAILING}`, environment: 'prod', service: `svc-${FAILING}`, config_hash: `cfg-svc-${FAILING}-${DAYS}` };

// ---- concurrent run: CONCURRENCY async loops taking the next question until CALLS are answered
await gate(failingPromotion); // warm-up (first statements plan slower)
const results: Array<Timed & { kind: Kind }> = [];
let next = 0;
const runStarted = performance.now();
await Promise.all(
  Array.from({ length: Math.min(CONCURRENCY, CALLS) }, async () => {
    for (let k = next++; k < CALLS; k = next++) {
      const q = question(k);
      results.push({ kind: q.kind, ...(await gate(q.body)) });
    }
  }),
);
const runSeconds = (performance.now() - runStarted) / 1000;

// ---- reference, same data, nothing else running: the failing promotion (the call with the most statements:
// configs seen, SLO health, release counts, top causes, log lines, overrides, the insert) 20 times in a row,
// then each of its read statements alone 20 times.
const sequential: Timed[] = [];
for (let i = 0; i < REFERENCE_RUNS; i++) sequential.push(await gate(failingPromotion));

interface Recorded { label: string; sql: string; params: QueryParams }
const recorded: Recorded[] = [];
const recording: Store = Object.assign(Object.create(store) as Store, {
  query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    recorded.push({ label: labelOf(sql), sql, params });
    return store.query<T>(sql, params);
  },
});
function labelOf(sql: string): string {
  if (sql.includes('tollgate_overrides')) return 'overrides';
  if (sql.includes('FROM otel_logs')) return 'example log lines (otel_logs by TraceId)';
  if (sql.includes('GROUP BY environment, service, config_hash')) return 'configs seen (1-minute rollup, 7 d)';
  if (sql.includes('tollgate_span_rollup_1h')) return 'SLO health + release counts (rollups, one statement)';
  if (sql.includes('FROM otel_traces')) return 'top causes (raw otel_traces where the release ran)';
  return 'other SLI';
}
const loaded = tollgate.slos!.current();
const probeRequest: GateRequest = {
  app: failingPromotion.app, environment: 'prod', services: [failingPromotion.service], configHash: failingPromotion.config_hash, revision: null,
};
await gatherEvidence({ store: recording, slos: loaded.slos, policies: loaded.policies, request: probeRequest, nowMs: Date.now() });
const perStatement = [];
for (const r of recorded) {
  const times: number[] = [];
  for (let i = 0; i < REFERENCE_RUNS; i++) {
    const started = performance.now();
    await store.query(r.sql, r.params);
    times.push(performance.now() - started);
  }
  perStatement.push({ label: r.label, p50: percentile(sortedOf(times), 50) });
}
const heaviest = [...perStatement].sort((a, b) => b.p50 - a.p50)[0]!;

// ---- report
const latencies = sortedOf(results.map((r) => r.totalMs));
const counts = { allow: 0, deny: 0, wait: 0 };
for (const r of results) counts[r.decision]++;
const byKind = new Map<Kind, Map<string, number>>();
for (const r of results) {
  const m = byKind.get(r.kind) ?? new Map<string, number>();
  const key = r.decision === 'allow' ? `allow (${r.basis ?? '?'})` : r.decision;
  m.set(key, (m.get(key) ?? 0) + 1);
  byKind.set(r.kind, m);
}
const deny = results.find((r) => r.decision === 'deny') ?? sequential[0];
const topCause = deny?.topCause;
const seqP50 = percentile(sortedOf(sequential.map((r) => r.totalMs)), 50);
console.log(`
Gate benchmark: ${fmt(SPANS)} spans over ${DAYS} days, ${SERVICES} services (+1 without traffic), ${process.version}, ${os.cpus().length} cores, chDB embedded
  load through the materialized views: ${loadSeconds.toFixed(1)} s (${fmt(SPANS / loadSeconds)} spans/s, with the logs)
  rows: ${sizes.map((r) => `${r.table} ${fmt(Number(r.rows))}`).join(', ')}
  ${fmt(CALLS)} calls to POST /v1/gate over HTTP, ${CONCURRENCY} in flight:
    latency p50 ${ms(percentile(latencies, 50))} ms, p90 ${ms(percentile(latencies, 90))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies.at(-1) ?? NaN)} ms
    ${(CALLS / runSeconds).toFixed(1)} decisions/s (${runSeconds.toFixed(1)} s)
    verdicts: allow ${counts.allow}, deny ${counts.deny}, wait ${counts.wait}
${[...byKind].map(([kind, m]) => `      ${kind}: ${[...m].map(([d, n]) => `${d} ${n}`).join(', ')}`).join('\n')}
    chDB runs one statement at a time per process, so concurrent calls queue behind each other's statements.
  reference, one call at a time (no queueing), the failing promotion (${recorded.length} reads + 1 insert):
    whole call p50 ${ms(seqP50)} ms over ${REFERENCE_RUNS} runs
    each statement alone, p50 of ${REFERENCE_RUNS}: ${perStatement.map((x) => `${x.label} ${ms(x.p50)} ms`).join('; ')}
    heaviest: ${heaviest.label}, ${ms(heaviest.p50)} ms; p50 under load / sequential p50 = ${(percentile(latencies, 50) / seqP50).toFixed(1)}× (≈ queueing)
  example deny: ${deny?.decision === 'deny' ? deny.summary : '(none)'}
    top cause: ${topCause === undefined ? '(none)' : `${topCause.service} ${topCause.span_name} ${topCause.error_type} ×${topCause.count}, log: ${topCause.example_log_lines[0] ?? '(no log line)'}`}
`);
await tollgate.stop();
rmSync(dataDir, { recursive: true, force: true });
