/**
 * @module slo/sli/metric-sli
 * Metric SLIs from raw OTLP data points (`otel_metrics_sum`, `otel_metrics_histogram`) as one
 * query: a counter ratio (good or bad counter over a total counter) or a latency histogram (good =
 * observations in the buckets at or below the threshold). Pure: returns SQL text and parameters.
 *
 * Counting rule (exact, no extrapolation): every data point carries the increase since the
 * previous point of its series, and that increase belongs to the minute of the *later* point.
 * - A series is one OTel metric stream: (MetricName, Attributes, ResourceAttributes, ScopeName,
 *   ScopeVersion, AggregationTemporality). StartTimeUnix is deliberately NOT part of it: a restart
 *   changes StartTimeUnix, and the point before the restart is what tells us a reset happened.
 * - DELTA points (AggregationTemporality = 1) are increases already.
 * - CUMULATIVE points: increase = v − v_prev; a reset (v < v_prev, or StartTimeUnix after the
 *   previous point's TimeUnix: the counter restarted from 0) gives v, as Prometheus' `increase`.
 * - The left neighbour of a window's first point is the series' last point before it, looked for
 *   at most one longest-window length before the earliest window start (the scan start). A series
 *   with no point in that look-back counts its first point from StartTimeUnix (where the counter
 *   was 0) when StartTimeUnix is inside the scan, i.e. the series was born there, and counts 0
 *   otherwise (its baseline is unknown).
 */
import type { MetricSelector, SloDefinition } from '../spec/index.js';
import { earliestStart, windowColumns, type EvaluationWindow, type SliQuery, type SliQueryInput, readSliRows } from './query.js';

/** The exporter's AggregationTemporality numbers (OTLP enum). */
const DELTA = 1;

/**
 * A series as the OTel data model identifies a metric stream. The scope is part of the identity:
 * two meters may emit the same name with the same attributes, and those are two counters.
 */
const SERIES = 'MetricName, Attributes, ResourceAttributes, ScopeName, ScopeVersion, AggregationTemporality';

/**
 * ROWS frame: `lagInFrame` reads exactly the previous point. Ties on TimeUnix (a re-sent export)
 * are ordered by value, so a duplicate point adds 0 whichever copy comes first.
 */
const windowClause = (value: string): string =>
  `WINDOW series AS (PARTITION BY ${SERIES} ORDER BY TimeUnix, ${value} ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)`;

export function metricSliQuery({ slo, windows, endMinuteSeconds }: SliQueryInput): SliQuery {
  const from = earliestStart(windows);
  const base: Record<string, unknown> = {
    service: slo.service,
    // Whole minutes, like every other source: [earliest window start, end of the end minute).
    scanFrom: from - lookBackSeconds(windows, endMinuteSeconds),
    from,
    to: endMinuteSeconds,
  };
  const { inner, params, total, bad } = metricPoints(slo, base, SCAN_RULE);
  const cols = windowColumns(windows, 'Minute', {
    total: (inWindow) => `sumIf(${total.value}, ${inWindow}${total.where === '' ? '' : ` AND ${total.where}`})`,
    bad: (inWindow) => bad.windowed(inWindow),
  });
  return {
    sql: `SELECT config_hash,
  ${cols.select}
FROM (${inner})
WHERE Minute >= toDateTime({from:UInt32})
GROUP BY config_hash`,
    params: { ...params, ...cols.params },
    windowKeys: windows.map((w) => w.key),
    read: (rows) => readSliRows({ windowKeys: windows.map((w) => w.key) }, rows),
    source: 'metrics',
  };
}

/** How long a series may go without a point before its next point has no left neighbour (see metricMinutesQuery). */
export const METRIC_NEIGHBOUR_SECONDS = 3_600;

/**
 * A metric SLI's events per minute (or per hour), environment and config_hash over
 * [fromMinute, toMinute], for the engine to record. Each point's increase is judged against the
 * series' previous point when that lies within METRIC_NEIGHBOUR_SECONDS before it, and otherwise
 * as a series without a neighbour (counted from StartTimeUnix if the series began within that
 * hour, else 0). The rule looks only at the point and its hour, so any range of minutes, recorded
 * in any pieces, counts every point the same way: the scan starts that hour before the range.
 * A good counter ahead of its total in a minute counts no bad events in that minute.
 */
