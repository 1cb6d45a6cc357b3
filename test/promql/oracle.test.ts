/**
 * Tollgate's PromQL evaluator against Prometheus 2.42 itself: the same samples loaded into a
 * real Prometheus (via promtool blocks) and into an in-memory SeriesSource, the same queries sent
 * to both, answers compared value string for value string.
 *
 * Values must match exactly unless a query is marked `tolerance` with its reason; then finite
 * numbers may differ by 1e-9 relative. Two reasons occur:
 * - "go-math": Go's math.Exp/Log/Atan2/Sin… and V8's fdlibm ports can differ in the last bit.
 * - "map-order": in a range query Prometheus collects intermediate results in a Go map, so an
 *   aggregation over them adds in random order; the last bits of the sum vary from run to run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemorySource, evaluateInstant, evaluateRange, parsePromql, PromqlError, type QueryResult, type SeriesSource } from '../../src/promql/index.js';
import { startPrometheus, storedTimestampMs, type ApiResponse, type RunningPrometheus } from '../helpers/prometheus.js';
import { oracleSeries, T0_SECONDS } from './oracle-data.js';

interface OracleQuery {
  q: string;
  /** Range vectors cannot be range-queried; these run as instant queries only. */
  instantOnly?: true;
  /** The result order is part of the answer (sort, topk at instant time). */
  ordered?: true;
  tolerance?: 'go-math' | 'map-order';
}

