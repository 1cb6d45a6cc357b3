/**
 * @module ui/slo-series
 * The SLO page's two charts from the SLO's recorded minutes, through the same "SLO over time" path
 * as the Sloth-named series (slo/evaluate/over-time.ts), so both show the numbers of `/v1/slos`:
 * - the budget over the period: remaining error budget from the events between the period's start
 *   and each step (at the last step exactly the SLO's `error_budget.remaining`);
 * - burn rates over the last hours: per step (5m) and over the hour before each step (1h).
 * Over a period longer than three days the budget's steps fall on whole hours (minutes older than
 * that are held as hour totals). Pure.
 */
import { budgetRemaining, burnRate } from '../slo/math/index.js';
import { clipIntervals, MINUTE_EXACT_WINDOW_SECONDS, windowSeries, type AppliedAdjustment, type Counts, type LedgerView } from '../slo/evaluate/index.js';

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
  /** Exclusive end of the evaluated data: the end of the current minute. */
  endSeconds: number;
  periodStartSeconds: number;
  /** Each point's exclusive end (unix seconds); the last is `endSeconds`. */
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

const HOUR = 3_600;

/** The points of both charts, given the SLO's period start and the last minute of its windows now. */
export function seriesPlan(
  { periodStartSeconds, endMinuteSeconds }: { periodStartSeconds: number; endMinuteSeconds: number },
  { budgetPoints = 60, burnStepSeconds = 300, burnSpanSeconds = 21_600, burnLongWindowSeconds = 3_600 }: SeriesOptions = {},
): SeriesPlan {
  if (burnStepSeconds % 60 !== 0 || burnLongWindowSeconds % burnStepSeconds !== 0) {
    throw new RangeError('burn steps must be whole minutes and divide the long window');
  }
  const endSeconds = endMinuteSeconds + 60;
  // Whole minutes; over a period longer than the minutes held by the minute (three days), whole
  // hours from a whole hour, so that old points need only hour totals.
  let stepSeconds = Math.max(60, Math.ceil((endSeconds - periodStartSeconds) / budgetPoints / 60) * 60);
  let first = periodStartSeconds + stepSeconds;
  if (endSeconds - periodStartSeconds > MINUTE_EXACT_WINDOW_SECONDS && stepSeconds >= HOUR) {
    stepSeconds = Math.ceil(stepSeconds / HOUR) * HOUR;
    first = Math.ceil((periodStartSeconds + 1) / HOUR) * HOUR + stepSeconds - HOUR;
  }
  const budgetTimes: number[] = [];
  for (let t = first; t < endSeconds; t += stepSeconds) budgetTimes.push(t);
  budgetTimes.push(endSeconds);
  const steps = Math.floor(burnSpanSeconds / burnStepSeconds);
  const burnTimes: number[] = [];
  for (let j = steps - 1; j >= 0; j--) burnTimes.push(endSeconds - j * burnStepSeconds);
  return { endSeconds, periodStartSeconds, budgetTimes, burnTimes, burnStepSeconds, burnLongWindowSeconds };
}

/** Both series from the SLO's ledger, in `environment` (null: all). */
export function sloSeries(plan: SeriesPlan, ledger: LedgerView, environment: string | null, budgetFraction: number): SloSeries {
  const endMinutes = (times: readonly number[]): number[] => times.map((t) => t - 60);
  const asWindow = (c: Counts) => ({ totalEvents: c.total, badEvents: c.bad });
  const budget = windowSeries(ledger, environment, endMinutes(plan.budgetTimes), () => plan.periodStartSeconds, false).total;
  const burnEnds = endMinutes(plan.burnTimes);
  const short = windowSeries(ledger, environment, burnEnds, (m) => m + 60 - plan.burnStepSeconds, false).total;
  const long = windowSeries(ledger, environment, burnEnds, (m) => m + 60 - plan.burnLongWindowSeconds, false).total;
  return {
    budget: { time: plan.budgetTimes, remaining: budget.map((c) => (c.total === 0 ? null : budgetRemaining(asWindow(c), budgetFraction))) },
    burn: {
      time: plan.burnTimes,
      step_seconds: plan.burnStepSeconds,
      long_window_seconds: plan.burnLongWindowSeconds,
      short: short.map((c) => burnRate(asWindow(c), budgetFraction)),
      long: long.map((c) => burnRate(asWindow(c), budgetFraction)),
    },
  };
}

/** A shaded band on the charts: minutes a budget adjustment excludes, [from, to) in unix seconds. */
export interface ExclusionBand {
  from: number;
  to: number;
  name: string;
  reason: string;
}

/** The bands within [fromSeconds, toSeconds) of the charts, from the SLO's budget adjustments. */
export function exclusionBands(applied: readonly AppliedAdjustment[], fromSeconds: number, toSeconds: number): ExclusionBand[] {
  return applied.flatMap((a) => clipIntervals(a.intervals, fromSeconds, toSeconds - 60)
    .map((i) => ({ from: i.from, to: i.to + 60, name: a.adjustment.name, reason: a.adjustment.reason })));
}
