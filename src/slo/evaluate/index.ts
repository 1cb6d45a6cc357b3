/**
 * @module slo/evaluate
 * From counts to SLO numbers, pure: the windows an SLO is evaluated over, its status (budget, burn
 * rates, alert rules and their transitions, the split by release), and the in-memory ledger of
 * recorded minutes that every number is read from.
 */
export { alignedStart, endMinuteOf, MINUTE_EXACT_WINDOW_SECONDS, planWindows, windowStartSeconds, withWindow, type WindowPlan } from './windows.js';
export {
  alertKey, budgetOf, sloStatus, windowNumbers, type AlertStatus, type AlertStep, type ReleaseNumbers, type SloStatus, type WindowNumbers,
} from './status.js';
export { MissingMinutesError, SeriesLedger, seriesKey, SloLedger, type Counts, type MinuteRecord } from './ledger.js';
export { ledgerCounts, sloEnvironment } from './ledger-counts.js';
export { alertInstances } from './alert-instances.js';
export { windowSeries, type WindowSeries } from './over-time.js';
export {
  adjustmentApplies, appliedAdjustments, clipIntervals, excludedIntervals, exclusionIntervals, MAX_OCCURRENCES, mergeIntervals,
  type AppliedAdjustment, type MinuteInterval,
} from './adjustments.js';
export { edgeHoursNeeded, excludingLedger, NO_EDGES, type EdgeMinutes, type LedgerView, type SeriesView } from './excluding-ledger.js';
export { stitchedLedger } from './stitched-ledger.js';
