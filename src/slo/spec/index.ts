/**
 * @module slo/spec
 * SLO, GatePolicy and BudgetAdjustment files (and Sloth's and OpenSLO's SLO files): schemas, the YAML loader with positions,
 * directory loading and `tollgate validate`.
 */
export type {
  Alerting,
  AlertWindow,
  BudgetAdjustment,
  Budgeting,
  CompareSettings,
  Exclusion,
  ForeignDocument,
  GatePolicy,
  LogBadCondition,
  LogMatch,
  MetricSelector,
  NameMatch,
  PromqlSli,
  Sli,
  SloDefinition,
  SloOrigin,
  SloPeriod,
  SloSelection,
  SpanBadCondition,
  SpanKind,
  SpanMatch,
  StatusCodeRange,
} from './model.js';
export { formatProblem, type Problem, type SourcePos } from './problem.js';
export type { SourceFile } from './load-file.js';
export { loadSloSources, type SloLoadResult } from './load-sources.js';
export { loadScannedDirectory, loadSloDirectory, readSloFiles, SloDirectoryError } from './load-directory.js';
export { scanSloDirectory, type SloDirectoryScan } from './scan-directory.js';
export { parseInWorker, SloParserError, type ParseOutcome } from './parse-in-worker.js';
export type { RawSourceFile } from './parse-files.js';
export { SLO_LIMITS, type SloLimits } from './limits.js';
export { runValidate, summaryLine } from './validate-command.js';
export { revisionOf } from './revision.js';
export { API_VERSION } from './wire-common.js';
export { fillWindow } from './promql-template.js';
export { SEVERITY_NUMBER } from './severity.js';
export { SLO_DEFAULTS } from './slo-from-wire.js';
export { GATE_POLICY_DEFAULTS } from './gate-policy-from-wire.js';
export { MAX_EXCLUSION_SECONDS } from './wire-budget-adjustment.js';
