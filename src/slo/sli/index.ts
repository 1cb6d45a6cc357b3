/**
 * @module slo/sli
 * SLIs as queries: an SLO and its evaluation windows become one parameterized ClickHouse query
 * (the contract in query.ts), one builder per kind of SLI source.
 */
export * from './query.js';
export { metricSliQuery, thresholdInUnit } from './metric-sli.js';
export { spanSliQuery, globToRegex } from './span-sli.js';
export { logSliQuery } from './log-sli.js';
