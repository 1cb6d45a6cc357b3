/**
 * @module engine/promql-sli
 * SLIs written in PromQL (Sloth and OpenSLO files), evaluated by Tollgate's PromQL engine over the
 * stored metrics, as Sloth's recording rules would be by Prometheus: for each window, the queries
 * with `{{.window}}` set to the window's length, at the end of the current minute. Timeslices: the same
 * queries over each slice, as one range evaluation per query.
 *
 * Counts are the queries' values (for `rate()` queries, events per second): ratios are what Sloth
 * computes; the split by release is not available, since the queries do not keep config_hash.
 */
import { MAX_RANGE_POINTS, type QueryResult, type Series, type SeriesSource } from '../promql/index.js';
import type { QueryRunner } from '../query/index.js';
import { countSlices, type SliCounts, type SliceCounts, type WindowCounts } from '../slo/sli/index.js';
import { fillWindow, type PromqlSli, type SloDefinition } from '../slo/spec/index.js';
import type { WindowPlan } from '../slo/evaluate/index.js';

/** What PromQL SLIs are evaluated with: the runner (worker threads, deadlines) over the stored metrics. */
export interface PromqlEnv {
  runner: QueryRunner;
  source: SeriesSource;
}

export async function promqlSliCounts(slo: SloDefinition, sli: PromqlSli, plan: WindowPlan, nowMs: number, env: PromqlEnv): Promise<SliCounts> {
  if (slo.budgeting.kind === 'timeslices') {
    const sliceSeconds = slo.budgeting.windowSeconds;
    const first = Math.min(...plan.windows.map((w) => w.startSeconds));
    const slices = await sliceCounts(slo, sli, sliceSeconds, first, nowMs, env);
    return countSlices(slices, { windows: plan.windows, endMinuteSeconds: plan.endMinuteSeconds, sliceSeconds, targetFraction: slo.budgeting.targetFraction });
  }
  // Tollgate's windows end with the current minute: the queries are evaluated at its end, so the
  // SLO series (series/slo-series.ts) give the same numbers for this minute.
  const atMs = (plan.endMinuteSeconds + 60) * 1000;
  const source = sharedReads(env.source);
  const total: Record<string, WindowCounts> = {};
  // Longest first: its reads cover every shorter window's, which then come from memory.
  for (const w of [...plan.windows].sort((a, b) => a.startSeconds - b.startSeconds)) {
    const window = `${plan.endMinuteSeconds + 60 - w.startSeconds}s`;
    const value = async (template: string, role: string): Promise<number> =>
      singleValue(await env.runner.run(fillWindow(template, window), { kind: 'instant', timeMs: atMs }, source), slo, role, w.key);
    const numerator = await value(sli.numeratorQuery, sli.totalQuery === null ? 'ratio' : sli.counts);
    const denominator = sli.totalQuery === null ? null : await value(sli.totalQuery, 'total');
    total[w.key] = counts(sli, numerator, denominator);
  }
  return { total, byRelease: new Map() };
}

/** Bad and total events from the query values; a ratio query is one event whose badness is the ratio. */
function counts(sli: PromqlSli, numerator: number, total: number | null): WindowCounts {
  if (total === null) {
    if (!Number.isFinite(numerator)) return { totalEvents: 0, badEvents: 0 };
    const ratio = Math.min(1, Math.max(0, numerator));
    return { totalEvents: 1, badEvents: sli.counts === 'bad' ? ratio : 1 - ratio };
  }
  if (!Number.isFinite(total) || total <= 0 || !Number.isFinite(numerator)) return { totalEvents: 0, badEvents: 0 };
  // rate() extrapolates each series on its own, so "good" may come out a hair above "total".
  const bad = sli.counts === 'bad' ? numerator : total - numerator;
  return { totalEvents: total, badEvents: Math.min(total, Math.max(0, bad)) };
}

