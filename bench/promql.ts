/**
 * bench/promql: `GET/POST /api/v1/query_range` over 30 days at a 5-minute step, against a Tollgate
 * (embedded chDB) holding 30 days of spans, beside Debian's Prometheus 2.42 serving the same series
 * for the same queries in the same run. Queries: the SLO series with Sloth's names (served from the
 * per-minute span rollup by series/slo-series.ts) and span-derived RED series
 * (series/span-metrics.ts: a p99 from `histogram_quantile` over the duration buckets, a call rate,
 * an error ratio). Prints min/median/max latency of each system, their ratio, how much of
 * Tollgate's time is chDB, and how far the two answers are apart. Asserts nothing.
 *
 *   npm run bench:promql    # node --import tsx bench/promql.ts [--spans 2000000] [--services 4] [--runs 5] [--budget-seconds 45] [--prom-max-samples 30000000]
 *
 * Prometheus holds exactly the samples Tollgate's evaluator reads for each query (the provider's
 * `select()` for every selector of the query, same window): for the SLO series that is what Sloth's
 * recording rules would have stored at a 1-minute evaluation interval, for the span series the
 * per-minute bucket and call counters. So both systems evaluate the same PromQL over the same
 * samples, and their answers must agree up to float rounding.
 *
 * promtool 2.42 cannot be told a block size: it writes 2-hour blocks and re-reads its whole input
 * once per 2-hour range (30 days = 361 passes; 432k samples took 98 s). So the samples are split into
 * one file per 2-hour range, promtool runs once per file, and Prometheus is started on the 361
 * blocks and timed only after its first compaction (one minute after start) has merged them into
 * the few large blocks a Prometheus holding 30 days would have.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { benchArgs, recordingOutput } from './report.js';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { createMemorySource, evaluateRange, parsePromql, planSelects } from '../src/promql/index.js';
import { createSeriesCatalog, type Series } from '../src/series/index.js';
import { createQueryRunner } from '../src/query/index.js';
import { startTollgate } from '../src/server.js';
import { promtoolBinary, servePrometheusTsdb, toOpenMetrics, type ApiResponse, type OracleSeries } from '../test/helpers/prometheus.js';
import { REPO_ROOT, tempDir, testEnv } from '../test/helpers/tollgate.js';

recordingOutput('promql', 'npm run bench:promql');
const { values: args } = parseArgs({
  args: benchArgs(),
  options: {
    spans: { type: 'string', default: '2000000' },
    services: { type: 'string', default: '4' },
    runs: { type: 'string', default: '5' },
    'budget-seconds': { type: 'string', default: '45' },
    'prom-max-samples': { type: 'string', default: '30000000' },
  },
});
const SPANS = Number(args.spans);
const SERVICES = Number(args.services);
/** Timed runs per query and system, after one warm-up run. */
const RUNS = Number(args.runs);
/** A query slower than this gets fewer timed runs (at least one), so a slow query cannot stretch the bench past ~10 minutes. */
const BUDGET_MS = Number(args['budget-seconds']) * 1000;
/** Past this many samples Prometheus' reference data is not built (OpenMetrics text is ~220 bytes a sample). */
const PROM_MAX_SAMPLES = Number(args['prom-max-samples']);

const DAY = 86_400;
const STEP_SECONDS = 300;
const LOOKBACK_MS = 300_000;
/** promtool's block size (tsdb.DefaultBlockDuration); it cannot be changed in 2.42. */
const BLOCK_MS = 2 * 3_600_000;
const SVC = 'svc-0';
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isNaN(n) ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// ---- the range every query asks for: the last 30 days, ending on a step, so both systems see the same grid
const endSeconds = Math.floor(Date.now() / 1000 / STEP_SECONDS) * STEP_SECONDS;
const startSeconds = endSeconds - 30 * DAY;
const range = { startMs: startSeconds * 1000, endMs: endSeconds * 1000, stepMs: STEP_SECONDS * 1000 };

