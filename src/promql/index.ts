/**
 * @module promql
 * PromQL for Tollgate's Prometheus-compatible query API: parse with Prometheus' own grammar,
 * plan one select per selector against a SeriesSource, evaluate in memory with Prometheus 2.42
 * semantics, answer in the HTTP API's shapes.
 */
export type { Expr, LabelMatcher, VectorSelector } from './ast.js';
export { documentedType, instantVectorSelectors, valueTypeOf } from './ast.js';
export { PromqlError, type PromqlErrorType } from './errors.js';
export { formatSampleValue } from './format.js';
export { parsePromql } from './parse.js';
export { planSelects, type SelectorPlan } from './plan.js';
export {
  DEFAULT_MAX_SAMPLES, evaluateInstant, evaluatePrepared, evaluateRange, fetchSelected, MAX_RANGE_POINTS, prepareQuery,
  type EvalOptions, type PreparedQuery, type QueryTimes,
} from './evaluate.js';
export type { RangeSeries } from './values.js';
export type { QueryResult, SamplePair, Metric } from './result.js';
export type { SelectRequest, Series, SeriesSource } from './source.js';
export { matchesAll } from './matchers.js';
export { createMemorySource, type MemorySource } from './memory-source.js';
