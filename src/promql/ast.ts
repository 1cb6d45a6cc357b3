/**
 * The typed PromQL AST Tollgate evaluates. It follows Prometheus' promql/parser node types, minus
 * what the engine adds at run time (StepInvariantExpr, resolved offsets): `at` stays symbolic until
 * a query's start and end are known.
 */

export interface LabelMatcher {
  name: string;
  type: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** Byte offsets into the query text, for error messages. */
export interface PosRange {
  start: number;
  end: number;
}

/** `@ <seconds>` (kept in ms), `@ start()` or `@ end()`. */
export type AtModifier = { kind: 'timestamp'; ms: number } | { kind: 'start' } | { kind: 'end' };

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface NumberLiteral {
  kind: 'number';
  value: number;
  pos: PosRange;
}

export interface StringLiteral {
  kind: 'string';
  value: string;
  pos: PosRange;
}

export interface VectorSelector {
  kind: 'vectorSelector';
  /** The metric name written before the braces, if any; it is also in `matchers` as `__name__`. */
  name: string | undefined;
  matchers: LabelMatcher[];
  offsetMs: number;
  at: AtModifier | undefined;
  pos: PosRange;
}

export interface MatrixSelector {
  kind: 'matrixSelector';
  /** Offset and `@` of a range selector live on its vector selector, as in Prometheus. */
  selector: VectorSelector;
  rangeMs: number;
  pos: PosRange;
}

export interface SubqueryExpr {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** Undefined for `[5m:]`: the engine's default subquery step applies. */
  stepMs: number | undefined;
  offsetMs: number;
  at: AtModifier | undefined;
  pos: PosRange;
}

export interface Call {
  kind: 'call';
  func: string;
  args: Expr[];
  pos: PosRange;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export interface AggregateExpr {
  kind: 'aggregate';
  op: AggregateOp;
  /** k for topk/bottomk, φ for quantile, the label name for count_values. */
  param: Expr | undefined;
  expr: Expr;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** true for `on(...)`, false for `ignoring(...)` or no clause. */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side by `group_left(...)` / `group_right(...)`. */
  include: string[];
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Only when both sides are instant vectors. */
  matching: VectorMatching | undefined;
  pos: PosRange;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '+' | '-';
  expr: Expr;
  pos: PosRange;
}

export interface ParenExpr {
  kind: 'paren';
  expr: Expr;
  pos: PosRange;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export const isComparisonOp = (op: BinaryOp): op is ComparisonOp =>
  op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';

export const isSetOp = (op: BinaryOp): op is SetOp => op === 'and' || op === 'or' || op === 'unless';

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** The value type an expression yields (Prometheus' Expr.Type()). */
export function valueTypeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'call':
      return functionReturnType(e.func);
    case 'aggregate':
      return 'vector';
    case 'binary':
      return valueTypeOf(e.lhs) === 'scalar' && valueTypeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return valueTypeOf(e.expr);
    default:
      return assertNever(e);
  }
}

const SCALAR_FUNCTIONS = new Set(['pi', 'scalar', 'time']);
const functionReturnType = (name: string): ValueType => (SCALAR_FUNCTIONS.has(name) ? 'scalar' : 'vector');

/** Prometheus' DocumentedType, used in its error messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

/** Drops parentheses, as the engine's unwrapParenExpr does before looking at an argument's kind. */
export function unwrapParens(e: Expr): Expr {
  let cur = e;
  while (cur.kind === 'paren') cur = cur.expr;
  return cur;
}

/** The vector selectors read at an instant (not the ones inside `x[5m]`), in the order written. */
export function instantVectorSelectors(e: Expr): VectorSelector[] {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'matrixSelector':
      return [];
    case 'vectorSelector':
      return [e];
    case 'subquery':
    case 'unary':
    case 'paren':
      return instantVectorSelectors(e.expr);
    case 'call':
      return e.args.flatMap(instantVectorSelectors);
    case 'aggregate':
      return [...(e.param === undefined ? [] : instantVectorSelectors(e.param)), ...instantVectorSelectors(e.expr)];
    case 'binary':
      return [...instantVectorSelectors(e.lhs), ...instantVectorSelectors(e.rhs)];
    default:
      return assertNever(e);
  }
}
