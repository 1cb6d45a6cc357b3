/**
 * @module ui/slo-series
 * The SLO page's two charts from ONE SLI query. Every SLI source answers counts for windows that
 * all end with the current minute (slo/sli/query.ts); the counts between two instants a < b are
 * then W(a) − W(b), where W(s) counts the events from minute s to now. So a set of windows starting
 * at regular steps gives:
 * - the budget over the period: remaining error budget from the events between the period's start
 *   and each step (at the last step exactly the SLO's `error_budget.remaining`);
 * - burn rates over the last hours: per step (5m) and over the hour before each step (1h).
 * Reusing the engine's queries keeps the numbers those of `/v1/slos/{name}`, for every SLI source.
 * Pure: windows out, counts in, series out.
 */
import { budgetRemaining, burnRate, type WindowCounts } from '../slo/math/index.js';
import type { EvaluationWindow } from '../slo/sli/index.js';

export interface SeriesOptions {
  /** Points on the budget chart across the period so far. @default 60 */
  budgetPoints?: number;
  /** Step of the burn-rate chart. @default 300 (5 minutes) */
  burnStepSeconds?: number;
  /** How far back the burn-rate chart reaches. @default 21600 (6 hours) */
  burnSpanSeconds?: number;
  /** The rolling window drawn beside the per-step burn rate. @default 3600 (1 hour) */
  burnLongWindowSeconds?: number;
}

export interface SeriesPlan {
  windows: EvaluationWindow[];
  /** Exclusive end of the evaluated data: the end of the current minute. */
  endSeconds: number;
  periodStartSeconds: number;
  budgetTimes: number[];
  burnTimes: number[];
  burnStepSeconds: number;
  burnLongWindowSeconds: number;
}

export interface SloSeries {
  /** Unix seconds; `remaining` is null where the period had no events yet (unknown, not full). */
  budget: { time: number[]; remaining: Array<number | null> };
  /** Unix seconds at the end of each step; a burn rate is null in a step without events. */
  burn: { time: number[]; step_seconds: number; long_window_seconds: number; short: Array<number | null>; long: Array<number | null> };
}

const windowKey = (startSeconds: number): string => `from_${startSeconds}`;

/**
 * Windows for both charts, given the engine's plan for the SLO now: the period's first minute and
 * the last minute in every window (`endMinuteSeconds`).
 */
export function seriesPlan(
  { periodStartSeconds, endMinuteSeconds }: { periodStartSeconds: number; endMinuteSeconds: number },
  { budgetPoints = 60, burnStepSeconds = 300, burnSpanSeconds = 21_600, burnLongWindowSeconds = 3_600 }: SeriesOptions = {},
): SeriesPlan {
  if (burnStepSeconds % 60 !== 0 || burnLongWindowSeconds % burnStepSeconds !== 0) {
    throw new RangeError('burn steps must be whole minutes and divide the long window');
  }
  const endSeconds = endMinuteSeconds + 60;
  const starts = new Set<number>([periodStartSeconds]);
  // Budget: steps of whole minutes from the period's start; the last one is now.
  const stepSeconds = Math.max(60, Math.ceil((endSeconds - periodStartSeconds) / budgetPoints / 60) * 60);
  const budgetTimes: number[] = [];
  for (let t = periodStartSeconds + stepSeconds; t < endSeconds; t += stepSeconds) budgetTimes.push(t);
  budgetTimes.push(endSeconds);
  for (const t of budgetTimes) if (t < endSeconds) starts.add(t);
  // Burn: steps ending now, reaching back burnSpanSeconds, plus one long window before the first.
  const steps = Math.floor(burnSpanSeconds / burnStepSeconds);
  const burnTimes: number[] = [];
  for (let j = steps - 1; j >= 0; j--) burnTimes.push(endSeconds - j * burnStepSeconds);
  for (let m = 1; m <= steps + burnLongWindowSeconds / burnStepSeconds; m++) starts.add(endSeconds - m * burnStepSeconds);
  return {
    windows: [...starts].sort((a, b) => b - a).map((s) => ({ key: windowKey(s), startSeconds: s })),
    endSeconds,
    periodStartSeconds,
    budgetTimes,
    burnTimes,
    burnStepSeconds,
    burnLongWindowSeconds,
  };
}

/** Both series from the counts of `plan.windows` (all releases together). */
export function sloSeries(plan: SeriesPlan, counts: Readonly<Record<string, WindowCounts>>, budgetFraction: number): SloSeries {
  /** Events from minute `s` to now; nothing after now. */
  const since = (s: number): WindowCounts => (s >= plan.endSeconds ? { totalEvents: 0, badEvents: 0 } : counts[windowKey(s)] ?? { totalEvents: 0, badEvents: 0 });
  const between = (from: number, to: number): WindowCounts => {
    const a = since(from);
    const b = since(to);
    return { totalEvents: a.totalEvents - b.totalEvents, badEvents: a.badEvents - b.badEvents };
  };
  const remaining = plan.budgetTimes.map((t) => {
    const c = between(plan.periodStartSeconds, t);
    return c.totalEvents === 0 ? null : budgetRemaining(c, budgetFraction);
  });
  return {
    budget: { time: plan.budgetTimes, remaining },
    burn: {
      time: plan.burnTimes,
      step_seconds: plan.burnStepSeconds,
      long_window_seconds: plan.burnLongWindowSeconds,
      short: plan.burnTimes.map((t) => burnRate(between(t - plan.burnStepSeconds, t), budgetFraction)),
      long: plan.burnTimes.map((t) => burnRate(between(t - plan.burnLongWindowSeconds, t), budgetFraction)),
    },
  };
}
