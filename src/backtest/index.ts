/**
 * @module backtest
 * `tollgate diff`: a change to the SLO files (SLOs, gate policies, budget adjustments) replayed on
 * stored data, before and after: each SLO's budget and error ratio over its last period, the alerts
 * that would have fired, and the stored gate decisions that would flip. The service reads; the
 * replay, the reader the gate replays with, and the formats are pure.
 */
export { createBacktestService, type BacktestService, type BacktestStore, type StoredGateRecords } from './service.js';
export { definitionChanges, type DefinitionChanges } from './changes.js';
export { replaySlo, ruleFires } from './replay.js';
export { MinuteData, MinuteSeries, type SeriesRecords } from './minute-data.js';
export { replayReader } from './replay-reader.js';
export { reportWire, type ReportWire } from './wire.js';
export { formatMarkdown, formatText } from './format.js';
export { FAIL_CONDITIONS, type BacktestReport, type DefinitionSet, type FailCondition } from './types.js';
export { checkSourceLimits, definitionSet, DefinitionsTooLargeError, parseDefinitions, type SourceTexts } from './definitions.js';
