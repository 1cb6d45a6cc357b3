/** lezer-promql node names → the AST's operators. */
import type { AggregateOp, BinaryOp, LabelMatcher } from './ast.js';

export const AGGREGATE_OPS: ReadonlyMap<string, AggregateOp> = new Map<string, AggregateOp>([
  ['Sum', 'sum'],
  ['Avg', 'avg'],
  ['Min', 'min'],
  ['Max', 'max'],
  ['Count', 'count'],
  ['Group', 'group'],
  ['Stddev', 'stddev'],
  ['Stdvar', 'stdvar'],
  ['Topk', 'topk'],
  ['Bottomk', 'bottomk'],
  ['Quantile', 'quantile'],
  ['CountValues', 'count_values'],
]);

export const BINARY_OPS: ReadonlyMap<string, BinaryOp> = new Map<string, BinaryOp>([
  ['Pow', '^'],
  ['Mul', '*'],
  ['Div', '/'],
  ['Mod', '%'],
  ['Atan2', 'atan2'],
  ['Add', '+'],
  ['Sub', '-'],
  ['Eql', '=='],
  ['Neq', '!='],
  ['Gtr', '>'],
  ['Lss', '<'],
  ['Gte', '>='],
  ['Lte', '<='],
  ['And', 'and'],
  ['Or', 'or'],
  ['Unless', 'unless'],
]);

export const MATCH_OPS: ReadonlyMap<string, LabelMatcher['type']> = new Map<string, LabelMatcher['type']>([
  ['EqlSingle', '='],
  ['Neq', '!='],
  ['EqlRegex', '=~'],
  ['NeqRegex', '!~'],
]);
