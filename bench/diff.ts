/**
 * bench/diff: `tollgate diff` on a change to 100 SLOs over 30 days of stored data.
 * Spans generated inside chDB over 30 days (through the same materialized views as ingest), 100 SLOs
 * (5 per service) and 20 gate policies recorded back by the engine, and 200 stored gate decisions
 * spread over the month. The change raises every SLO's objective and every policy's
 * min_budget_remaining, so every SLO is replayed (budget, error ratio, alerts at every minute of the
 * period) and every decision is replayed both ways. Measured: the backtest service in process (what
 * POST /v1/backtest runs, files parsed on a worker as the route does), and the CLI end to end
 * (`tollgate diff`, a new process opening the store read-only, and with `--url` asking a Tollgate
 * started on the same store, as CI does). Beside it, the reference: one raw
 * scan of otel_traces per SLO for just its period's counts. Prints numbers; asserts nothing.
 *
 *   node --import tsx bench/diff.ts [--spans 2000000] [--keep DIR] [--record]
 * --keep: the data directory to use and keep; loaded and recorded only when empty (to measure again quickly).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createBacktestService, parseDefinitions, reportWire, type SourceTexts } from '../src/backtest/index.js';
import { loadConfig } from '../src/config/index.js';
import { startTollgate } from '../src/server.js';
import { createSloEngine, openSloRegistry } from '../src/engine/index.js';
import { createDecisionLog, type GateAnswer } from '../src/gate/index.js';
import { planWindows } from '../src/slo/evaluate/index.js';
import { spanSliQuery } from '../src/slo/sli/index.js';
import { openStore } from '../src/store/index.js';
import { tempDir } from '../test/helpers/tollgate.js';
import { benchArgs, recordingOutput } from './report.js';

recordingOutput('diff', 'npm run bench:diff -- --record');
const { values: args } = parseArgs({ args: benchArgs(), options: { spans: { type: 'string', default: '2000000' }, keep: { type: 'string' } } });
const SPANS = Number(args.spans);
const SERVICES = 20;
const DAY = 86_400;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number): string => (ms / 1000).toFixed(2);

const dataDir = args.keep ?? tempDir('tollgate-bench-diff-');
const chPath = path.join(dataDir, 'clickhouse');
const { store } = await openStore({ kind: 'embedded', path: chPath });
const isLoaded = Number((await store.query<{ n: string }>('SELECT count() AS n FROM tollgate_slo_minutes'))[0]!.n) > 0;
const nowMs = isLoaded ? Number(readFileSync(path.join(dataDir, 'now'), 'utf8')) : Date.now();
writeFileSync(path.join(dataDir, 'now'), String(nowMs));
const startNs = BigInt(nowMs - 30 * DAY * 1000) * 1_000_000n;
const stepNs = (30n * BigInt(DAY) * 1_000_000_000n) / BigInt(SPANS);

console.log(`loading ${fmt(SPANS)} spans over 30 days for ${SERVICES} services …`);
let t = performance.now();
for (let offset = 0; offset < (isLoaded ? 0 : SPANS); offset += 5_000_000) {
  const rows = Math.min(5_000_000, SPANS - offset);
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
       -- a bad hour now and then: 5 % failing for an hour every ~4 days per service, 0.5 % otherwise
       map('http.response.status_code', if(cityHash64(n, 2) % 1000 < if(cityHash64(intDiv(toUnixTimestamp(ts), 3600), n % {services:UInt32}) % 96 = 0, 50, 5), '503', '200')) AS SpanAttributes,
       toUInt64(2000000 + (cityHash64(n, 4) % 1000) * (cityHash64(n, 5) % 1000) * 2) AS Duration,
       if(SpanAttributes['http.response.status_code'] = '503', 'Error', 'Unset') AS StatusCode
     FROM (SELECT number + {offset:UInt64} AS n FROM numbers({rows:UInt64}))`,
    { startNs, stepNs, services: SERVICES, offset, rows },
  );
}
const loadSeconds = (performance.now() - t) / 1000;

// ---- 100 SLOs and 20 policies (base), the same with raised objectives and thresholds (head)
const objectives = ['99', '99.5', '99.9', '99.95', '99.99'];
const raised: Record<string, string> = { '99': '99.5', '99.5': '99.9', '99.9': '99.95', '99.95': '99.99', '99.99': '99.995' };
const kinds = [
  (o: string) => `{spans: {match: {kind: server}, bad: {status: error}}}|${o}`,
  () => `{spans: {match: {kind: server}, bad: {duration_over: 300ms}}}|99`,
  (o: string) => `{spans: {bad: {http_status: 5xx}}}|${o}`,
  () => `{spans: {match: {kind: server, name: "GET /api/*"}, bad: {duration_over: 500ms}}}|99.5`,
  (o: string) => `{spans: {match: {kind: server, environment: prod}, bad: {status: error}}}|${o}`,
];
function files(isHead: boolean): SourceTexts['files'] {
  const docs: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    for (let v = 0; v < 5; v++) {
      const [sli, base] = kinds[v]!(objectives[i % 5]!).split('|') as [string, string];
      docs.push(`apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: svc-${i}-slo-${v}}\nspec:\n  service: svc-${i}\n  objective: ${isHead ? raised[base] : base}\n  period: 30d\n  sli: ${sli}\n`);
    }
    docs.push(`apiVersion: tollgate.dev/v1\nkind: GatePolicy\nmetadata: {name: svc-${i}-prod}\nspec:\n  app: svc-${i}\n  environment: prod\n  slos: [svc-${i}-slo-0, svc-${i}-slo-4]\n  min_budget_remaining: ${isHead ? '40%' : '15%'}\n`);
  }
  return [{ path: 'slos/bench.yaml', text: docs.join('---\n') }];
}
const baseTexts: SourceTexts = { label: 'base', files: files(false) };
const headTexts: SourceTexts = { label: 'head', files: files(true) };
const baseDir = path.join(dataDir, 'base');
mkdirSync(baseDir, { recursive: true });
writeFileSync(path.join(baseDir, 'bench.yaml'), baseTexts.files[0]!.text);
const headDir = path.join(dataDir, 'head');
mkdirSync(headDir, { recursive: true });
writeFileSync(path.join(headDir, 'bench.yaml'), headTexts.files[0]!.text);

const log = pino({ level: 'silent' });
const LONG = 3_650 * DAY;
const registry = await openSloRegistry({ dir: baseDir, log });
const engine = await createSloEngine({ store, registry, log, retention: { tracesSeconds: LONG, logsSeconds: LONG, metricsSeconds: LONG, rollupSeconds: LONG, historySeconds: LONG }, now: () => nowMs });
t = performance.now();
if (!isLoaded) await engine.recordNow({ backfill: true });
const recordSeconds = (performance.now() - t) / 1000;
await engine.stop();
registry.close();
const minuteRows = Number((await store.query<{ n: string }>('SELECT count() AS n FROM tollgate_slo_minutes'))[0]!.n);

// ---- 200 stored decisions over the month (10 per app), as the gate stores them
const decisions = createDecisionLog({ store, log });
for (let i = 0; i < (isLoaded ? 0 : SERVICES); i++) {
  for (let k = 0; k < 10; k++) {
    const decidedAtMs = nowMs - (k * 3 + 1) * DAY * 1000 + i * 60_000;
    const configHash = `cfg-${i}-${Math.floor(decidedAtMs / 1000 / 259_200) + 1}`;
    const answer = { decision: 'allow', summary: 'allow: prod budgets healthy', policy: `svc-${i}-prod`, slo_revision: 'bench', dry_run: false } as unknown as GateAnswer;
    decisions.record({ id: randomUUID(), decidedAtMs, app: `svc-${i}`, environment: 'prod', configHash, revision: `r${k}`, request: { app: `svc-${i}`, environment: 'prod', service: `svc-${i}`, config_hash: configHash }, answer });
  }
}
await decisions.close();

// ---- the backtest, in process (as POST /v1/backtest runs it)
const phases = new Map<string, number[]>();
// As if run two minutes after the recording (a kept data directory is measured again at the same instant).
const service = createBacktestService({ store, decisions: createDecisionLog({ store, log }), now: () => nowMs + 120_000, onPhase: (name, ms) => phases.set(name, [...(phases.get(name) ?? []), ms]) });
const runs: number[] = [];
const parses: number[] = [];
t = performance.now();
let wire = reportWire(await service.run(await parseDefinitions(baseTexts), await parseDefinitions(headTexts)));
const coldMs = performance.now() - t;
phases.clear();
for (let i = 0; i < 5; i++) {
  t = performance.now();
  const [base, head] = await Promise.all([parseDefinitions(baseTexts), parseDefinitions(headTexts)]);
  const parsed = performance.now();
  wire = reportWire(await service.run(base, head));
  parses.push(parsed - t);
  runs.push(performance.now() - t);
}

// ---- the reference: one raw scan per SLO for its period's counts only
t = performance.now();
for (const slo of (await parseDefinitions(baseTexts, { inWorker: false })).slos) {
  const plan = planWindows(slo, nowMs);
  const query = spanSliQuery({ slo, windows: plan.windows.filter((w) => w.key === plan.periodKey), endMinuteSeconds: plan.endMinuteSeconds, scan: 'raw' });
  query.read(await store.query<Record<string, unknown>>(query.sql, query.params));
}
const rawMs = performance.now() - t;
await store.close();

// ---- the CLI end to end: a new process, the store opened read-only
t = performance.now();
const cli = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../bin/tollgate.mjs'), 'diff', '--base', baseDir, '--head', headDir, '--format', 'markdown', '--output', path.join(dataDir, 'diff.md')], {
  env: { ...process.env, TOLLGATE_DATA_DIR: dataDir }, encoding: 'utf8',
});
const cliMs = performance.now() - t;
const headline = cli.status === 0 ? readFileSync(path.join(dataDir, 'diff.md'), 'utf8').split('\n')[2] : `failed (${cli.status}): ${cli.stderr.slice(0, 300)}`;

// ---- the CI path: `tollgate diff --url` asking a Tollgate that runs on this store (a new CLI process each time)
const server = await startTollgate(loadConfig({
  TOLLGATE_DATA_DIR: dataDir, TOLLGATE_SLO_DIR: baseDir, TOLLGATE_HTTP_PORT: '0', TOLLGATE_OTLP_HTTP_PORT: '0', TOLLGATE_OTLP_GRPC_PORT: '0',
  TOLLGATE_LOG_LEVEL: 'silent', TOLLGATE_RETENTION_TRACES: '3650', TOLLGATE_RETENTION_LOGS: '3650', TOLLGATE_RETENTION_METRICS: '3650',
  TOLLGATE_RETENTION_ROLLUPS: '3650', TOLLGATE_RETENTION_SLO_HISTORY: '3650', TOLLGATE_EVALUATION_INTERVAL_MS: '3600000',
}), log);
const viaUrl: number[] = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const r = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [path.resolve(import.meta.dirname, '../bin/tollgate.mjs'), 'diff', '--base', baseDir, '--head', headDir, '--url', `http://127.0.0.1:${server.ports.http}`, '--format', 'markdown', '--output', path.join(dataDir, 'diff-url.md')], { stdio: 'ignore' });
    child.on('exit', resolve);
  });
  viaUrl.push(r === 0 ? performance.now() - t : NaN);
}
await server.stop();

const pages = wire.slos.reduce((n, s) => [n[0]! + (s.before?.pages ?? 0), n[1]! + (s.after?.pages ?? 0)], [0, 0]);
console.log(`
tollgate diff benchmark: ${fmt(SPANS)} spans over 30 days, ${SERVICES} services, ${process.version}, ${os.cpus().length} cores, chDB embedded
  load through the materialized views: ${loadSeconds.toFixed(1)} s; 100 SLOs recorded back over 30 days: ${recordSeconds.toFixed(1)} s (${fmt(minuteRows)} recorded minute rows)
  the change: 100 objectives and 20 policy thresholds raised; 200 stored decisions over the month
  replayed: ${wire.slos.length} SLOs (pages ${pages[0]} → ${pages[1]}), ${wire.decisions.replayed} decisions (${wire.decisions.flips.length} flip)
  backtest in process (parse both sides + replay, as POST /v1/backtest): first ${seconds(coldMs)} s, then median ${seconds(median(runs))} s over ${runs.length} runs
    parse ${seconds(median(parses))} s, ${[...phases].map(([name, xs]) => `${name} ${seconds(median(xs))} s`).join(', ')}
  tollgate diff end to end (new process, store opened read-only, Markdown written): ${seconds(cliMs)} s
  tollgate diff --url end to end (new process asking a running Tollgate, as CI does): first ${seconds(viaUrl[0]!)} s, then ${viaUrl.slice(1).map(seconds).join(' s, ')} s
    ${headline}
  reference, raw scans of otel_traces for the 100 period counts alone: ${seconds(rawMs)} s (ratio ${(rawMs / median(runs)).toFixed(1)}×)
  target: under 5 s — in process ${median(runs) < 5_000 ? 'met' : 'not met'}, --url ${Math.max(...viaUrl) < 5_000 ? 'met' : 'not met'}, local store ${cliMs < 5_000 ? 'met' : 'not met'}
`);
if (args.keep === undefined) rmSync(dataDir, { recursive: true, force: true });