export function metricMinutesQuery(slo: SloDefinition, fromMinute: number, toMinute: number, granularity: 'minute' | 'hour'): { sql: string; params: Record<string, unknown> } {
  const base: Record<string, unknown> = { service: slo.service, scanFrom: fromMinute - METRIC_NEIGHBOUR_SECONDS, from: fromMinute, to: toMinute };
  const { inner, params, total, bad } = metricPoints(slo, base, GAP_RULE);
  const bucket = granularity === 'minute' ? 'Minute' : 'toStartOfHour(Minute)';
  return {
    sql: `SELECT toUInt32(${bucket}) AS m, environment, config_hash,
  toFloat64(sumIf(${total.value}, ${total.where === '' ? '1' : total.where})) AS total, toFloat64(${bad.perGroup}) AS bad
FROM (${inner})
WHERE Minute >= toDateTime({from:UInt32})
GROUP BY m, environment, config_hash`,
    params,
  };
}

/**
 * A metric SLI's bad events over [fromMinute, toMinute] by series, for attribution: the series'
 * labels without those its selectors match on (so a good counter's series and its total's line up
 * by what varies, e.g. route and method), with the same counting rule as `metricMinutesQuery`.
 * Optionally one environment and one config_hash. Rows: labels, bad, first and last minute with
 * bad events, and the config_hashes involved.
 */
export function metricBadBySeriesQuery(
  slo: SloDefinition,
  fromMinute: number,
  toMinute: number,
  environment: string | null,
  configHash: string | null,
): { sql: string; params: Record<string, unknown> } {
  const base: Record<string, unknown> = { service: slo.service, scanFrom: fromMinute - METRIC_NEIGHBOUR_SECONDS, from: fromMinute, to: toMinute };
  base['selectorLabels'] = selectorLabels(slo);
  const labels = `\n    mapFilter((k, v) -> NOT has({selectorLabels:Array(String)}, k), Attributes) AS Labels,`;
  const { inner, params, total, bad } = metricPoints(slo, base, GAP_RULE, labels);
  const where = [`Minute >= toDateTime({from:UInt32})`];
  if (environment !== null) {
    params['environment'] = environment;
    where.push('environment = {environment:String}');
  }
  if (configHash !== null) {
    params['configHash'] = configHash;
    where.push('config_hash = {configHash:String}');
  }
  return {
    sql: `SELECT labels, sum(bad) AS bad, toUInt32(minIf(m, bad > 0)) AS first_minute, toUInt32(maxIf(m, bad > 0)) AS last_minute,
  arrayFilter(h -> h.2 > 0, groupArray((config_hash, bad))) AS hashes
FROM (
  SELECT Labels AS labels, toUInt32(Minute) AS m, config_hash,
    toFloat64(sumIf(${total.value}, ${total.where === '' ? '1' : total.where})) AS total, toFloat64(${bad.perGroup}) AS bad
  FROM (${inner})
  WHERE ${where.join(' AND ')}
  GROUP BY labels, m, config_hash
)
GROUP BY labels
HAVING bad > 0
ORDER BY bad DESC
LIMIT 2000`,
    params,
  };
}

/** The labels an SLI's selectors match on: equal on every series read, so they say nothing about a cause. */
function selectorLabels(slo: SloDefinition): string[] {
  const sli = slo.sli;
  if (sli.kind === 'metric-ratio') return [...new Set([...Object.keys(sli.total.matchers), ...Object.keys(sli.numerator.matchers)])];
  if (sli.kind === 'metric-histogram') return Object.keys(sli.histogram.matchers);
  return [];
}

/**
 * What becomes of a point whose series has no previous point in reach. The windowed query looks as
 * far back as its scan goes (one longest window); recording looks one hour before each point.
 */
interface NeighbourRule {
  hasNeighbour: string;
  /** A series without a neighbour counts its first point from zero when it started at or after this. */
  bornFrom: string;
}

const SCAN_RULE: NeighbourRule = { hasNeighbour: 'HasPrevious = 1', bornFrom: 'toDateTime64({scanFrom:UInt32}, 9)' };
const GAP_RULE: NeighbourRule = {
  hasNeighbour: `HasPrevious = 1 AND dateDiff('second', PreviousTime, TimeUnix) <= ${METRIC_NEIGHBOUR_SECONDS}`,
  bornFrom: `TimeUnix - toIntervalSecond(${METRIC_NEIGHBOUR_SECONDS})`,
};

