/**
 * @module correlate
 * One trace with its logs; releases (`config_hash`) with their numbers beside their baselines; the
 * service map from parent/child spans; the SLO dependency graph. Queries live in `*-query.ts` /
 * `*-read.ts`, the shaping and mermaid text they feed in pure modules tested without a database.
 */
export { buildTraceView, MAX_TRACE_LOGS, MAX_TRACE_SPANS, MAX_TREE_DEPTH } from './trace-tree.js';
export type { LogRow, SpanEvent, SpanNode, SpanRow, TraceLog, TraceView } from './trace-tree.js';
export { isTraceId, readTrace } from './trace-query.js';
export { mergeStats, quantileFromBuckets } from './release-stats.js';
export type { DurationBucket, ReleaseNumbers, ReleaseStatsRow } from './release-stats.js';
export { listReleases, releaseDetail } from './release-query.js';
export type { ReleaseDetail, ReleaseList } from './release-query.js';
export { healthOf, shapeServiceMap, HEALTH_THRESHOLDS } from './service-map.js';
export type { MapEdgeRow, MapNodeRow, ServiceMap } from './service-map.js';
export { readServiceMap, MAX_JOIN_SPANS } from './service-map-query.js';
export { shapeSloGraph, sloState, WARNING_BUDGET_REMAINING } from './slo-graph.js';
export type { SloGraph, SloGraphEntry, SloState } from './slo-graph.js';
export { readSloGraph } from './slo-graph-read.js';
export { escapeLabel, flowchart, formatMs, formatPercent, nodeIds, safeHref } from './mermaid.js';
export { isoFromNanos, parseSince } from './time.js';