// ---- two span SLOs per service, loaded by Tollgate at start: availability over 30 days, latency over 28 (Sloth's `4w`)
const services = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
const yaml = services
  .flatMap((s) => [
    `apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: ${s}-availability}\nspec:\n  service: ${s}\n  objective: 99.5\n  period: 30d\n  sli: {spans: {match: {kind: server}, bad: {status: error}}}\n`,
    `apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: ${s}-latency}\nspec:\n  service: ${s}\n  objective: 99\n  period: 28d\n  sli: {spans: {match: {kind: server}, bad: {duration_over: 1s}}}\n`,
  ])
  .join('---\n');
const dataDir = tempDir('tollgate-bench-promql-');
const sloDir = path.join(dataDir, 'slo-definitions');
mkdirSync(sloDir, { recursive: true });
writeFileSync(path.join(sloDir, 'bench.yaml'), yaml);
// The engine evaluates once at start (before any data) and then hourly; no self-scrape: nothing else
// competes for chDB's single statement slot while queries are timed.
const tollgate = await startTollgate(
  loadConfig(testEnv(path.join(dataDir, 'data'), {
    TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: String(3_600_000), TOLLGATE_SELF_SCRAPE_INTERVAL_MS: '0',
  }), REPO_ROOT),
  pino({ level: 'silent' }),
);
if ((tollgate.slos?.current().problems.length ?? 1) > 0 || tollgate.engine === undefined) throw new Error('the bench SLOs did not load');
const store = tollgate.store;
const apiUrl = `http://127.0.0.1:${tollgate.ports.http}`;

// ---- load: spans generated inside chDB, through the same materialized views as ingest (minute and hour rollups).
// From 5 minutes before the range (rate()'s first window) to its end. 85 % server spans over three routes,
// 15 % client spans; 0.3 % fail, 8 % (and 3× slower) in the ~2 % of hours that are a service's incidents;
// durations 2 ms … 2 s, most of them fast; one environment; a new config_hash per service every 7 days.
const dataStartSeconds = startSeconds - 300;
const startNs = BigInt(dataStartSeconds) * 1_000_000_000n;
const stepNs = (BigInt(endSeconds - dataStartSeconds) * 1_000_000_000n) / BigInt(SPANS);
console.log(`loading ${fmt(SPANS)} spans over 30 days for ${SERVICES} services …`);
const CHUNK = 5_000_000;
const loadStarted = performance.now();
for (let offset = 0; offset < SPANS; offset += CHUNK) {
  const rows = Math.min(CHUNK, SPANS - offset);
  await store.command(
    `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
     SELECT ts, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode
     FROM (
       SELECT
         fromUnixTimestamp64Nano(toInt64({startNs:Int64} + n * {stepNs:Int64})) AS ts,
         hex(cityHash64(n)) || hex(cityHash64(n + 1)) AS TraceId,
         hex(cityHash64(n, 7)) AS SpanId,
         concat('svc-', toString(n % {services:UInt32})) AS ServiceName,
         cityHash64(n, 1) % 100 < 85 AS server,
         if(server, 'Server', 'Client') AS SpanKind,
         if(server, ['GET /api/items', 'POST /api/orders', 'GET /api/users/{id}'][1 + cityHash64(n, 2) % 3], 'SELECT orders') AS SpanName,
         cityHash64(ServiceName, intDiv(toUnixTimestamp(ts), 3600)) % 50 = 0 AS incident,
         cityHash64(n, 3) % 10000 < if(incident, 800, 30) AS failed,
         map('service.name', ServiceName,
             'config_hash', concat('cfg-', ServiceName, '-', toString(intDiv(toUnixTimestamp(ts) - {dataStart:UInt32}, 604800))),
             'deployment.environment.name', 'prod') AS ResourceAttributes,
         if(server, map('http.response.status_code', if(failed, '500', if(cityHash64(n, 5) % 100 = 0, '404', '200'))),
                    map('db.system', 'postgresql')) AS SpanAttributes,
         (cityHash64(n, 4) % 10000) / 10000 AS u,
         toUInt64(2000000 * pow(1000, u * u) * if(incident, 3, 1)) AS Duration,
         if(failed, 'Error', 'Unset') AS StatusCode
       FROM (SELECT number + {offset:UInt64} AS n FROM numbers({rows:UInt64}))
     )`,
    { startNs, stepNs, services: SERVICES, offset, rows, dataStart: dataStartSeconds },
  );
  process.stdout.write(`  ${fmt(offset + rows)} spans, ${fmt((offset + rows) / ((performance.now() - loadStarted) / 1000))}/s\r`);
}
const loadSeconds = (performance.now() - loadStarted) / 1000;
// Merge the parts, as a store that has run for 30 days would have them: otherwise the first queries time part merging.
await store.command('OPTIMIZE TABLE tollgate_span_rollup_1m FINAL');
await store.command('OPTIMIZE TABLE tollgate_span_rollup_1h FINAL');
// The SLO series are read from the recorded minutes: record the loaded month now, as a running Tollgate would in the background.
const recordStarted = performance.now();
await tollgate.engine.recordNow({ backfill: true });
const recordSeconds = (performance.now() - recordStarted) / 1000;
const sizes = await store.query<{ table: string; rows: string }>(
  `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase()
   AND table IN ('otel_traces', 'tollgate_span_rollup_1m', 'tollgate_span_rollup_1h') GROUP BY table ORDER BY table`,
);

