/**
 * @module engine
 * The SLO engine: records every SLO's minutes, answers every SLO number from them, evaluates and
 * sends alerts; and the SLO directory as Tollgate runs it.
 */
export { createSloEngine } from './engine.js';
export type { EngineOptions, EvaluatedSlo, SeenSource, SloEngine, SloEvaluation, SloReader, AlertTransitionListener } from './engine.js';
export type { RecordingStatus } from './recorder.js';
export type { AdjustmentInPeriod } from './exclusions.js';
export { openSloRegistry } from './slo-registry.js';
export type { LoadedSlos, SloRegistry } from './slo-registry.js';
export { promqlSliOverRange, type PromqlEnv } from './promql-sli.js';
export type { LiveTally } from './live-feed.js';
export { createMinutesTable, type MinutesTable, type RecordedSeries, type VersionKey } from './minutes-table.js';
export { definitionVersion, isRecorded, newRecordedSlo, type RecordedSlo } from './recorded.js';
export { countMinutes } from './minute-sources.js';