const QUERIES: OracleQuery[] = [
  // selectors, offset, @
  { q: 'http_requests_total' },
  { q: 'http_requests_total{job="api", code!="200"}' },
  { q: 'http_requests_total{instance=~"a|b", code!~"5.."}' },
  // RE2 syntax as Prometheus reads it (Go's regexp), which JavaScript's RegExp spells differently or lacks
  { q: 'http_requests_total{job=~"(?i)API"}' },
  { q: 'http_requests_total{code=~"[[:digit:]]{3}", job=~"\\Qapi\\E"}' },
  { q: 'http_requests_total{instance=~"(?s)a.*|(?U)b+"}' },
  { q: 'http_requests_total{instance=~"\\pL", code=~"\\d+"}' },
  { q: 'label_replace(up, "host", "${h}", "instance", "(?P<h>[a-z]+)")' },
  { q: 'http_requests_total{job=~"(.*)*X"}' },
  { q: 'http_requests_total{job=~"a{1001}"}' },
  { q: '{__name__=~"http_requests_total|memory_bytes", job="api"}' },
  { q: 'http_requests_total offset 10m' },
  { q: 'memory_bytes offset -5m' },
  { q: `http_requests_total @ ${T0_SECONDS + 3600}` },
  { q: 'memory_bytes @ start()' },
  { q: 'memory_bytes @ end() offset 1m' },
  { q: 'temperature' },
  // range functions
  { q: 'rate(http_requests_total[5m])' },
  { q: 'rate(http_requests_total[1m])' },
  { q: 'irate(http_requests_total[5m])' },
  { q: 'increase(http_requests_total[10m])' },
  { q: 'delta(memory_bytes[15m])' },
  { q: 'idelta(memory_bytes[5m])' },
  { q: 'deriv(memory_bytes[10m])' },
  { q: 'predict_linear(memory_bytes[10m], 3600)' },
  { q: 'resets(http_requests_total[30m])' },
  { q: 'changes(up[30m])' },
  { q: 'avg_over_time(memory_bytes[10m])' },
  { q: 'min_over_time(memory_bytes[10m])' },
  { q: 'max_over_time(memory_bytes[10m])' },
  { q: 'sum_over_time(memory_bytes[10m])' },
  { q: 'count_over_time(temperature[10m])' },
  { q: 'last_over_time(temperature[10m])' },
  { q: 'quantile_over_time(0.9, memory_bytes[10m])' },
  { q: 'stddev_over_time(memory_bytes[10m])' },
  { q: 'stdvar_over_time(memory_bytes[10m])' },
  { q: 'present_over_time(temperature[5m])' },
  { q: 'absent_over_time(temperature{room="kitchen"}[5m])' },
  { q: 'absent_over_time(nonexistent{job="x"}[5m])' },
  { q: 'rate(http_requests_total[5m] offset 5m)' },
  { q: 'rate(http_requests_total[5m] @ end())' },
  // histograms
  { q: 'histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))' },
  { q: 'histogram_quantile(0.5, sum by (le) (rate(request_duration_seconds_bucket[5m])))' },
  { q: 'histogram_quantile(0.99, sum by (le, instance) (increase(request_duration_seconds_bucket[10m])))' },
  { q: 'histogram_quantile(0.75, broken_bucket)' },
  { q: 'rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])' },
  // aggregations
  { q: 'sum(http_requests_total)' },
  { q: 'sum by (job) (rate(http_requests_total[5m]))' },
  { q: 'sum without (instance) (rate(http_requests_total[5m]))' },
  { q: 'avg by (instance) (memory_bytes)' },
  { q: 'min(memory_bytes)' },
  { q: 'max by (job) (memory_bytes)' },
  { q: 'count by (code) (http_requests_total)' },
  { q: 'group by (job) (http_requests_total)' },
  { q: 'stddev(memory_bytes)' },
  { q: 'stdvar by (job) (memory_bytes)' },
  { q: 'topk(2, memory_bytes)', ordered: true },
  { q: 'bottomk(2, rate(http_requests_total[5m]))', ordered: true },
  { q: 'topk by (job) (1, http_requests_total)' },
  { q: 'quantile(0.75, memory_bytes)' },
  { q: 'quantile by (job) (0.5, rate(http_requests_total[5m]))' },
  { q: 'count_values("value", up)' },
  { q: 'count_values without (instance) ("v", up)' },
  // arithmetic and vector matching
  { q: 'http_requests_total * 2' },
  { q: '2 - memory_bytes' },
  { q: 'memory_bytes / 1024 ^ 2' },
  { q: 'memory_bytes % 7' },
  { q: 'memory_bytes atan2 1000', tolerance: 'go-math' },
  { q: 'rate(http_requests_total{code="500"}[5m]) / ignoring(code) rate(http_requests_total{code="200"}[5m])' },
  { q: 'rate(http_requests_total[5m]) * on(instance) group_left(version) build_info' },
  { q: 'build_info * on(instance) group_right(version) memory_bytes' },
  { q: 'http_requests_total + on(job) memory_bytes' },
  { q: 'sum by (instance) (http_requests_total) / on(instance) memory_bytes' },
  // comparisons and set operators
  { q: 'memory_bytes > 1000' },
  { q: 'memory_bytes > bool 1000' },
  { q: '1000 < memory_bytes' },
  { q: 'up == 0' },
  { q: 'memory_bytes > on(instance, job) memory_bytes offset 5m' },
  { q: 'rate(http_requests_total[5m]) >= bool 1' },
  { q: 'http_requests_total and on(instance) up == 1' },
  { q: 'memory_bytes or temperature' },
  { q: 'http_requests_total unless on(instance) up == 0' },
  // scalars and literals
  { q: '1 + 2 * 3' },
  { q: '2 ^ 3 ^ 2' },
  { q: '-1 ^ 2' },
  { q: '5 % 3 - 0x10 + 1e1' },
  { q: '1 == bool 1' },
  { q: 'time()' },
  { q: 'scalar(sum(up))' },
  { q: 'vector(1) + scalar(count(build_info))' },
  { q: '"a string"', instantOnly: true },
  // other functions
  { q: 'absent(nonexistent_metric{job="x", instance=~"a"})' },
  { q: 'absent(up)' },
  { q: 'time() - timestamp(temperature)' },
  { q: 'timestamp(memory_bytes * 1)' },
  { q: 'clamp(memory_bytes, -1000, 1000)' },
  { q: 'clamp_min(memory_bytes, 0)' },
  { q: 'clamp_max(memory_bytes, 0)' },
  { q: 'abs(memory_bytes)' },
  { q: 'ceil(memory_bytes / 7)' },
  { q: 'floor(memory_bytes / 7)' },
  { q: 'round(memory_bytes, 5)' },
  { q: 'round(rate(http_requests_total[5m]))' },
  { q: 'sgn(memory_bytes)' },
  { q: 'sqrt(abs(memory_bytes))' },
  { q: 'exp(memory_bytes / 10000)', tolerance: 'go-math' },
  { q: 'ln(abs(memory_bytes))', tolerance: 'go-math' },
  { q: 'log2(abs(memory_bytes))', tolerance: 'go-math' },
  { q: 'log10(abs(memory_bytes))', tolerance: 'go-math' },
  { q: 'memory_bytes ^ 2' },
  { q: 'label_replace(up, "host", "$1.example", "instance", "(.*)")' },
  { q: 'label_replace(http_route, "prefix", "$1", "path", "/api/(v[0-9]+)/.*")' },
  { q: 'label_join(build_info, "id", "-", "instance", "version")' },
  { q: 'sort(memory_bytes)', ordered: true },
  { q: 'sort_desc(rate(http_requests_total[5m]))', ordered: true },
  { q: 'day_of_week() + hour() + minute() + month() + year() + day_of_month() + day_of_year() + days_in_month()' },
  { q: 'minute(timestamp(temperature))' },
  { q: '-memory_bytes' },
  { q: '-(memory_bytes + 1)' },
  { q: '(memory_bytes)' },
  { q: 'formatting_edge' },
  { q: 'formatting_edge * -1' },
  { q: 'last_over_time(memory_bytes[5m])' },
  // subqueries
  { q: 'max_over_time(rate(http_requests_total[5m])[30m:1m])' },
  { q: 'avg_over_time(memory_bytes[10m:])' },
  { q: 'rate(http_requests_total[5m:30s])' },
  { q: 'sum_over_time(sum(up)[1h:5m] offset 10m)' },
  { q: `min_over_time(memory_bytes[20m:2m] @ ${T0_SECONDS + 5000})` },
  { q: 'max_over_time(avg_over_time(memory_bytes[10m:1m])[30m:5m])' },
  // edge cases
  // Range-queried, Prometheus 2.42 slides this window with the step although `@` pins it (its
  // offset rewrite for `@` assumes a step-invariant parent, and predict_linear is not one), and
  // fetched no samples for the slid windows. Tollgate keeps the window at the `@` time.
  { q: `predict_linear(memory_bytes[10m] @ ${T0_SECONDS + 5000}, 60)`, instantOnly: true },
  { q: `timestamp(memory_bytes @ ${T0_SECONDS + 5000} offset 1m)` },
  { q: 'topk(scalar(count(up)) - 1, memory_bytes)' },
  { q: 'topk(0, memory_bytes)' },
  { q: 'bottomk(100, memory_bytes)' },
  { q: 'label_replace(up, "foo", "$1x", "instance", "(.*)")' },
  { q: 'label_replace(up, "foo", "${1}x$$", "instance", "(.*)")' },
  { q: 'histogram_quantile(1.5, rate(request_duration_seconds_bucket[5m]))' },
  { q: 'histogram_quantile(0, rate(request_duration_seconds_bucket[5m]))' },
  { q: 'quantile(NaN, memory_bytes)' },
  { q: 'sort(-memory_bytes)', ordered: true },
  { q: 'irate(temperature[10m])' },
  { q: 'scalar(memory_bytes)' },
  { q: 'vector(time())' },
  { q: 'absent_over_time(temperature[1m])' },
  { q: 'http_requests_total offset 1h30m' },
  { q: 'sum by (__name__) ({__name__=~"memory_bytes|temperature"})' },
  { q: 'abs({__name__=~"memory_bytes|up"})' },
  { q: '-{__name__=~"memory_bytes|up"}' },
  { q: 'rate({__name__=~"memory_bytes|up"}[5m])' },
  { q: 'last_over_time({__name__=~"memory_bytes|up"}[5m])' },
  { q: 'up > 0 or memory_bytes' },
  { q: 'round(memory_bytes, 0.3)' },
  { q: 'clamp(memory_bytes, 10, 1)' },
  { q: 'stddev_over_time(rate(http_requests_total[5m])[10m:])' },
  { q: 'changes(temperature[30m])' },
  { q: 'memory_bytes[5m:1m] offset 2m', instantOnly: true },
  { q: 'max_over_time(memory_bytes[5m] @ start())' },
  { q: '1 > bool 2 == bool 0' },
  { q: 'year(vector(0)) + days_in_month(vector(1709164800))' },
  { q: 'http_requests_total @ end() - http_requests_total' },
  { q: '-memory_bytes ^ 2' },
  { q: '2 * -1 ^ 2' },
  { q: '010 + 1' },
  { q: '1e-7 + 0' },
  { q: '1e21 * 1' },
  { q: '+memory_bytes' },
  { q: 'quantile_over_time(scalar(count(up)) / 4, memory_bytes[10m])' },
  { q: 'memory_bytes * on(job) group_left build_info' },
  { q: 'memory_bytes * on(instance) group_left(version, nonexist) build_info' },
  { q: 'sum without (le) (rate(request_duration_seconds_bucket[5m]))' },
  { q: 'count(count by (instance) (up))' },
  { q: 'avg(memory_bytes) by (job)' },
  { q: 'http_requests_total > 1000 and http_requests_total < 100000' },
  { q: 'count_values("v", memory_bytes)' },
  { q: 'count_values("instance", up)' },
  { q: 'max_over_time((memory_bytes @ 1700005000)[10m:1m])' },
  { q: 'sum_over_time(up[1h:7m])' },
  { q: 'memory_bytes == bool on(instance) group_left memory_bytes' },
  { q: 'rate(http_requests_total[2m]) > on(instance) group_left(version) build_info' },
  { q: 'up{instance!="a"} unless up{instance="c"}' },
  { q: 'deriv(temperature[30m])' },
  { q: 'exp(1000)' },
  { q: 'ln(-1)' },
  { q: '0 / 0' },
  { q: '-1 / 0' },
  { q: 'memory_bytes{instance="nope"} or vector(0)' },
  { q: 'sum(nonexistent)' },
  { q: 'time() > bool 1700005000' },
  { q: 'sum(memory_bytes) without (job)' },
  { q: 'topk(1, memory_bytes) by (job)' },
  { q: '1 +' },
  { q: 'sum by (job) (memory_bytes' },
  { q: '{job=""}' },
  { q: 'memory_bytes{job=~"("}' },
  { q: 'nonexistent_function(memory_bytes)' },
  { q: 'label_replace(up, "1bad", "x", "instance", ".*")' },
  { q: 'count_values("1bad", up)' },
  { q: 'topk(NaN, up)' },
  // suffixes bind to the nearest operand (lezer-promql groups them looser than operators)
  { q: 'memory_bytes - memory_bytes offset 5m' },
  { q: 'rate(http_requests_total[5m]) - rate(http_requests_total[5m] offset 5m)' },
  { q: `memory_bytes @ ${T0_SECONDS + 5000} - memory_bytes` },
  { q: 'max_over_time((memory_bytes - memory_bytes offset 1m)[10m:1m])' },
  { q: 'memory_bytes - memory_bytes[5m:1m]' },
  { q: 'max_over_time(-memory_bytes[5m:1m])' },
  { q: 'sum_over_time(memory_bytes - memory_bytes offset 1m [5m:1m])' },
  { q: 'memory_bytes - memory_bytes[5m]' },
  // raw range vectors (instant queries only)
  { q: 'memory_bytes[5m]', instantOnly: true },
  { q: 'http_requests_total{instance="a"}[2m] offset 1m', instantOnly: true },
  { q: 'memory_bytes{instance="a"}[10m:3m]', instantOnly: true },
  // errors Prometheus reports the same way
  { q: 'rate(http_requests_total)' },
  { q: 'sum(memory_bytes[5m])' },
  { q: 'memory_bytes[5m]' },
];