// ---- the queries, as a Grafana dashboard over 30 days asks them
interface BenchQuery { label: string; family: 'SLO series' | 'span series'; promql: string }
const QUERIES: readonly BenchQuery[] = [
  { label: 'SLI 5m', family: 'SLO series', promql: `slo:sli_error:ratio_rate5m{sloth_service="${SVC}"}` },
  { label: 'SLI 30d', family: 'SLO series', promql: `slo:sli_error:ratio_rate30d{sloth_service="${SVC}"}` },
  { label: 'budget remaining', family: 'SLO series', promql: `slo:period_error_budget_remaining:ratio{sloth_service="${SVC}"}` },
  { label: 'burn rate, all SLOs', family: 'SLO series', promql: 'sum by (sloth_service) (slo:current_burn_rate:ratio)' },
  { label: 'p99 histogram_quantile', family: 'span series', promql: `histogram_quantile(0.99, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{service_name="${SVC}"}[5m])))` },
  { label: 'call rate', family: 'span series', promql: `sum(rate(traces_span_metrics_calls_total{service_name="${SVC}"}[5m]))` },
  {
    label: 'error ratio', family: 'span series',
    promql: `sum(rate(traces_span_metrics_calls_total{service_name="${SVC}",status_code="STATUS_CODE_ERROR"}[5m])) / sum(rate(traces_span_metrics_calls_total{service_name="${SVC}"}[5m]))`,
  },
];

type Matrix = Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
interface Answer { ms: number; error?: string; matrix: Matrix }

/**
 * One query_range call over a real socket, timed from sending to the parsed JSON (the same client for
 * both systems). A fresh connection each time: a kept-alive one can be closed by the server's 5-second
 * idle timeout while the bench works in between, and fetch then fails with ECONNRESET.
 */
async function queryRange(baseUrl: string, promql: string): Promise<Answer> {
  const form = new URLSearchParams({
    query: promql, start: String(startSeconds), end: String(endSeconds), step: String(STEP_SECONDS), timeout: '120s',
  }).toString();
  const started = performance.now();
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(`${baseUrl}/api/v1/query_range`, {
      method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(form);
  });
  const answer = JSON.parse(text) as ApiResponse; // both answer JSON for successes and errors
  const elapsed = performance.now() - started;
  if (answer.status === 'error') return { ms: elapsed, error: `${status} ${answer.errorType}: ${answer.error}`, matrix: [] };
  return { ms: elapsed, matrix: answer.data.result as Matrix }; // a range query's result is always a matrix
}

/** Seconds Tollgate's store spent running read statements so far (its own histogram, queue wait excluded). */
async function storeReadSeconds(): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('tollgate_store_statement_seconds_sum{') && line.includes('lane="read"')) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

interface Timing { firstMs: number; runsMs: number[]; storeMs: number[]; answer: Answer }

/** A warm-up run, then up to RUNS timed runs within BUDGET_MS (at least one); `storeSeconds` is read around each run. */
async function timeQuery(run: () => Promise<Answer>, storeSeconds?: () => Promise<number>): Promise<Timing> {
  const first = await run();
  const runsMs: number[] = [];
  const storeMs: number[] = [];
  let spent = 0;
  let answer = first;
  while (runsMs.length < RUNS && (runsMs.length === 0 || spent + median(runsMs) <= BUDGET_MS) && first.error === undefined) {
    const storeBefore = storeSeconds === undefined ? 0 : await storeSeconds();
    answer = await run();
    if (storeSeconds !== undefined) storeMs.push((await storeSeconds() - storeBefore) * 1000);
    runsMs.push(answer.ms);
    spent += answer.ms;
  }
  return { firstMs: first.ms, runsMs, storeMs, answer };
}