/** One row per data point with its increase, minute, environment and config_hash, and how outer queries sum them. */
interface MetricPoints {
  inner: string;
  params: Record<string, unknown>;
  /** The column summed for total events, and the condition on rows that count (empty: all). */
  total: { value: string; where: string };
  bad: { windowed: (inWindow: string) => string; perGroup: string };
}

function metricPoints(slo: SloDefinition, base: Record<string, unknown>, rule: NeighbourRule, labels = ''): MetricPoints {
  const sli = slo.sli;
  switch (sli.kind) {
    case 'metric-ratio':
      return counterRatioPoints(sli.total, sli.numerator, sli.counts, base, rule, labels);
    case 'metric-histogram':
      return histogramPoints(sli.histogram, sli.thresholdMs, base, rule, labels);
    case 'spans':
    case 'logs':
    case 'promql':
      throw new Error(`metricSliQuery: SLO ${slo.name} has a ${sli.kind} SLI`);
    default:
      return assertNever(sli);
  }
}

/**
 * How far before the earliest window start a left neighbour may lie: the longest window's length.
 * A shorter look-back would miss the neighbour of series that export rarely; this one at most
 * doubles the scan, and the scan stays bounded.
 */
function lookBackSeconds(windows: readonly EvaluationWindow[], endMinuteSeconds: number): number {
  return endMinuteSeconds + 60 - earliestStart(windows);
}

const previous = (column: string): string => `lagInFrame(${column}, 1) OVER series`;

function counterRatioPoints(
  total: MetricSelector,
  numerator: MetricSelector,
  counts: 'good' | 'bad',
  base: Record<string, unknown>,
  rule: NeighbourRule,
  labels: string,
): MetricPoints {
  const params: Record<string, unknown> = { ...base, totalMetric: total.metric, numeratorMetric: numerator.metric };
  // Both selectors are functions of the series identity only (name + data point attributes), so
  // filtering on them before the window function drops whole series, never single points.
  const isTotal = selectorCondition('total', total, params);
  const isNumerator = selectorCondition('numerator', numerator, params);
  const inner = `SELECT ConfigHash AS config_hash, Environment AS environment,${labels}
    toStartOfMinute(TimeUnix) AS Minute,
    ${isTotal} AS IsTotal,
    ${isNumerator} AS IsNumerator,
    lagInFrame(toUInt8(1), 1, toUInt8(0)) OVER series AS HasPrevious,
    ${previous('Value')} AS PreviousValue,
    ${previous('TimeUnix')} AS PreviousTime,
    multiIf(
      AggregationTemporality = ${DELTA}, Value,
      NOT (${rule.hasNeighbour}), if(StartTimeUnix >= ${rule.bornFrom}, Value, 0),
      Value < PreviousValue OR StartTimeUnix > PreviousTime, Value,
      Value - PreviousValue
    ) AS Increase
  FROM otel_metrics_sum
  WHERE ServiceName = {service:String}
    AND MetricName IN ({totalMetric:String}, {numeratorMetric:String})
    AND TimeUnix >= toDateTime64({scanFrom:UInt32}, 9) AND TimeUnix < toDateTime64({to:UInt32} + 60, 9)
    AND IsMonotonic
    AND (${isTotal} OR ${isNumerator})
  ${windowClause('Value')}`;
  return {
    inner,
    params,
    total: { value: 'Increase', where: 'IsTotal' },
    bad: counts === 'bad'
      ? { windowed: (inWindow) => `sumIf(Increase, ${inWindow} AND IsNumerator)`, perGroup: 'sumIf(Increase, IsNumerator)' }
      // A good counter ahead of its total (misconfigured selectors) must not make bad negative.
      : {
        windowed: (inWindow) => `greatest(0, sumIf(Increase, ${inWindow} AND IsTotal) - sumIf(Increase, ${inWindow} AND IsNumerator))`,
        perGroup: 'greatest(0, sumIf(Increase, IsTotal) - sumIf(Increase, IsNumerator))',
      },
  };
}

/**
 * The threshold in the histogram's own unit, by OTel unit (UCUM, as the semantic conventions write
 * it). Any other unit, including none, is taken to be milliseconds, i.e. the threshold is compared
 * with the bounds as written: there is no scale to infer from, and ms is the SLO file's unit.
 * Divisions, not multiplications by 0.001: `250 / 1000` is the double nearest 0.25, exactly what
 * an SDK's literal bound `0.25` is.
 */