const INSTANT_TIMES = [T0_SECONDS + 5400.5, T0_SECONDS + 3700, T0_SECONDS + 10_800 + 120];
const RANGE = { start: T0_SECONDS + 1800, end: T0_SECONDS + 9000, step: 97 };

type Row = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };

/** How often a tolerance was needed, and how many values and series were compared. */
const stats = { inexact: 0, values: 0, series: 0 };

function sameValue(a: string, b: string, tolerance: OracleQuery['tolerance']): boolean {
  stats.values++;
  if (a === b) return true;
  if (tolerance === undefined) return false;
  const x = Number(a);
  const y = Number(b);
  const close = Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
  if (close) stats.inexact++;
  return close;
}

/** Empty when equal, else a description of the first difference. */
function diff(expected: ApiResponse, actual: QueryResult | PromqlError, o: OracleQuery): string {
  if (expected.status === 'error') {
    if (!(actual instanceof PromqlError)) return `Prometheus failed (${expected.errorType}: ${expected.error}), Tollgate answered`;
    if (actual.type !== expected.errorType) return `error type ${actual.type} (${actual.message}) vs ${expected.errorType} (${expected.error})`;
    // Parse errors carry the same text (the API prefixes instant-query parse errors with
    // `invalid parameter "query": `, which is the HTTP layer's part); runtime errors may name
    // series in another order.
    const comparable = (m: string): string => (m.replace(/^invalid parameter "query": /, '').split('[')[0] as string);
    return comparable(actual.message) === comparable(expected.error) ? '' : `message ${JSON.stringify(actual.message)} vs ${JSON.stringify(expected.error)}`;
  }
  if (actual instanceof PromqlError) return `Tollgate failed (${actual.type}: ${actual.message}), Prometheus answered`;
  const e = expected.data;
  if (e.resultType !== actual.resultType) return `resultType ${actual.resultType} vs ${e.resultType}`;
  if (e.resultType === 'scalar' || e.resultType === 'string') {
    const [et, ev] = e.result as [number, string];
    const [at, av] = actual.result as [number, string];
    return et === at && sameValue(ev, av, o.tolerance) ? '' : `${JSON.stringify(actual.result)} vs ${JSON.stringify(e.result)}`;
  }
  const key = (r: Row): string => JSON.stringify(Object.entries(r.metric).sort());
  const order = (rows: Row[]): Row[] => (o.ordered ? rows : [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1)));
  const exp = order(e.result as Row[]);
  const act = order(actual.result as Row[]);
  if (exp.length !== act.length) return `${act.length} series vs ${exp.length}: ${act.map(key).join(' ')} vs ${exp.map(key).join(' ')}`;
  stats.series += exp.length;
  for (let i = 0; i < exp.length; i++) {
    const x = exp[i] as Row;
    const y = act[i] as Row;
    if (key(x) !== key(y)) return `series #${i} ${key(y)} vs ${key(x)}`;
    const xs = x.values ?? [x.value as [number, string]];
    const ys = y.values ?? [y.value as [number, string]];
    if (xs.length !== ys.length) return `${key(x)}: ${ys.length} points vs ${xs.length}`;
    for (let j = 0; j < xs.length; j++) {
      const [xt, xv] = xs[j] as [number, string];
      const [yt, yv] = ys[j] as [number, string];
      if (xt !== yt || !sameValue(xv, yv, o.tolerance)) return `${key(x)} point ${j}: [${yt}, ${yv}] vs [${xt}, ${xv}]`;
    }
  }
  return '';
}