const points = (m: Matrix): number => m.reduce((n, s) => n + s.values.length, 0);
const sampleCount = (series: readonly OracleSeries[]): number => series.reduce((n, s) => n + s.timestampsMs.length, 0);
const seriesKey = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

// ---- Tollgate: each query over HTTP, then in-process the same selects and evaluation, to split the time
const runner = createQueryRunner({ workers: 1 });
const catalog = createSeriesCatalog({ store, registry: tollgate.slos, engine: tollgate.engine, runner });
interface TollgateResult { query: BenchQuery; timing: Timing; selectMs: number; evalMs: number; reference: OracleSeries[] }
const tollgateResults: TollgateResult[] = [];
console.log(`\ntiming Tollgate (${RUNS} runs after a warm-up, fewer past ${BUDGET_MS / 1000} s a query) …`);
for (const query of QUERIES) {
  const timing = await timeQuery(() => queryRange(apiUrl, query.promql), storeReadSeconds);
  // The samples the evaluator read: every selector's select() over its window, as evaluate.ts plans it.
  const expr = parsePromql(query.promql);
  const plans = planSelects(expr, { startMs: range.startMs, endMs: range.endMs, lookbackDeltaMs: LOOKBACK_MS });
  const selectStarted = performance.now();
  const fetched: Series[] = [];
  for (const p of plans) fetched.push(...(await catalog.select(p.request)));
  const selectMs = performance.now() - selectStarted;
  const source = createMemorySource(fetched);
  const evalStarted = performance.now();
  await evaluateRange(expr, range.startMs, range.endMs, range.stepMs, source, { lookbackDeltaMs: LOOKBACK_MS });
  const evalMs = performance.now() - evalStarted;
  const reference = new Map<string, OracleSeries>();
  for (const s of fetched) reference.set(seriesKey(s.labels), { labels: s.labels, timestampsMs: Array.from(s.timestampsMs), values: Array.from(s.values) });
  tollgateResults.push({ query, timing, selectMs, evalMs, reference: [...reference.values()] });
  console.log(`  ${query.label}: median ${ms(median(timing.runsMs))} ms (first ${ms(timing.firstMs)} ms)${timing.answer.error === undefined ? '' : ` — ${timing.answer.error}`}`);
}

// ---- Prometheus over the same samples, for the queries whose samples fit under the cap
interface PromResult { timing: Timing | undefined; note: string }
const promResults = new Map<BenchQuery, PromResult>();
const held = new Map<string, OracleSeries>();
for (const r of tollgateResults) {
  const fresh = r.reference.filter((s) => !held.has(seriesKey(s.labels)));
  if (r.timing.answer.error !== undefined) promResults.set(r.query, { timing: undefined, note: 'not compared: Tollgate refused the query' });
  else if (sampleCount([...held.values()]) + sampleCount(fresh) > PROM_MAX_SAMPLES) {
    promResults.set(r.query, { timing: undefined, note: `not loaded: ${fmt(sampleCount(fresh))} more samples would pass --prom-max-samples` });
  } else for (const s of fresh) held.set(seriesKey(s.labels), s);
}
let promNote = 'no reference: nothing to load into Prometheus';
if (held.size > 0) {
  const promDir = tempDir('tollgate-bench-promql-prometheus-');
  const heldSeries = [...held.values()];
  console.log(`\nwriting ${fmt(heldSeries.length)} series, ${fmt(sampleCount(heldSeries))} samples as OpenMetrics, one file per 2-hour block …`);
  const blocks = await createBlocks(heldSeries, promDir);
  const prometheus = await startPrometheusOn(promDir);
  console.log(`  promtool: ${blocks.files} files, ${blocks.seconds.toFixed(1)} s; Prometheus compacted ${prometheus.blocksBefore} blocks into ${prometheus.blocksAfter} (waited ${prometheus.waitedSeconds.toFixed(0)} s)`);
  promNote = `Prometheus ${prometheus.version}: ${fmt(heldSeries.length)} series, ${fmt(sampleCount(heldSeries))} samples in ${prometheus.blocksAfter} blocks (promtool ${blocks.seconds.toFixed(0)} s for ${blocks.files} files)`;
  console.log('timing Prometheus …');
  for (const r of tollgateResults) {
    if (promResults.has(r.query)) continue;
    const timing = await timeQuery(() => queryRange(prometheus.baseUrl, r.query.promql));
    promResults.set(r.query, { timing, note: '' });
    console.log(`  ${r.query.label}: median ${ms(median(timing.runsMs))} ms (first ${ms(timing.firstMs)} ms)`);
  }
  await prometheus.stop();
}

