/**
 * bench/gate: `POST /v1/gate` over HTTP against a Tollgate (embedded chDB, its own process) holding
 * 7 days of spans for 20 services. Runs `--calls` decisions with `--concurrency` in flight, first
 * alone, then while OTLP ingest runs at `--ingest` spans/s, and prints latency percentiles,
 * throughput, the verdicts, the ingest rate achieved, and as a reference from the same run the
 * failing promotion made one at a time. Asserts nothing.
 *
 *   node --import tsx bench/gate.ts [--spans 10000000] [--concurrency 20] [--calls 400] [--ingest 5000]
 *
 * The gate reads every count from the SLO engine's recorded minutes (no statement); only a deny asks
 * the store, for the causes of the release's bad events. chDB runs one statement at a time, so that
 * one read waits behind whatever insert of spans is running.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { openStore } from '../src/store/index.js';
import { demoResource, makeSpans } from '../test/helpers/telemetry.js';
import { spawnTollgate, tempDir, testEnv } from '../test/helpers/tollgate.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000000' },
    concurrency: { type: 'string', default: '20' },
    calls: { type: 'string', default: '400' },
    ingest: { type: 'string', default: '5000' },
  },
});
const INGEST_SPANS_PER_SECOND = Number(args.ingest);
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
const REFERENCE_RUNS = 40;
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
// The data is loaded into the store here; Tollgate then runs as its own process on it, so that this
// process's HTTP clients (gate calls and the ingest senders) do not share Tollgate's event loop.
const { store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'data', 'clickhouse') });

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
await store.close();

const tollgate = await spawnTollgate(testEnv(path.join(dataDir, 'data'), { TOLLGATE_SLO_DIR: sloDir }));
const apiUrl = `http://127.0.0.1:${tollgate.ports.http}`;
const otlpUrl = `http://127.0.0.1:${tollgate.ports.otlpHttp}`;

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

// Tollgate records the SLOs back over their periods in the background at start; the gate is asked once that is done.
const recordStarted = performance.now();
for (;;) {
  const list = (await (await fetch(`${apiUrl}/v1/slos`)).json()) as { slos: Array<{ recording?: { state: string } }> };
  if (list.slos.length > 0 && list.slos.every((x) => x.recording?.state === 'live')) break;
  await new Promise((r) => setTimeout(r, 500));
}
const recordSeconds = (performance.now() - recordStarted) / 1000;

// ---- CONCURRENCY async loops taking the next question until CALLS are answered
async function run(): Promise<{ results: Array<Timed & { kind: Kind }>; seconds: number }> {
  const results: Array<Timed & { kind: Kind }> = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, CALLS) }, async () => {
      for (let k = next++; k < CALLS; k = next++) {
        const q = question(k);
        results.push({ kind: q.kind, ...(await gate(q.body)) });
      }
    }),
  );
  return { results, seconds: (performance.now() - started) / 1000 };
}

// ---- ingest beside it: OTLP/HTTP protobuf exports of 500 SDK spans (server + client pairs) from every service, paced
const INGEST_BATCH_SPANS = 500;
const bodies = Array.from({ length: SERVICES }, (_, i) =>
  ProtobufTraceSerializer.serializeRequest(makeSpans(INGEST_BATCH_SPANS / 2, demoResource({ 'service.name': `svc-${i}`, config_hash: `cfg-svc-${i}-${DAYS - 1}`, 'deployment.environment.name': 'prod' }), 200))!);
function startIngest(): { stop(): Promise<{ spans: number; seconds: number; refused: number }> } {
  let stopped = false;
  let spans = 0;
  let refused = 0;
  const started = performance.now();
  const intervalMs = (1000 * INGEST_BATCH_SPANS) / INGEST_SPANS_PER_SECOND;
  const senders = Array.from({ length: 4 }, async (_, w) => {
    for (let k = w; !stopped; k += 4) {
      const due = started + k * intervalMs;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      const res = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: bodies[k % SERVICES] as Uint8Array<ArrayBuffer> });
      await res.arrayBuffer();
      if (res.status === 200) spans += INGEST_BATCH_SPANS;
      else refused++;
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(senders);
      return { spans, seconds: (performance.now() - started) / 1000, refused };
    },
  };
}

await gate(failingPromotion); // warm-up
const alone = await run();
const ingest = startIngest();
await new Promise((r) => setTimeout(r, 2_000)); // ingest at its pace before the gate starts
const loaded = await run();
const ingested = await ingest.stop();

// ---- reference, nothing else running: the failing promotion (the call that also asks the store for causes), one at a time
const sequential: Timed[] = [];
for (let i = 0; i < REFERENCE_RUNS; i++) sequential.push(await gate(failingPromotion));
const seqP50 = percentile(sortedOf(sequential.map((r) => r.totalMs)), 50);

// ---- report
const lines = (label: string, r: { results: Array<Timed & { kind: Kind }>; seconds: number }): string => {
  const latencies = sortedOf(r.results.map((x) => x.totalMs));
  const counts = { allow: 0, deny: 0, wait: 0 };
  for (const x of r.results) counts[x.decision]++;
  return `  ${fmt(CALLS)} calls to POST /v1/gate over HTTP, ${CONCURRENCY} in flight, ${label}:
    latency p50 ${ms(percentile(latencies, 50))} ms, p90 ${ms(percentile(latencies, 90))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies.at(-1) ?? NaN)} ms
    ${(CALLS / r.seconds).toFixed(1)} decisions/s (${r.seconds.toFixed(1)} s); verdicts: allow ${counts.allow}, deny ${counts.deny}, wait ${counts.wait}`;
};
const byKind = new Map<Kind, Map<string, number>>();
for (const r of loaded.results) {
  const m = byKind.get(r.kind) ?? new Map<string, number>();
  const key = r.decision === 'allow' ? `allow (${r.basis ?? '?'})` : r.decision;
  m.set(key, (m.get(key) ?? 0) + 1);
  byKind.set(r.kind, m);
}
const p99Loaded = percentile(sortedOf(loaded.results.map((r) => r.totalMs)), 99);
const deny = loaded.results.find((r) => r.decision === 'deny') ?? sequential[0];
const topCause = deny?.topCause;
console.log(`
Gate benchmark: ${fmt(SPANS)} spans over ${DAYS} days, ${SERVICES} services (+1 without traffic), ${process.version}, ${os.cpus().length} cores, chDB embedded
  load through the materialized views: ${loadSeconds.toFixed(1)} s (${fmt(SPANS / loadSeconds)} spans/s, with the logs)
  rows: ${sizes.map((r) => `${r.table} ${fmt(Number(r.rows))}`).join(', ')}
  Tollgate in its own process; SLO minutes recorded back over 30 days at its start: ${recordSeconds.toFixed(1)} s
${lines('nothing else running', alone)}
${lines(`while ingest runs (${fmt(ingested.spans / ingested.seconds)} spans/s acknowledged over OTLP/HTTP, ${ingested.refused} exports refused)`, loaded)}
${[...byKind].map(([kind, m]) => `      ${kind}: ${[...m].map(([d, n]) => `${d} ${n}`).join(', ')}`).join('\n')}
  reference, the failing promotion one call at a time, nothing else running: p50 ${ms(seqP50)} ms over ${REFERENCE_RUNS} runs
    p99 under ingest / sequential p50 = ${(p99Loaded / seqP50).toFixed(1)}×
  example deny: ${deny?.decision === 'deny' ? deny.summary : '(none)'}
    top cause: ${topCause === undefined ? '(none)' : `${topCause.service} ${topCause.span_name} ${topCause.error_type} ×${topCause.count}, log: ${topCause.example_log_lines[0] ?? '(no log line)'}`}
`);
tollgate.child.kill('SIGTERM');
await tollgate.exited;
rmSync(dataDir, { recursive: true, force: true });
