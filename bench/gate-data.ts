/**
 * bench/gate-data: the store bench/gate and bench/mixed run on, and what they ask of it. Spans over
 * 7 days for 20 services generated inside chDB (through the same materialized views as ingest): day
 * d (counted from the start) runs config cfg-<svc>-<d> in prod; staging switches to d+1 four hours
 * earlier, so the newest config has run only in staging; 1 span in 5 is staging; 0.5 % fail, and the
 * failing service's newest config in staging ~5 %, mostly on POST /api/orders with an exception
 * event; half of the failed spans have an ERROR log. One availability SLO and one prod GatePolicy per
 * service, plus an app with no traffic. Also: the gate questions (promotions, re-syncs, unseen
 * configs, rollbacks, the quiet app), one gate call over HTTP, and paced OTLP ingest of SDK spans.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { openStore } from '../src/store/index.js';
import { demoResource, makeSpans } from '../test/helpers/telemetry.js';
import { tempDir } from '../test/helpers/tollgate.js';

export const SERVICES = 20;
/** The service whose newest config fails 5 % of its requests in staging. */
export const FAILING = 3;
/** An app with an SLO and a policy but no traffic yet: its gate answers `wait` (no_data: wait). */
export const QUIET_SERVICE = 'svc-new';
const DAY = 86_400;
export const DAYS = 7;
/** A new config reaches staging this long before prod. */
const STAGING_LEAD_SECONDS = 4 * 3_600;
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
export const sortedOf = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

export interface GateData {
  /** Tollgate's data directory (TOLLGATE_DATA_DIR) and SLO directory. */
  dataDir: string;
  sloDir: string;
  /** The directory to remove afterwards. */
  root: string;
  loadSeconds: number;
  sizes: Array<{ table: string; rows: string }>;
}

/** Writes the SLO files and loads `spans` spans (and their error logs) into a new embedded store, then closes it. */
export async function prepareGateData(spans: number, prefix: string): Promise<GateData> {
  const nowMs = Date.now();
  const startSeconds = Math.floor(nowMs / 1000) - DAYS * DAY;
  const startNs = BigInt(startSeconds) * 1_000_000_000n;
  const stepNs = (BigInt(DAYS * DAY) * 1_000_000_000n) / BigInt(spans);
  const yaml = sloYaml();
  const root = tempDir(prefix);
  const sloDir = path.join(root, 'slo-definitions');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'bench.yaml'), yaml);
  const { store } = await openStore({ kind: 'embedded', path: path.join(root, 'data', 'clickhouse') });
  console.log(`loading ${fmt(spans)} spans over ${DAYS} days for ${SERVICES} services …`);
  const CHUNK = 5_000_000;
  const t0 = performance.now();
  for (let offset = 0; offset < spans; offset += CHUNK) {
    const rows = Math.min(CHUNK, spans - offset);
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
  return { dataDir: path.join(root, 'data'), sloDir, root, loadSeconds, sizes };
}

/** One availability SLO per service and a prod GatePolicy per app (app = service), as Tollgate loads them at start. */
function sloYaml(): string {
  const serviceNames = [...Array.from({ length: SERVICES }, (_, i) => `svc-${i}`), QUIET_SERVICE];
  return serviceNames
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
}

// ---- one call as Argo CD's hook makes it
export interface GateBody { app: string; environment: string; service: string; config_hash: string }
export interface TopCause { headline: string; count: number; change: string; example_log_lines: string[] }
export interface Timed { decision: 'allow' | 'deny' | 'wait'; basis?: string; summary: string; totalMs: number; topCause?: TopCause }

export async function gate(apiUrl: string, body: GateBody): Promise<Timed> {
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
export type Kind = 'promote newest' | 'current prod' | 'never seen' | 'rollback' | 'no traffic';
const MIX: readonly Kind[] = ['promote newest', 'rollback', 'never seen', 'promote newest', 'current prod', 'rollback', 'no traffic'];
export function question(k: number): { kind: Kind; body: GateBody } {
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
export const failingPromotion: GateBody = { app: `svc-${FAILING}`, environment: 'prod', service: `svc-${FAILING}`, config_hash: `cfg-svc-${FAILING}-${DAYS}` };

/** Tollgate records the SLOs back over their periods in the background at start: waits until every one is live. */
export async function waitRecorded(apiUrl: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const list = (await (await fetch(`${apiUrl}/v1/slos`)).json()) as { slos: Array<{ recording?: { state: string } }> };
    if (list.slos.length > 0 && list.slos.every((x) => x.recording?.state === 'live')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return (performance.now() - started) / 1000;
}

// ---- ingest beside it: OTLP/HTTP protobuf exports of 500 SDK spans (server + client pairs) from every service, paced
const INGEST_BATCH_SPANS = 500;
export interface IngestResult { spans: number; seconds: number; refused: number; ackMs: number[] }

export function startIngest(otlpUrl: string, spansPerSecond: number): { stop(): Promise<IngestResult> } {
  const bodies = Array.from({ length: SERVICES }, (_, i) =>
    ProtobufTraceSerializer.serializeRequest(makeSpans(INGEST_BATCH_SPANS / 2, demoResource({ 'service.name': `svc-${i}`, config_hash: `cfg-svc-${i}-${DAYS - 1}`, 'deployment.environment.name': 'prod' }), 200))!);
  let stopped = false;
  let spans = 0;
  let refused = 0;
  const ackMs: number[] = [];
  const started = performance.now();
  const intervalMs = (1000 * INGEST_BATCH_SPANS) / spansPerSecond;
  const senders = Array.from({ length: 4 }, async (_, w) => {
    for (let k = w; !stopped; k += 4) {
      const due = started + k * intervalMs;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      const sent = performance.now();
      const res = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: bodies[k % SERVICES] as Uint8Array<ArrayBuffer> });
      await res.arrayBuffer();
      ackMs.push(performance.now() - sent);
      if (res.status === 200) spans += INGEST_BATCH_SPANS;
      else refused++;
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(senders);
      return { spans, seconds: (performance.now() - started) / 1000, refused, ackMs };
    },
  };
}
