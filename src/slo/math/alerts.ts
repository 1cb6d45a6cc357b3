/**
 * @module slo/math
 * Multi-window alert evaluation and the alert's state machine, both pure: the engine passes the previous state in
 * and stores the transition that comes out. There is no `for:` delay; the short window already resets the alert
 * quickly once the burn stops (SRE Workbook ch. 5, "multiwindow, multi-burn-rate alerts").
 */
import { compareRatios, divideRatios, multiplyRatios, ratioFromNumber, ratioToNumber, type Ratio } from './decimal.js';
import { budgetRatio, exactErrorRatio, type WindowCounts } from './burn-rate.js';
import { formatWindow } from './duration.js';
import type { AlertWindow } from './windows.js';

export type AlertRule = Pick<AlertWindow, 'shortWindowSeconds' | 'longWindowSeconds' | 'burnFactor'>;

export interface AlertOptions {
  budgetFraction: number;
  /** A window with fewer events cannot fire: one failure in three requests is not an outage. 0 disables the guard. */
  minEvents: number;
}

export interface AlertEvaluation {
  firing: boolean;
  /** Why, in a sentence for the alert's description. */
  reason: string;
  /** `null` when the window had no events. */
  shortBurnRate: number | null;
  longBurnRate: number | null;
}

/**
 * Fires when BOTH windows have at least `minEvents` events and an error ratio strictly above
 * burnFactor × budgetFraction. The comparison is exact (bad × denominators vs threshold × total in bigints) on
 * the decimals as written, so a ratio of exactly 0.0144 against 14.4 × 0.001 does not fire; floating point would
 * say 0.0144 < 0.014400000000000001 and get the boundary right only by luck.
 */
export function evaluateAlert(
  rule: AlertRule,
  shortCounts: WindowCounts,
  longCounts: WindowCounts,
  { budgetFraction, minEvents }: AlertOptions,
): AlertEvaluation {
  const budget = budgetRatio(budgetFraction);
  const threshold = multiplyRatios(ratioFromNumber(rule.burnFactor), budget);
  const short = windowVerdict(rule.shortWindowSeconds, shortCounts, budget, threshold, minEvents);
  const long = windowVerdict(rule.longWindowSeconds, longCounts, budget, threshold, minEvents);
  const rates = { shortBurnRate: short.burnRate, longBurnRate: long.burnRate };
  const factor = `${rule.burnFactor}×`;

  const quiet = [short, long].find((w) => w.problem === 'too-few-events');
  if (quiet !== undefined) {
    const events = quiet.totalEvents === 0 ? 'no events' : `${quiet.totalEvents} events, fewer than minEvents ${minEvents}`;
    return { firing: false, reason: `the ${quiet.window} window has ${events}`, ...rates };
  }
  const slow = [short, long].find((w) => w.problem === 'below-threshold');
  if (slow !== undefined) {
    return { firing: false, reason: `the ${slow.window} window burns at ${rate(slow.burnRate)}, not above ${factor}`, ...rates };
  }
  return {
    firing: true,
    reason: `burning at ${rate(short.burnRate)} over ${short.window} and ${rate(long.burnRate)} over ${long.window}, above ${factor}`,
    ...rates,
  };
}

interface WindowVerdict {
  window: string;
  totalEvents: number;
  burnRate: number | null;
  problem: 'too-few-events' | 'below-threshold' | undefined;
}

function windowVerdict(seconds: number, counts: WindowCounts, budget: Ratio, threshold: Ratio, minEvents: number): WindowVerdict {
  const ratio = exactErrorRatio(counts);
  const burnRate = ratio === null ? null : ratioToNumber(divideRatios(ratio, budget));
  const base = { window: formatWindow(seconds), totalEvents: counts.totalEvents, burnRate };
  // With minEvents 0 a window without events still cannot fire: its error ratio is unknown, not high.
  if (counts.totalEvents < minEvents || ratio === null) return { ...base, problem: 'too-few-events' };
  if (compareRatios(ratio, threshold) <= 0) return { ...base, problem: 'below-threshold' };
  return { ...base, problem: undefined };
}

const rate = (burnRate: number | null): string => (burnRate === null ? 'an unknown rate' : `${Number(burnRate.toPrecision(6))}×`);

export type AlertState = { state: 'inactive' } | { state: 'firing'; sinceMs: number };

export type AlertTransition = 'fired' | 'resolved' | null;

export interface AlertStep {
  state: AlertState;
  /** What changed, for the engine to record; `null` when nothing did. */
  transition: AlertTransition;
}

/** The state after one evaluation. A firing alert keeps its original `sinceMs` while it stays firing. */
export function nextAlertState(previous: AlertState, firing: boolean, nowMs: number): AlertStep {
  switch (previous.state) {
    case 'inactive':
      return firing ? { state: { state: 'firing', sinceMs: nowMs }, transition: 'fired' } : { state: previous, transition: null };
    case 'firing':
      return firing ? { state: previous, transition: null } : { state: { state: 'inactive' }, transition: 'resolved' };
    default:
      return assertNever(previous);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected alert state ${JSON.stringify(x)}`);
}
