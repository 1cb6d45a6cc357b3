/**
 * Query execution: plan the selects, fetch each selector's series once through the
 * SeriesSource, then evaluate in memory and shape the result like Prometheus' HTTP API.
 */
import { documentedType, valueTypeOf, type Expr, type VectorSelector } from './ast.js';
import { badData, PromqlError, tooManySamples } from './errors.js';
import { compareLabels, labelsKey, normalizeLabels, type Labels } from './labels.js';
import { planSelects, type SelectorPlan } from './plan.js';
import { instantResult, rangeResult, type QueryResult } from './result.js';
import type { Series, SeriesSource } from './source.js';
import { Evaluator } from './eval.js';
import { instantGrid, Limits, makeGrid, type Grid, type RangeSeries } from './values.js';

export interface EvalOptions {
  /** How far back an instant selector looks for a sample. @default 300000 (5m) */
  lookbackDeltaMs?: number;
  /** Samples fetched plus points held by intermediate results. @default 50000000 (Prometheus' --query.max-samples) */
  maxSamples?: number;
  /** @default 120000 (Prometheus' --query.timeout) */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Step of `expr[range:]` subqueries. @default 60000 (Prometheus' default evaluation_interval) */
  defaultSubqueryStepMs?: number;
}

/** Prometheus' API limit on points per series in a range query. */
export const MAX_RANGE_POINTS = 11_000;

/** When a query is evaluated: one instant, or the steps of a range. */
export type QueryTimes = { kind: 'instant'; timeMs: number } | { kind: 'range'; startMs: number; endMs: number; stepMs: number };

/** A parsed query with its grid and the selects it needs, in a fixed order (fetched data is matched by index). */
export interface PreparedQuery {
  expr: Expr;
  times: QueryTimes;
  grid: Grid;
  plans: SelectorPlan[];
}

export async function evaluateInstant(expr: Expr, timeMs: number, source: SeriesSource, opts: EvalOptions = {}): Promise<QueryResult> {
  return run(prepareQuery(expr, { kind: 'instant', timeMs }, opts), source, opts);
}

export async function evaluateRange(
  expr: Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  source: SeriesSource,
  opts: EvalOptions = {},
): Promise<QueryResult> {
  return run(prepareQuery(expr, { kind: 'range', startMs, endMs, stepMs }, opts), source, opts);
}

async function run(prepared: PreparedQuery, source: SeriesSource, opts: EvalOptions): Promise<QueryResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadlineMs = Date.now() + timeoutMs;
  const data = await fetchSelected(prepared, source, { timeoutMs, ...(opts.signal === undefined ? {} : { signal: opts.signal }), maxSamples: opts.maxSamples });
  return evaluatePrepared(prepared, data, { ...opts, deadlineMs });
}

