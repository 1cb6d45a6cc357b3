/**
 * PromQL text → typed AST. The grammar is Prometheus' own (`@prometheus-io/lezer-promql`), which
 * never throws and does no semantic checks, so this module reports its error nodes and then does
 * what Prometheus' parser does after parsing (promql/parser/parse.go checkAST): types, arity,
 * modifier placement. Messages and positions follow Prometheus (`1:6: parse error: …`).
 */
import { parser } from '@prometheus-io/lezer-promql';
import {
  documentedType,
  isComparisonOp,
  isSetOp,
  valueTypeOf,
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type PosRange,
  type ValueType,
  type VectorMatching,
} from './ast.js';
import { parseError, PromqlError, unsupported } from './errors.js';
import { METRIC_NAME } from './labels.js';
import { parseDurationMs, parseNumberLiteral, unquoteWithReason } from './literals.js';
import { compileAnchored } from './regex.js';
import { FUNCTIONS, UNSUPPORTED_FUNCTIONS } from './signatures.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const AGGREGATE_OPS: ReadonlyMap<string, AggregateOp> = new Map<string, AggregateOp>([
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
const AGGREGATES_WITH_PARAM: ReadonlySet<AggregateOp> = new Set(['topk', 'bottomk', 'quantile', 'count_values']);