export function thresholdInUnit(thresholdMs: number, unit: string): number {
  switch (unit) {
    case 's':
      return thresholdMs / 1_000;
    case 'us':
      return thresholdMs * 1_000;
    case 'ns':
      return thresholdMs * 1_000_000;
    default:
      return thresholdMs;
  }
}

function histogramPoints(
  histogram: MetricSelector,
  thresholdMs: number,
  base: Record<string, unknown>,
  rule: NeighbourRule,
  labels: string,
): MetricPoints {
  const params: Record<string, unknown> = {
    ...base,
    histogramMetric: histogram.metric,
    thresholdS: thresholdInUnit(thresholdMs, 's'),
    thresholdMs: thresholdInUnit(thresholdMs, 'ms'),
    thresholdUs: thresholdInUnit(thresholdMs, 'us'),
    thresholdNs: thresholdInUnit(thresholdMs, 'ns'),
  };
  const isMatch = selectorCondition('histogram', histogram, params);
  // Bucket i counts (bound[i-1], bound[i]], so the first k buckets hold every observation at or
  // below bound[k-1]. k = the number of bounds ≤ threshold: a threshold between two bounds uses
  // the largest bound below it (the SLO loader may warn about that). The 1e-9 relative slack
  // absorbs float noise of the unit conversion; distinct bounds are never that close.
  const threshold = `multiIf(MetricUnit = 's', {thresholdS:Float64}, MetricUnit = 'us', {thresholdUs:Float64}, MetricUnit = 'ns', {thresholdNs:Float64}, {thresholdMs:Float64})`;
  const good = `toInt64(arraySum(arraySlice(BucketCounts, 1, arrayCount(b -> b <= ${threshold} * (1 + 1e-9), ExplicitBounds))))`;
  const inner = `SELECT ConfigHash AS config_hash, Environment AS environment,${labels}
    toStartOfMinute(TimeUnix) AS Minute,
    ${good} AS Good,
    lagInFrame(toUInt8(1), 1, toUInt8(0)) OVER series AS HasPrevious,
    lagInFrame(toInt64(Count), 1) OVER series AS PreviousCount,
    lagInFrame(${good}, 1) OVER series AS PreviousGood,
    ${previous('TimeUnix')} AS PreviousTime,
    -- One reset decision for Count and Good, so a point never adds more good than total.
    multiIf(AggregationTemporality = ${DELTA}, 1, NOT (${rule.hasNeighbour}), StartTimeUnix >= ${rule.bornFrom},
      Count < PreviousCount OR Good < PreviousGood OR StartTimeUnix > PreviousTime) AS CountsFromZero,
    -- Int64 throughout: Count is UInt64, and one type keeps multiIf from building a Variant.
    multiIf(CountsFromZero, toInt64(Count), NOT (${rule.hasNeighbour}), toInt64(0), toInt64(Count) - PreviousCount) AS CountIncrease,
    multiIf(CountsFromZero, Good, NOT (${rule.hasNeighbour}), toInt64(0), Good - PreviousGood) AS GoodIncrease
  FROM otel_metrics_histogram
  WHERE ServiceName = {service:String}
    AND MetricName = {histogramMetric:String}
    AND TimeUnix >= toDateTime64({scanFrom:UInt32}, 9) AND TimeUnix < toDateTime64({to:UInt32} + 60, 9)
    AND ${isMatch}
  ${windowClause('Count')}`;
  return {
    inner,
    params,
    total: { value: 'CountIncrease', where: '' },
    bad: { windowed: (inWindow) => `sumIf(CountIncrease - GoodIncrease, ${inWindow})`, perGroup: 'sum(CountIncrease - GoodIncrease)' },
  };
}

/** `MetricName = … AND Attributes[k] = v …`; names and values are parameters prefixed by `role`. */
function selectorCondition(role: string, selector: MetricSelector, params: Record<string, unknown>): string {
  params[`${role}Metric`] = selector.metric;
  const parts = [`MetricName = {${role}Metric:String}`];
  Object.entries(selector.matchers).forEach(([label, value], i) => {
    params[`${role}Label${i}`] = label;
    params[`${role}Value${i}`] = value;
    parts.push(`Attributes[{${role}Label${i}:String}] = {${role}Value${i}:String}`);
  });
  return `(${parts.join(' AND ')})`;
}

function assertNever(x: never): never {
  throw new Error(`unexpected SLI ${JSON.stringify(x)}`);
}