/** Each slice's counts: the queries with the slice's length as window, evaluated at each slice's end. */
async function sliceCounts(slo: SloDefinition, sli: PromqlSli, sliceSeconds: number, fromSeconds: number, nowMs: number, env: PromqlEnv): Promise<SliceCounts[]> {
  const stepMs = sliceSeconds * 1000;
  const firstEnd = (Math.floor(fromSeconds / sliceSeconds) + 1) * stepMs;
  // The current slice is evaluated at its end too: no data lies beyond now.
  const lastEnd = (Math.floor(nowMs / stepMs) + 1) * stepMs;
  const byEnd = await promqlSliOverRange(slo, sli, { windowSeconds: sliceSeconds, startMs: firstEnd, endMs: lastEnd, stepMs }, env);
  return [...byEnd].map(([end, counts]) => ({ release: '', start: end / 1000 - sliceSeconds, counts }));
}

/**
 * The SLI's counts over one window length at each step of a range, as Sloth's recording rules
 * record them: the queries evaluated as range queries. Steps without a value are left out.
 */
export async function promqlSliOverRange(
  slo: SloDefinition,
  sli: PromqlSli,
  range: { windowSeconds: number; startMs: number; endMs: number; stepMs: number },
  env: PromqlEnv,
): Promise<Map<number, WindowCounts>> {
  const { startMs, endMs, stepMs } = range;
  const window = `${range.windowSeconds}s`;
  const source = sharedReads(env.source);
  const valuesOf = async (template: string, role: string): Promise<Map<number, number>> => {
    const query = fillWindow(template, window);
    const out = new Map<number, number>();
    // Prometheus' API limit applies to the evaluator too: long ranges of short steps go in chunks.
    for (let start = startMs; start <= endMs; start += MAX_RANGE_POINTS * stepMs) {
      const end = Math.min(endMs, start + (MAX_RANGE_POINTS - 1) * stepMs);
      const result = await env.runner.run(query, { kind: 'range', startMs: start, endMs: end, stepMs }, source);
      if (result.resultType !== 'matrix') continue;
      if (result.result.length > 1) throw tooManySeries(slo, role, result.result.length, window);
      for (const [t, v] of result.result[0]?.values ?? []) out.set(Math.round(t * 1000), sampleNumber(v));
    }
    return out;
  };
  const numerators = await valuesOf(sli.numeratorQuery, sli.totalQuery === null ? 'ratio' : sli.counts);
  const totals = sli.totalQuery === null ? null : await valuesOf(sli.totalQuery, 'total');
  const out = new Map<number, WindowCounts>();
  for (const [t, v] of totals ?? numerators) {
    out.set(t, totals === null ? counts(sli, v, null) : counts(sli, numerators.get(t) ?? 0, v));
  }
  return out;
}

/** Sloth's queries end in sum(): one series. None is no events (Sloth adds `or vector(0)` for that). */
function singleValue(result: QueryResult, slo: SloDefinition, role: string, windowKey: string): number {
  if (result.resultType === 'scalar') return sampleNumber(result.result[1]);
  if (result.resultType !== 'vector') throw new Error(`SLO ${slo.name}: the ${role} query returns a ${result.resultType}`);
  if (result.result.length > 1) throw tooManySeries(slo, role, result.result.length, windowKey);
  const only = result.result[0];
  return only === undefined ? 0 : sampleNumber(only.value[1]);
}

const tooManySeries = (slo: SloDefinition, role: string, n: number, window: string): Error =>
  new Error(`SLO ${slo.name}: the ${role} query returns ${n} series over ${window}; an SLI query must return one (wrap it in sum())`);

/** Sample values as the API formats them. */
function sampleNumber(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/**
 * Every window asks for the same selectors over shorter and shorter spans: the first (longest)
 * read of each selector serves the rest. Samples outside a request's span are ignored by the
 * evaluator, so the wider read gives the same answer.
 */
function sharedReads(source: SeriesSource): SeriesSource {
  const reads: Array<{ key: string; startMs: number; endMs: number; series: Promise<Series[]> }> = [];
  return {
    select(req, signal) {
      const key = JSON.stringify(req.matchers);
      const covering = reads.find((r) => r.key === key && r.startMs <= req.startMs && r.endMs >= req.endMs);
      if (covering !== undefined) return covering.series;
      const series = source.select(req, signal);
      reads.push({ key, startMs: req.startMs, endMs: req.endMs, series });
      return series;
    },
  };
}
