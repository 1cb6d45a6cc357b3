/**
 * The semantic rules Prometheus' parser applies after parsing (promql/parser/parse.go checkAST,
 * newAggregateExpr), as pure functions over the AST. Each returns a problem and the position
 * Prometheus reports it at, or undefined when the node is valid.
 */
import {
  documentedType,
  isComparisonOp,
  isSetOp,
  valueTypeOf,
  type AggregateOp,
  type BinaryOp,
  type Expr,
  type ValueType,
  type VectorMatching,
} from './ast.js';
import { FUNCTIONS } from './signatures.js';

export interface Problem {
  pos: number;
  problem: string;
}

const AGGREGATES_WITH_PARAM: ReadonlySet<AggregateOp> = new Set(['topk', 'bottomk', 'quantile', 'count_values']);

export function expectType(e: Expr, want: ValueType, context: string): Problem | undefined {
  const got = valueTypeOf(e);
  if (got === want) return undefined;
  return { pos: e.pos.start, problem: `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}` };
}

export interface BinaryParts {
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** `undefined` when the expression has no on/ignoring clause. */
  matching: VectorMatching | undefined;
  /** Start of the whole expression and of the operator. */
  startPos: number;
  opPos: number;
}

/** Checks a binary expression and settles its matching: many-to-many for set operators, none unless both sides are vectors. */
export function checkBinary(b: BinaryParts): { matching: VectorMatching | undefined } | Problem {
  const { op, lhs, rhs, returnBool, opPos, startPos } = b;
  let matching: VectorMatching = b.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
  const lt = valueTypeOf(lhs);
  const rt = valueTypeOf(rhs);
  if (returnBool && !isComparisonOp(op)) return { pos: opPos, problem: 'bool modifier can only be used on comparison operators' };
  if (isComparisonOp(op) && !returnBool && lt === 'scalar' && rt === 'scalar') {
    return { pos: opPos, problem: 'comparisons between scalars must use BOOL modifier' };
  }
  if (isSetOp(op) && matching.card === 'one-to-one') matching = { ...matching, card: 'many-to-many' };
  if (matching.on) {
    const inBoth = matching.labels.find((l) => matching.include.includes(l));
    if (inBoth !== undefined) return { pos: opPos, problem: `label ${JSON.stringify(inBoth)} must not occur in ON and GROUP clause at once` };
  }
  if (lt !== 'scalar' && lt !== 'vector') return { pos: lhs.pos.start, problem: 'binary expression must contain only scalar and instant vector types' };
  if (rt !== 'scalar' && rt !== 'vector') return { pos: rhs.pos.start, problem: 'binary expression must contain only scalar and instant vector types' };
  if (lt !== 'vector' || rt !== 'vector') {
    if (b.matching !== undefined && matching.labels.length > 0) return { pos: startPos, problem: 'vector matching only allowed between instant vectors' };
    if (isSetOp(op)) return { pos: startPos, problem: `set operator ${JSON.stringify(op)} not allowed in binary scalar expression` };
    return { matching: undefined };
  }
  if (isSetOp(op) && (matching.card === 'one-to-many' || matching.card === 'many-to-one')) {
    return { pos: startPos, problem: `no grouping allowed for ${JSON.stringify(op)} operation` };
  }
  return { matching };
}

/** Arity and argument types of a function call (name already known to be supported). */
export function checkCall(name: string, args: readonly Expr[], callPos: number): Problem | undefined {
  const sig = FUNCTIONS.get(name);
  if (sig === undefined) return { pos: callPos, problem: `unknown function with name ${JSON.stringify(name)}` };
  const nargs = sig.argTypes.length;
  const quoted = JSON.stringify(name);
  if (sig.variadic === 0) {
    if (nargs !== args.length) return { pos: callPos, problem: `expected ${nargs} argument(s) in call to ${quoted}, got ${args.length}` };
  } else {
    const min = nargs - 1;
    if (min > args.length) return { pos: callPos, problem: `expected at least ${min} argument(s) in call to ${quoted}, got ${args.length}` };
    if (sig.variadic > 0 && min + sig.variadic < args.length) {
      return { pos: callPos, problem: `expected at most ${min + sig.variadic} argument(s) in call to ${quoted}, got ${args.length}` };
    }
  }
  for (const [i, arg] of args.entries()) {
    const p = expectType(arg, sig.argTypes[Math.min(i, nargs - 1)] as ValueType, `call to function ${quoted}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** Argument count and types of an aggregation; splits the arguments into parameter and operand. */
export function checkAggregate(op: AggregateOp, args: readonly Expr[], aggPos: number): { param: Expr | undefined; expr: Expr } | Problem {
  if (args.length === 0) return { pos: aggPos, problem: 'no arguments for aggregate expression provided' };
  const wanted = AGGREGATES_WITH_PARAM.has(op) ? 2 : 1;
  if (args.length !== wanted) {
    return { pos: aggPos, problem: `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}` };
  }
  const param = wanted === 2 ? args[0] : undefined;
  const expr = args[wanted - 1] as Expr;
  const p =
    expectType(expr, 'vector', 'aggregation expression') ??
    (param === undefined ? undefined : expectType(param, op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter'));
  return p ?? { param, expr };
}

export const isProblem = (x: object): x is Problem => 'problem' in x;
