/**
 * @module gate
 * The release gate's pure core: `decide(input)` turns a policy and gathered evidence into allow, deny or wait
 * with reasons; `compareErrorRatios` is the statistics behind "this release is worse than its baseline".
 * The I/O shell (evidence gathering, persistence, HTTP) lives elsewhere and imports only this file.
 */
export { decide, MAX_TOP_CAUSES } from './decide.js';
export { compareErrorRatios } from './compare.js';
export { GATE_DEFAULTS, WAIT_RETRY_AFTER_SECONDS, gateSettings, type GateSettings } from './settings.js';
export type {
  AllowBasis, Cause, Check, CheckKind, CompareSettings, Comparison, ComparisonNumbers, ErrorCounts, GateInput, GatePolicy, GateRequest,
  GateVerdict, Override,
  ReleaseRecord, SloHealth, StatTest,
} from './types.js';
export { causeAsks, causesFrom, decideNamingCauses, gatherEvidence, RELEASE_LOOKBACK_SECONDS, type CauseAsk, type EvidenceSources, type Gathered } from './evidence.js';
export { baselineOf, findRollback, inEnvironment, selectSlos, type Seen } from './release-history.js';
export { gateAnswer, type GateAnswer, type GateAnswerContext } from './answer.js';
export { createDecisionLog, type DecisionLog, type Deployment, type NewOverride, type StoredDecision, type StoredOverride } from './decision-log.js';
export { createGateService, type GateDefinitions, type GateService } from './service.js';