/** Checks the times and plans the selects; throws bad_data as Prometheus' API would. */
export function prepareQuery(expr: Expr, times: QueryTimes, opts: Pick<EvalOptions, 'lookbackDeltaMs'> = {}): PreparedQuery {
  const lookbackDeltaMs = opts.lookbackDeltaMs ?? 300_000;
  if (times.kind === 'instant') {
    const grid = instantGrid(times.timeMs);
    return { expr, times, grid, plans: planSelects(expr, { startMs: times.timeMs, endMs: times.timeMs, lookbackDeltaMs }) };
  }
  const { startMs, endMs, stepMs } = times;
  if (endMs < startMs) throw badData('end timestamp must not be before start time');
  if (!(stepMs > 0)) throw badData('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if ((endMs - startMs) / stepMs > MAX_RANGE_POINTS) {
    throw badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  const t = valueTypeOf(expr);
  if (t !== 'vector' && t !== 'scalar') {
    throw badData(`invalid expression type ${JSON.stringify(documentedType(t))} for range query, must be Scalar or instant Vector`);
  }
  const grid = makeGrid(startMs, endMs, stepMs);
  return { expr, times, grid, plans: planSelects(expr, { startMs, endMs, lookbackDeltaMs, ...(grid.steps > 1 ? { stepMs: grid.stepMs } : {}) }) };
}

/**
 * The series of every plan, in plan order, as the evaluator takes them (canonical labels, merged,
 * sorted), refused past the sample budget before anything is evaluated.
 */
export async function fetchSelected(
  prepared: PreparedQuery,
  source: SeriesSource,
  { timeoutMs, signal, maxSamples }: { timeoutMs: number; signal?: AbortSignal; maxSamples?: number | undefined },
): Promise<RangeSeries[][]> {
  const fetched = await fetchAll(prepared.plans, source, timeoutMs, signal);
  const budget = maxSamples ?? DEFAULT_MAX_SAMPLES;
  let points = 0;
  return prepared.plans.map((_, i) => {
    const series = prepare(fetched[i] ?? []);
    for (const s of series) points += s.timestampsMs.length;
    if (points > budget) throw tooManySamples();
    return series;
  });
}

/** Prometheus' --query.max-samples. */
export const DEFAULT_MAX_SAMPLES = 50_000_000;

/** Pure and CPU-bound: what a worker thread runs (query/), given the plans' series in plan order. */
export function evaluatePrepared(
  prepared: PreparedQuery,
  data: readonly RangeSeries[][],
  opts: Omit<EvalOptions, 'timeoutMs'> & { deadlineMs: number },
): QueryResult {
  const limits = new Limits(opts.maxSamples ?? DEFAULT_MAX_SAMPLES, opts.deadlineMs, opts.signal);
  const bySelector = new Map<VectorSelector, RangeSeries[]>();
  prepared.plans.forEach((p, i) => {
    const series = data[i] ?? [];
    for (const s of series) limits.addPoints(s.timestampsMs.length);
    bySelector.set(p.selector, series);
  });
  limits.checkTimeNow();
  const { startMs, endMs } = prepared.times.kind === 'instant' ? { startMs: prepared.times.timeMs, endMs: prepared.times.timeMs } : prepared.times;
  const evaluator = new Evaluator({
    data: bySelector,
    lookbackDeltaMs: opts.lookbackDeltaMs ?? 300_000,
    defaultSubqueryStepMs: opts.defaultSubqueryStepMs ?? 60_000,
    queryStartMs: startMs,
    queryEndMs: endMs,
    limits,
  });
  const value = evaluator.eval(prepared.expr, prepared.grid);
  return prepared.times.kind === 'instant' ? instantResult(value, prepared.times.timeMs) : rangeResult(value, prepared.grid);
}

/**
 * One select per plan, all under one AbortSignal that fires on the caller's signal or the
 * timeout. (An explicit timer: Node 20 can collect an AbortSignal.timeout() that is only
 * referenced through AbortSignal.any() before it fires.)
 */
async function fetchAll(plans: SelectorPlan[], source: SeriesSource, timeoutMs: number, caller: AbortSignal | undefined): Promise<Series[][]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('query timeout')), timeoutMs);
  const forward = (): void => controller.abort(caller?.reason);
  if (caller?.aborted === true) forward();
  caller?.addEventListener('abort', forward, { once: true });
  try {
    return await Promise.all(plans.map((p) => source.select(p.request, controller.signal)));
  } catch (err) {
    if (controller.signal.aborted) {
      throw new PromqlError('timeout', caller?.aborted === true ? 'query was canceled in query preparation' : 'query timed out in query preparation');
    }
    throw err;
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', forward);
  }
}

/**
 * What Prometheus' storage guarantees and a store may not: canonical label sets, one series per
 * label set (duplicates merged, first sample wins on equal timestamps), sorted by labels.
 */
function prepare(series: Series[]): RangeSeries[] {
  const byKey = new Map<string, { labels: Labels; parts: Series[] }>();
  for (const s of series) {
    const labels = normalizeLabels(s.labels);
    const key = labelsKey(labels);
    const entry = byKey.get(key);
    if (entry === undefined) byKey.set(key, { labels, parts: [s] });
    else entry.parts.push(s);
  }
  const out: RangeSeries[] = [];
  for (const { labels, parts } of byKey.values()) {
    if (parts.length === 1) {
      const p = parts[0] as Series;
      out.push({ labels, timestampsMs: toFloat64(p.timestampsMs), values: toFloat64(p.values) });
      continue;
    }
    const points: Array<[number, number]> = [];
    for (const p of parts) for (let i = 0; i < p.timestampsMs.length; i++) points.push([p.timestampsMs[i] as number, p.values[i] as number]);
    points.sort((a, b) => a[0] - b[0]);
    const ts: number[] = [];
    const vs: number[] = [];
    for (const [t, v] of points) {
      if (ts.length > 0 && ts[ts.length - 1] === t) continue;
      ts.push(t);
      vs.push(v);
    }
    out.push({ labels, timestampsMs: Float64Array.from(ts), values: Float64Array.from(vs) });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

const toFloat64 = (a: Float64Array | number[]): Float64Array => (a instanceof Float64Array ? a : Float64Array.from(a));
