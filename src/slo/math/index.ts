/**
 * @module slo/math
 * Pure SLO arithmetic: objectives to budgets, durations and periods, multi-window burn-rate alert windows,
 * burn rates, budget remaining and exhaustion, timeslices, and alert evaluation. Plain data in and out;
 * invalid user input comes back as `Result` values, programming errors throw `RangeError`.
 */
export type { Result } from './result.js';
export { errorBudgetFraction, objectiveRatio } from './objective.js';
export { parseDurationMs, parseDurationSeconds, formatWindow } from './duration.js';
export { parseRollingPeriod, calendarPeriod, periodBounds, calendarPeriodBounds } from './period.js';
export type { Calendar, Period, RollingPeriod, CalendarPeriod, PeriodBounds } from './period.js';
export { alertWindows, SRE_WORKBOOK_WINDOWS } from './windows.js';
export type { AlertWindow, AlertWindowSpec, Severity } from './windows.js';
export { errorRatio, burnRate } from './burn-rate.js';
export type { WindowCounts } from './burn-rate.js';
export {
  budgetConsumed,
  budgetRemaining,
  secondsUntilExhausted,
  timeToExhaustFullBudgetSeconds,
  budgetConsumedByBurn,
} from './budget.js';
export type { ExhaustionInput } from './budget.js';
export { timesliceCounts } from './timeslices.js';
export { evaluateAlert, nextAlertState } from './alerts.js';
export type { AlertRule, AlertOptions, AlertEvaluation, AlertState, AlertTransition, AlertStep } from './alerts.js';
export { fisherExactGreater, greaterProportionTest, twoProportionZTest, type Proportion, type StatTest } from './proportion-test.js';
export { erfc, logGamma, logChoose, normalCdf } from './special-functions.js';