const BINARY_OPS: ReadonlyMap<string, BinaryOp> = new Map<string, BinaryOp>([
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

const MATCH_OPS: ReadonlyMap<string, LabelMatcher['type']> = new Map<string, LabelMatcher['type']>([
  ['EqlSingle', '='],
  ['Neq', '!='],
  ['EqlRegex', '=~'],
  ['NeqRegex', '!~'],
]);

/** Parses a PromQL expression; throws PromqlError (bad_data) with Prometheus-style messages. */
export function parsePromql(query: string): Expr {
  return new Converter(query).run();
}

class Converter {
  constructor(private readonly q: string) {}

  run(): Expr {
    const tree = parser.parse(this.q);
    this.reportSyntaxError(tree.topNode);
    const top = this.children(tree.topNode);
    const first = top[0];
    if (first === undefined) throw this.err(0, 'no expression found in input');
    if (top.length > 1) throw this.err((top[1] as SyntaxNode).from, `unexpected ${this.describe(top[1] as SyntaxNode)}`);
    return this.expr(first);
  }

  // --- syntax errors -------------------------------------------------------------------------

  private reportSyntaxError(top: SyntaxNode): void {
    let firstError: SyntaxNode | undefined;
    let unterminated: SyntaxNode | undefined;
    top.cursor().iterate((ref) => {
      if (firstError !== undefined) return false;
      if (ref.type.isError) {
        firstError = ref.node;
        return false;
      }
      // The grammar lets a string literal run to the end of the line without its closing quote.
      if (ref.name === 'StringLiteral' && unterminated === undefined) {
        const r = unquoteWithReason(this.q.slice(ref.from, ref.to));
        if (typeof r !== 'string' && r.problem === 'unterminated quoted string') unterminated = ref.node;
      }
      return true;
    });
    if (unterminated !== undefined) throw this.err(unterminated.from, 'unterminated quoted string');
    if (firstError === undefined) return;
    // The grammar knows a fixed list of function names; any other name followed by "(" ends up
    // as an identifier next to an error node.
    const prev = firstError.prevSibling;
    if (prev !== null && prev.name === 'Identifier' && this.text(firstError).startsWith('(')) {
      const name = this.text(prev);
      if (UNSUPPORTED_FUNCTIONS.has(name)) throw unsupported(name);
      throw this.err(prev.from, `unknown function with name ${JSON.stringify(name)}`);
    }
    if (firstError.from >= this.q.trimEnd().length) throw this.err(firstError.from, endOfInputProblem(this.q));
    throw this.err(firstError.from, `unexpected ${this.describe(firstError)}`);
  }

  /** Names the offending token the way Prometheus' lexer items print (`identifier "y"`, `<op:*>`). */
  private describe(n: SyntaxNode): string {
    const rest = this.q.slice(n.from).trimStart();
    if (rest === '') return 'end of input';
    const token =
      /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*|\d[\w.]*(?:[eE][+-]?\d+)?|\.\d+|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?|==|!=|>=|<=|=~|!~|.)/s.exec(rest);
    const t = (token?.[0] ?? rest[0]) as string;
    if (t.startsWith(':')) return "colon ':'";
    if (/^[a-zA-Z_:]/.test(t)) return `identifier ${JSON.stringify(t)}`;
    if (/^[\d.]/.test(t) && t !== '.') return /[a-zA-Z]$/.test(t) && !/^0x/i.test(t) ? `duration ${JSON.stringify(t)}` : `number ${JSON.stringify(t)}`;
    if (/^["'`]/.test(t)) return `string ${JSON.stringify(t)}`;
    if (/^(?:[-+*/%^<>@]|==|!=|>=|<=|=~|!~|=)$/.test(t)) return `<op:${t}>`;
    return JSON.stringify(t);
  }

  // --- helpers -------------------------------------------------------------------------------

  private err(pos: number, problem: string): PromqlError {
    return parseError(this.q, pos, problem);
  }

  private text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  private pos(n: SyntaxNode): PosRange {
    return { start: n.from, end: n.to };
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
    return out;
  }

  private child(n: SyntaxNode, i: number): SyntaxNode {
    const c = this.children(n)[i];
    if (c === undefined) throw this.err(n.to, 'unexpected end of input');
    return c;
  }

  private string(n: SyntaxNode): string {
    const value = unquoteWithReason(this.text(n));
    if (typeof value !== 'string') throw this.err(n.from, value.problem);
    return value;
  }

  // --- expressions ---------------------------------------------------------------------------

  private expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(this.child(n, 0)), pos: this.pos(n) };
      case 'NumberDurationLiteral': {
        const value = parseNumberLiteral(this.text(n));
        if (value === undefined) throw this.err(n.from, `error parsing number: ${this.text(n)}`);
        return { kind: 'number', value, pos: this.pos(n) };
      }
      case 'StringLiteral':
        return { kind: 'string', value: this.string(n), pos: this.pos(n) };
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'MatrixSelector':
        return this.matrixSelector(n);
      case 'SubqueryExpr':
        return this.subquery(n);
      case 'OffsetExpr':
        return this.offset(n);
      case 'StepInvariantExpr':
        return this.at(n);
      case 'UnaryExpr':
        return this.unary(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'AnchoredExpr':
        throw unsupported('anchored');
      case 'SmoothedExpr':
        throw unsupported('smoothed');
      default:
        throw this.err(n.from, `unexpected ${this.describe(n)}`);
    }
  }

  private vectorSelector(n: SyntaxNode): Expr {
    let name: string | undefined;
    const matchers: LabelMatcher[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'Identifier') name = this.text(c);
      else if (c.name === 'LabelMatchers') for (const m of this.children(c)) matchers.push(this.matcher(m));
    }
    if (name !== undefined) {
      const dup = matchers.find((m) => m.name === METRIC_NAME);
      if (dup !== undefined) {
        throw this.err(n.from, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(dup.value)}`);
      }
      matchers.push({ name: METRIC_NAME, type: '=', value: name });
    } else if (!matchers.some((m) => !matchesEmpty(m))) {
      // Prometheus refuses selectors that would select every series (e.g. a typo'd `{job=~".*"}`).
      throw this.err(n.from, 'vector selector must contain at least one non-empty matcher');
    }
    return { kind: 'vectorSelector', name, matchers, offsetMs: 0, at: undefined, pos: this.pos(n) };
  }

  private matcher(n: SyntaxNode): LabelMatcher {
    const parts = this.children(n);
    if (n.name === 'QuotedLabelName') {
      // `{"metric.name"}`: a quoted metric name (Prometheus 3 syntax).
      return { name: METRIC_NAME, type: '=', value: this.string(this.child(n, 0)) };
    }
    const [labelNode, opNode, valueNode] = parts;
    if (labelNode === undefined || opNode === undefined || valueNode === undefined) {
      throw this.err(n.from, `unexpected ${this.describe(n)}`);
    }
    const name = labelNode.name === 'QuotedLabelName' ? this.string(this.child(labelNode, 0)) : this.text(labelNode);
    const type = MATCH_OPS.get(this.child(opNode, 0).name);
    if (type === undefined) throw this.err(opNode.from, `unexpected ${this.describe(opNode)}`);
    const value = this.string(valueNode);
    if (type === '=~' || type === '!~') {
      try {
        compileAnchored(value);
      } catch (e) {
        if (e instanceof PromqlError && !e.message.startsWith('unsupported:')) throw this.err(labelNode.from, e.message);
        throw e;
      }
    }
    return { name, type, value };
  }

  private matrixSelector(n: SyntaxNode): Expr {
    const innerNode = this.child(n, 0);
    const inner = this.expr(innerNode);
    const bracket = this.q.indexOf('[', innerNode.to); // Prometheus points at the range
    if (inner.kind !== 'vectorSelector') throw this.err(bracket, 'ranges only allowed for vector selectors');
    if (inner.offsetMs !== 0) throw this.err(bracket, 'no offset modifiers allowed before range');
    if (inner.at !== undefined) throw this.err(bracket, 'no @ modifiers allowed before range');
    return { kind: 'matrixSelector', selector: inner, rangeMs: this.duration(this.child(n, 1)), pos: this.pos(n) };
  }

  private subquery(n: SyntaxNode): Expr {
    const parts = this.children(n);
    const inner = this.expr(this.child(n, 0));
    const t = valueTypeOf(inner);
    if (t !== 'vector') throw this.err(n.from, `subquery is only allowed on instant vector, got ${t} instead`);
    const rangeMs = this.duration(this.child(n, 1));
    const stepNode = parts[2];
    const stepMs = stepNode === undefined ? undefined : this.duration(stepNode);
    return { kind: 'subquery', expr: inner, rangeMs, stepMs, offsetMs: 0, at: undefined, pos: this.pos(n) };
  }

  /** A range or step: `5m`, `1h30m`; a bare number means seconds (as in Prometheus 3). */
  private duration(n: SyntaxNode): number {
    const parts = this.children(n);
    const lit = parts[0];
    if (parts.length !== 1 || lit === undefined || lit.name !== 'NumberDurationLiteralInDurationContext') {
      throw unsupported('duration expressions');
    }
    const text = this.text(lit);
    let ms = parseDurationMs(text);
    if (ms === undefined) {
      const seconds = parseNumberLiteral(text);
      if (seconds === undefined || !Number.isFinite(seconds)) throw this.err(lit.from, `not a valid duration string: ${JSON.stringify(text)}`);
      ms = Math.round(seconds * 1000);
    }
    if (ms <= 0) throw this.err(lit.from, 'duration must be greater than 0');
    return ms;
  }

  private offset(n: SyntaxNode): Expr {
    const target = this.expr(this.child(n, 0));
    let sign = 1;
    let d = this.child(n, 2); // OffsetDurationExpr
    for (;;) {
      const parts = this.children(d);
      const first = parts[0];
      if (first?.name === 'UnaryOp' && parts[1] !== undefined) {
        if (this.text(first) === '-') sign = -sign;
        d = parts[1];
        continue;
      }
      break;
    }
    const ms = sign * this.duration(d);
    const bound = modifierTarget(target);
    const selector = bound.kind === 'matrixSelector' ? bound.selector : bound;
    if (selector.kind !== 'vectorSelector' && selector.kind !== 'subquery') {
      throw this.err(
        target.pos.start,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    }
    if (selector.offsetMs !== 0) throw this.err(target.pos.start, 'offset may not be set multiple times');
    selector.offsetMs = ms;
    return withEnd(target, n.to);
  }

  private at(n: SyntaxNode): Expr {
    const target = this.expr(this.child(n, 0));
    const spec = this.child(n, 2);
    let at: AtModifier;
    if (spec.name === 'AtModifierPreprocessors') {
      at = this.child(spec, 0).name === 'AtStart' ? { kind: 'start' } : { kind: 'end' };
    } else {
      const seconds = parseNumberLiteral(this.text(spec));
      if (seconds === undefined || !Number.isFinite(seconds) || Math.abs(seconds) >= 9.2e15) {
        throw this.err(target.pos.start, `timestamp out of bounds for @ modifier: ${this.text(spec)}`);
      }
      at = { kind: 'timestamp', ms: goRound(seconds * 1000) };
    }
    const bound = modifierTarget(target);
    const selector = bound.kind === 'matrixSelector' ? bound.selector : bound;
    if (selector.kind !== 'vectorSelector' && selector.kind !== 'subquery') {
      throw this.err(
        target.pos.start,
        '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    }
    if (selector.at !== undefined) throw this.err(target.pos.start, '@ <timestamp> may not be set multiple times');
    selector.at = at;
    return withEnd(target, n.to);
  }

  private unary(n: SyntaxNode): Expr {
    const op = this.text(this.child(n, 0)) === '-' ? '-' : '+';
    const inner = this.expr(this.child(n, 1));
    const t = valueTypeOf(inner);
    if (t !== 'scalar' && t !== 'vector') {
      throw this.err(n.from, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`);
    }
    // Prometheus folds a sign into a number literal.
    if (inner.kind === 'number') return { kind: 'number', value: op === '-' ? -inner.value : inner.value, pos: this.pos(n) };
    return { kind: 'unary', op, expr: inner, pos: this.pos(n) };
  }

  private binary(n: SyntaxNode): Expr {
    const parts = this.children(n);
    const [lhsNode, opNode] = parts;
    const rhsNode = parts[parts.length - 1];
    if (lhsNode === undefined || opNode === undefined || rhsNode === undefined || parts.length < 3) {
      throw this.err(n.to, 'unexpected end of input');
    }
    if (opNode.name === 'TrimUpper' || opNode.name === 'TrimLower') throw unsupported(`${this.text(opNode)} operator`);
    const op = BINARY_OPS.get(opNode.name);
    if (op === undefined) throw this.err(opNode.from, `unexpected ${this.describe(opNode)}`);

    // In Prometheus a leading sign binds looser than `^` (`-1 ^ 2` is -(1 ^ 2)); the grammar
    // reads `-1` as one literal, so undo that here.
    const lhsText = this.text(lhsNode);
    if (op === '^' && lhsNode.name === 'NumberDurationLiteral' && (lhsText.startsWith('-') || lhsText.startsWith('+'))) {
      const unsigned = parseNumberLiteral(lhsText.slice(1));
      if (unsigned === undefined) throw this.err(lhsNode.from, `error parsing number: ${lhsText}`);
      const pow = this.binaryFrom(n, op, { kind: 'number', value: unsigned, pos: { start: lhsNode.from + 1, end: lhsNode.to } }, parts);
      if (lhsText.startsWith('+')) return pow;
      return { kind: 'unary', op: '-', expr: pow, pos: this.pos(n) };
    }
    return this.binaryFrom(n, op, this.expr(lhsNode), parts);
  }

  private binaryFrom(n: SyntaxNode, op: BinaryOp, lhs: Expr, parts: SyntaxNode[]): Expr {
    const rhs = this.expr(parts[parts.length - 1] as SyntaxNode);
    let returnBool = false;
    let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let hasMatchingClause = false;
    for (const m of parts.slice(2, -1)) {
      if (m.name === 'BoolModifier') returnBool = true;
      else if (m.name === 'MatchingModifierClause') {
        hasMatchingClause = true;
        matching = this.matching(m);
      } else if (m.name === 'FillModifier') throw unsupported('fill modifiers');
      else throw this.err(m.from, `unexpected ${this.describe(m)}`);
    }
    const opPos = (parts[1] as SyntaxNode).from;
    const lt = valueTypeOf(lhs);
    const rt = valueTypeOf(rhs);
    if (returnBool && !isComparisonOp(op)) throw this.err(opPos, 'bool modifier can only be used on comparison operators');
    if (isComparisonOp(op) && !returnBool && lt === 'scalar' && rt === 'scalar') {
      throw this.err(opPos, 'comparisons between scalars must use BOOL modifier');
    }
    if (isSetOp(op) && matching.card === 'one-to-one') matching = { ...matching, card: 'many-to-many' };
    if (matching.on) {
      const inBoth = matching.labels.find((l) => matching.include.includes(l));
      if (inBoth !== undefined) throw this.err(opPos, `label ${JSON.stringify(inBoth)} must not occur in ON and GROUP clause at once`);
    }
    if (lt !== 'scalar' && lt !== 'vector') throw this.err(lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    if (rt !== 'scalar' && rt !== 'vector') throw this.err(rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    let finalMatching: VectorMatching | undefined = matching;
    if (lt !== 'vector' || rt !== 'vector') {
      if (hasMatchingClause && matching.labels.length > 0) throw this.err(n.from, 'vector matching only allowed between instant vectors');
      finalMatching = undefined;
    } else if (isSetOp(op)) {
      if (matching.card === 'one-to-many' || matching.card === 'many-to-one') {
        throw this.err(n.from, `no grouping allowed for ${JSON.stringify(op)} operation`);
      }
    }
    if ((lt === 'scalar' || rt === 'scalar') && isSetOp(op)) {
      throw this.err(n.from, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, matching: finalMatching, pos: this.pos(n) };
  }

  private matching(n: SyntaxNode): VectorMatching {
    let on = false;
    let labels: string[] = [];
    let include: string[] = [];
    let card: VectorMatching['card'] = 'one-to-one';
    let afterGroup = false;
    for (const c of this.children(n)) {
      switch (c.name) {
        case 'On':
          on = true;
          break;
        case 'Ignoring':
          on = false;
          break;
        case 'GroupLeft':
          card = 'many-to-one';
          afterGroup = true;
          break;
        case 'GroupRight':
          card = 'one-to-many';
          afterGroup = true;
          break;
        case 'GroupingLabels':
          if (afterGroup) include = this.groupingLabels(c);
          else labels = this.groupingLabels(c);
          break;
        default:
          throw this.err(c.from, `unexpected ${this.describe(c)}`);
      }
    }
    return { card, on, labels, include };
  }

  private groupingLabels(n: SyntaxNode): string[] {
    return this.children(n).map((c) => (c.name === 'QuotedLabelName' ? this.string(this.child(c, 0)) : this.text(c)));
  }

  private call(n: SyntaxNode): Expr {
    const name = this.text(this.child(n, 0));
    if (UNSUPPORTED_FUNCTIONS.has(name)) throw unsupported(name);
    const sig = FUNCTIONS.get(name);
    if (sig === undefined) throw this.err(n.from, `unknown function with name ${JSON.stringify(name)}`);
    const args = this.children(this.child(n, 1)).map((a) => this.expr(a));
    const nargs = sig.argTypes.length;
    if (sig.variadic === 0) {
      if (nargs !== args.length) throw this.err(n.from, `expected ${nargs} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
    } else {
      const min = nargs - 1;
      if (min > args.length) throw this.err(n.from, `expected at least ${min} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      if (sig.variadic > 0 && min + sig.variadic < args.length) {
        throw this.err(n.from, `expected at most ${min + sig.variadic} argument(s) in call to ${JSON.stringify(name)}, got ${args.length}`);
      }
    }
    args.forEach((arg, i) => {
      const want = sig.argTypes[Math.min(i, nargs - 1)] as ValueType;
      this.expectType(arg, want, `call to function ${JSON.stringify(name)}`);
    });
    return { kind: 'call', func: name, args, pos: this.pos(n) };
  }

  private aggregate(n: SyntaxNode): Expr {
    let op: AggregateOp | undefined;
    let grouping: string[] = [];
    let without = false;
    let args: Expr[] | undefined;
    for (const c of this.children(n)) {
      if (c.name === 'AggregateOp') {
        const opName = this.child(c, 0).name;
        if (opName === 'LimitK') throw unsupported('limitk');
        if (opName === 'LimitRatio') throw unsupported('limit_ratio');
        op = AGGREGATE_OPS.get(opName);
      } else if (c.name === 'AggregateModifier') {
        without = this.child(c, 0).name === 'Without';
        grouping = this.groupingLabels(this.child(c, 1));
      } else if (c.name === 'FunctionCallBody') {
        args = this.children(c).map((a) => this.expr(a));
      }
    }
    if (op === undefined || args === undefined) throw this.err(n.from, `unexpected ${this.describe(n)}`);
    if (args.length === 0) throw this.err(n.from, 'no arguments for aggregate expression provided');
    const wanted = AGGREGATES_WITH_PARAM.has(op) ? 2 : 1;
    if (args.length !== wanted) {
      throw this.err(n.from, `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`);
    }
    const param = wanted === 2 ? args[0] : undefined;
    const expr = args[wanted - 1] as Expr;
    this.expectType(expr, 'vector', 'aggregation expression');
    if (param !== undefined) this.expectType(param, op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
    return { kind: 'aggregate', op, param, expr, grouping, without, pos: this.pos(n) };
  }

  private expectType(e: Expr, want: ValueType, context: string): void {
    const got = valueTypeOf(e);
    if (got !== want) throw this.err(e.pos.start, `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`);
  }
}

/** Whether a matcher also selects series that lack the label (Prometheus' Matcher.Matches("")). */
function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return compileAnchored(m.value).test('');
    case '!~':
      return !compileAnchored(m.value).test('');
  }
}

/**
 * Prometheus' lexer complains about the innermost bracket left open at the end of the input;
 * strings and comments do not count.
 */
function endOfInputProblem(q: string): string {
  const open: string[] = [];
  for (let i = 0; i < q.length; i++) {
    const c = q[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < q.length && q[i] !== c; i++) if (q[i] === '\\' && c !== '`') i++;
    } else if (c === '#') {
      while (i < q.length && q[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      open.push(c);
    } else if (c === ')' || c === ']' || c === '}') {
      open.pop();
    }
  }
  switch (open[open.length - 1]) {
    case '(':
      return 'unclosed left parenthesis';
    case '[':
      return 'unclosed left bracket';
    case '{':
      return 'unexpected end of input inside braces';
    default:
      return 'unexpected end of input';
  }
}

/** Go's math.Round (half away from zero), as timestamp.FromFloatSeconds uses. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function withEnd<T extends Expr>(e: T, end: number): T {
  return { ...e, pos: { start: e.pos.start, end } };
}

/**
 * lezer-promql binds `offset` and `@` looser than operators (`a - b offset 5m` arrives as
 * `(a - b) offset 5m`); Prometheus' grammar gives them the highest precedence, so they belong to
 * the nearest operand on their left: the right-hand side of a binary expression, the operand of a
 * unary one. Parentheses stop the descent, as in Prometheus (`(a - b) offset 5m` is an error).
 */
function modifierTarget(e: Expr): Expr {
  if (e.kind === 'binary') return modifierTarget(e.rhs);
  if (e.kind === 'unary') return modifierTarget(e.expr);
  return e;
}
