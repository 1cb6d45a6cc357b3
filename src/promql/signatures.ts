/**
 * The functions Tollgate evaluates, with Prometheus 2.42's argument types (promql/parser/functions.go).
 * `variadic` as there: 0 fixed arity, 1 the last argument is optional, -1 the last repeats.
 */
import type { ValueType } from './ast.js';

export interface FunctionSignature {
  argTypes: readonly ValueType[];
  variadic: 0 | 1 | -1;
  returnType: ValueType;
}

const v = (...argTypes: ValueType[]): FunctionSignature => ({ argTypes, variadic: 0, returnType: 'vector' });
const optional = (...argTypes: ValueType[]): FunctionSignature => ({ argTypes, variadic: 1, returnType: 'vector' });

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ['abs', v('vector')],
  ['absent', v('vector')],
  ['absent_over_time', v('matrix')],
  ['acos', v('vector')],
  ['acosh', v('vector')],
  ['asin', v('vector')],
  ['asinh', v('vector')],
  ['atan', v('vector')],
  ['atanh', v('vector')],
  ['avg_over_time', v('matrix')],
  ['ceil', v('vector')],
  ['changes', v('matrix')],
  ['clamp', v('vector', 'scalar', 'scalar')],
  ['clamp_max', v('vector', 'scalar')],
  ['clamp_min', v('vector', 'scalar')],
  ['cos', v('vector')],
  ['cosh', v('vector')],
  ['count_over_time', v('matrix')],
  ['days_in_month', optional('vector')],
  ['day_of_month', optional('vector')],
  ['day_of_week', optional('vector')],
  ['day_of_year', optional('vector')],
  ['deg', v('vector')],
  ['delta', v('matrix')],
  ['deriv', v('matrix')],
  ['exp', v('vector')],
  ['floor', v('vector')],
  ['histogram_quantile', v('scalar', 'vector')],
  ['hour', optional('vector')],
  ['idelta', v('matrix')],
  ['increase', v('matrix')],
  ['irate', v('matrix')],
  ['label_replace', v('vector', 'string', 'string', 'string', 'string')],
  ['label_join', { argTypes: ['vector', 'string', 'string', 'string'], variadic: -1, returnType: 'vector' }],
  ['last_over_time', v('matrix')],
  ['ln', v('vector')],
  ['log10', v('vector')],
  ['log2', v('vector')],
  ['max_over_time', v('matrix')],
  ['min_over_time', v('matrix')],
  ['minute', optional('vector')],
  ['month', optional('vector')],
  ['pi', { argTypes: [], variadic: 0, returnType: 'scalar' }],
  ['predict_linear', v('matrix', 'scalar')],
  ['present_over_time', v('matrix')],
  ['quantile_over_time', v('scalar', 'matrix')],
  ['rad', v('vector')],
  ['rate', v('matrix')],
  ['resets', v('matrix')],
  ['round', optional('vector', 'scalar')],
  ['scalar', { argTypes: ['vector'], variadic: 0, returnType: 'scalar' }],
  ['sgn', v('vector')],
  ['sin', v('vector')],
  ['sinh', v('vector')],
  ['sort', v('vector')],
  ['sort_desc', v('vector')],
  ['sqrt', v('vector')],
  ['stddev_over_time', v('matrix')],
  ['stdvar_over_time', v('matrix')],
  ['sum_over_time', v('matrix')],
  ['tan', v('vector')],
  ['tanh', v('vector')],
  ['time', { argTypes: [], variadic: 0, returnType: 'scalar' }],
  ['timestamp', v('vector')],
  ['vector', v('scalar')],
  ['year', optional('vector')],
]);

/**
 * Functions the grammar knows that Tollgate refuses: native-histogram functions (Tollgate stores
 * classic `le` buckets only) and functions newer than Prometheus 2.42 whose semantics it does not follow.
 */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'histogram_avg',
  'histogram_count',
  'histogram_fraction',
  'histogram_quantiles',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_sum',
  'holt_winters',
  'double_exponential_smoothing',
  'info',
  'mad_over_time',
  'first_over_time',
  'ts_of_first_over_time',
  'ts_of_last_over_time',
  'ts_of_max_over_time',
  'ts_of_min_over_time',
  'sort_by_label',
  'sort_by_label_desc',
  'start_timestamp',
  'step',
  'range',
]);

/**
 * Functions whose value depends on the evaluation time even when their arguments do not
 * (engine's AtModifierUnsafeFunctions): they are never evaluated once and repeated.
 */
export const TIME_DEPENDENT_FUNCTIONS: ReadonlySet<string> = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);
