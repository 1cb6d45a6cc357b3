/**
 * @module attribution
 * What burned an SLO's budget: its own bad events grouped into causes (errors, failing
 * dependencies, where slow events spent their time, log bodies, metric series), ranked against a
 * baseline, with each release's share of the budget. The gate, the SLO and release pages, alerts
 * and the API all ask this module.
 */
export { attributionOn, createAttributionService, natureOf, rangeEndMs, type AttributionReader, type AttributionService, type AttributionStore, type ReleaseBudget } from './service.js';
export { changeOf, keyOf, MAX_CAUSES, rankCauses, type RankInput, type Ranked } from './rank.js';
export { causeHeadline, changeWords, shortHash } from './words.js';
export { normalizeText, NORMALIZE_PATTERNS } from './sides.js';
export type { Attribution, AttributionRequest, AttributedCause, Baseline, CauseChange, CauseCount, CauseKey, CauseKind, SliNature } from './types.js';
export { attributionWire, causeWire, releaseBudgetWire } from './wire.js';
export { releaseMarkers, type DeployEvent, type FirstSeen, type ReleaseMarker } from './markers.js';
export { alertCauses, type AlertCauseText, type FiringAlert } from './alert-causes.js';