async function ours(run: () => Promise<QueryResult>): Promise<QueryResult | PromqlError> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PromqlError) return err;
    throw err;
  }
}

describe('PromQL evaluation matches Prometheus 2.42 (Debian\'s prometheus)', () => {
  let prometheus: RunningPrometheus;
  let source: SeriesSource;
  const timings = { prometheusMs: 0, tollgateMs: 0 };
  const suiteStart = Date.now();

  beforeAll(async () => {
    const series = oracleSeries();
    prometheus = await startPrometheus(series);
    source = createMemorySource(series.map((s) => ({ ...s, timestampsMs: s.timestampsMs.map(storedTimestampMs) })));
  });

  afterAll(async () => {
    await prometheus?.stop();
    console.log(
      `oracle: ${QUERIES.length} queries, ${stats.series} series and ${stats.values} values compared, ` +
        `${stats.inexact} within tolerance only; Prometheus ${timings.prometheusMs} ms, Tollgate ${timings.tollgateMs} ms, suite ${Date.now() - suiteStart} ms`,
    );
  });

  it.each(QUERIES)('answers $q like Prometheus', async (o) => {
    const problems: string[] = [];
    const check = async (label: string, theirs: () => Promise<ApiResponse>, mine: () => Promise<QueryResult>): Promise<void> => {
      let t = Date.now();
      const expected = await theirs();
      timings.prometheusMs += Date.now() - t;
      t = Date.now();
      const actual = await ours(mine);
      timings.tollgateMs += Date.now() - t;
      const d = diff(expected, actual, o);
      if (d !== '') problems.push(`${label}: ${d}`);
    };
    for (const time of INSTANT_TIMES) {
      await check(
        `instant @${time}`,
        () => prometheus.query(o.q, time),
        async () => evaluateInstant(parsePromql(o.q), Math.round(time * 1000), source),
      );
    }
    if (o.instantOnly !== true) {
      await check(
        'range',
        () => prometheus.queryRange(o.q, RANGE.start, RANGE.end, RANGE.step),
        async () => evaluateRange(parsePromql(o.q), RANGE.start * 1000, RANGE.end * 1000, RANGE.step * 1000, source),
      );
    }
    expect(problems).toEqual([]);
  });
});

