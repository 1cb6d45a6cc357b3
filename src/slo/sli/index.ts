/**
 * @module slo/sli
 * SLIs as queries: an SLO and its evaluation windows become one parameterized ClickHouse query
 * (the contract in query.ts), one builder per kind of SLI source.
 */
export * from './query.js';
export { metricSliQuery, thresholdInUnit } from './metric-sli.js';
export { spanSliQuery } from './span-sli.js';
export { globToRegex, badCondition, matchFilters } from './span-conditions.js';
export { logSliQuery, logFilters } from './log-sli.js';
export { countSlices, timesliceQuery, UnsupportedTimeslicesError, type SliceCounts } from './timeslices.js';
export { spanRollupQuery, fitsSpanRollup } from './span-rollup.js';
export type { RollupSlo, SpanRollupQuery, RollupRow } from './span-rollup.js';
export { sliPredicate, type LogFacts, type LogSliPredicate, type RawSpanFacts, type SpanFacts, type SpanSliPredicate, type Verdict } from './facts-match.js';
export { sliMinutesQuery, type Granularity, type MinuteRow, type MinutesQuery } from './minutes.js';
export { metricBadBySeriesQuery, metricMinutesQuery, METRIC_NEIGHBOUR_SECONDS } from './metric-sli.js';
export { sliQuery } from './pick.js';