// ---- report
interface Agreement { series: number; compared: number; onlyOneSide: number; maxRelDiff: number }
/** Series matched by labels, points by timestamp; NaN equals NaN, as both print it. */
function agreement(a: Matrix, b: Matrix): Agreement {
  const other = new Map(b.map((s) => [seriesKey(s.metric), new Map(s.values.map(([t, v]) => [t, Number(v)]))]));
  let compared = 0;
  let onlyOneSide = points(b);
  let maxRelDiff = 0;
  for (const s of a) {
    const values = other.get(seriesKey(s.metric));
    for (const [t, v] of s.values) {
      const w = values?.get(t);
      if (w === undefined) {
        onlyOneSide++;
        continue;
      }
      onlyOneSide--;
      compared++;
      const x = Number(v);
      if (x === w || (Number.isNaN(x) && Number.isNaN(w))) continue;
      maxRelDiff = Math.max(maxRelDiff, Math.abs(x - w) / Math.max(Math.abs(x), Math.abs(w)));
    }
  }
  return { series: a.length, compared, onlyOneSide, maxRelDiff };
}

const rows = tollgateResults.map((r) => {
  const t = r.timing;
  const p = promResults.get(r.query);
  const tMed = median(t.runsMs);
  const pMed = p?.timing === undefined ? NaN : median(p.timing.runsMs);
  const agree = p?.timing === undefined ? undefined : agreement(t.answer.matrix, p.timing.answer.matrix);
  return { r, t, p, tMed, pMed, agree };
});
const sloMedians = rows.filter((x) => x.r.query.family === 'SLO series').map((x) => x.tMed);
const worstSlo = Math.max(...sloMedians);
console.log(`
PromQL benchmark: query_range over 30 days at step ${STEP_SECONDS} s (${fmt(30 * DAY / STEP_SECONDS + 1)} steps), ${fmt(SPANS)} spans, ${SERVICES} services, ${SERVICES * 2} span SLOs, ${process.version}, ${os.cpus().length} cores, chDB embedded
  load through the materialized views: ${loadSeconds.toFixed(1)} s (${fmt(SPANS / loadSeconds)} spans/s); SLO minutes recorded back: ${recordSeconds.toFixed(1)} s
  rows: ${sizes.map((s) => `${s.table} ${fmt(Number(s.rows))}`).join(', ')}
  reference: ${promNote}
  times in ms, min / median / max of the timed runs (after a warm-up); "store" is the median of Tollgate's statement time per run (chDB plus parsing its JSONEachRow answer);
  "select" and "eval" are one in-process rerun: the provider's select() for every selector, and the PromQL evaluation over those series in memory

| query | series × points | samples read | Tollgate ms | first | store | select | eval | Prometheus ms | Tollgate / Prometheus | answers agree |
|---|---|---|---|---|---|---|---|---|---|---|
${rows.map(({ r, t, p, tMed, pMed, agree }) => {
  const runs = (xs: readonly number[]) => (xs.length === 0 ? '–' : `${ms(Math.min(...xs))} / ${ms(median(xs))} / ${ms(Math.max(...xs))}`);
  const answered = t.answer.error === undefined ? `${t.answer.matrix.length} × ${fmt(points(t.answer.matrix) / Math.max(1, t.answer.matrix.length))}` : `error: ${t.answer.error}`;
  const agrees = agree === undefined ? (p?.note ?? '–')
    : `${fmt(agree.compared)} points, max rel. diff ${agree.maxRelDiff.toExponential(1)}${agree.onlyOneSide === 0 ? '' : `, ${fmt(agree.onlyOneSide)} on one side only`}`;
  return `| ${r.query.label} | ${answered} | ${fmt(sampleCount(r.reference))} | ${runs(t.runsMs)} | ${ms(t.firstMs)} | ${ms(median(t.storeMs))} | ${ms(r.selectMs)} | ${ms(r.evalMs)} | ${p?.timing === undefined ? '–' : runs(p.timing.runsMs)} | ${Number.isNaN(pMed) ? '–' : `${(tMed / pMed).toFixed(1)}×`} | ${agrees} |`;
}).join('\n')}

  queries:
${QUERIES.map((q) => `    ${q.label}: ${q.promql}`).join('\n')}
  SLO series under 200 ms (median of each query): ${worstSlo < 200 ? 'yes' : 'no'}, slowest ${ms(worstSlo)} ms
`);
await runner.close();
await tollgate.stop();
rmSync(dataDir, { recursive: true, force: true });

/**
 * The series as TSDB blocks: one OpenMetrics file per 2-hour range (promtool re-reads its whole input
 * once per range it spans), promtool on two of them at a time into one directory.
 */
async function createBlocks(series: readonly OracleSeries[], dir: string): Promise<{ files: number; seconds: number }> {
  const started = performance.now();
  const byBlock = new Map<number, OracleSeries[]>();
  for (const s of series) {
    let from = 0;
    while (from < s.timestampsMs.length) {
      const block = Math.floor(s.timestampsMs[from]! / BLOCK_MS);
      let to = from;
      while (to < s.timestampsMs.length && Math.floor(s.timestampsMs[to]! / BLOCK_MS) === block) to++;
      const slices = byBlock.get(block) ?? [];
      slices.push({ labels: s.labels, timestampsMs: s.timestampsMs.slice(from, to), values: s.values.slice(from, to) });
      byBlock.set(block, slices);
      from = to;
    }
  }
  const inputDir = path.join(dir, 'openmetrics');
  mkdirSync(inputDir, { recursive: true });
  const files = [...byBlock.keys()].sort((a, b) => a - b).map((block) => {
    const file = path.join(inputDir, `${block}.om`);
    writeFileSync(file, toOpenMetrics(byBlock.get(block)!));
    return file;
  });
  byBlock.clear();
  const queue = [...files];
  const tsdb = path.join(dir, 'tsdb');
  await Promise.all([0, 1].map(async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      await promisify(execFile)(promtoolBinary(), ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, tsdb], { maxBuffer: 16 << 20 });
    }
  }));
  rmSync(inputDir, { recursive: true, force: true });
  return { files: files.length, seconds: (performance.now() - started) / 1000 };
}

/**
 * Prometheus on the blocks in `dir`/tsdb, loopback only, returned once its first compaction is over:
 * the TSDB triggers it a minute after start and merges the 2-hour blocks level by level.
 */
async function startPrometheusOn(dir: string): Promise<{ baseUrl: string; version: string; blocksBefore: number; blocksAfter: number; waitedSeconds: number; stop(): Promise<void> }> {
  // A long retention also lets the blocks compact up to 31 days, as with any retention past 310 days.
  const { baseUrl, stop } = await servePrometheusTsdb(dir, { readyTimeoutMs: 60_000 });
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  };
  const started = performance.now();
  const blocksBefore = await metric('prometheus_tsdb_blocks_loaded');
  const sleep = (m: number) => new Promise((r) => setTimeout(r, m));
  while ((await metric('prometheus_tsdb_compactions_triggered_total')) < 1 && performance.now() - started < 180_000) await sleep(1_000);
  // Compactions follow each other within milliseconds; five quiet seconds mean the planner found nothing left.
  let blocks = await metric('prometheus_tsdb_blocks_loaded');
  for (let quiet = 0; quiet < 5 && performance.now() - started < 240_000; ) {
    await sleep(1_000);
    const now = await metric('prometheus_tsdb_blocks_loaded');
    quiet = now === blocks ? quiet + 1 : 0;
    blocks = now;
  }
  const info = (await (await fetch(`${baseUrl}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
  return { baseUrl, version: info.data.version, blocksBefore, blocksAfter: blocks, waitedSeconds: (performance.now() - started) / 1000, stop };
}
