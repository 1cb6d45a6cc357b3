/**
 * PromQL text → typed AST. The grammar is Prometheus' own (`@prometheus-io/lezer-promql`); it
 * never throws and does no semantic checks, so this module reports its error nodes
 * (parse-errors.ts), applies Prometheus' checkAST rules (parse-checks.ts) and fixes the places
 * where the grammar groups differently from Prometheus' parser. Messages and positions follow
 * Prometheus (`1:6: parse error: …`).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { valueTypeOf, type AggregateOp, type AtModifier, type Expr, type LabelMatcher, type PosRange, type VectorMatching } from './ast.js';
import { parseError, PromqlError, unsupported } from './errors.js';
import { METRIC_NAME } from './labels.js';
import { parseDurationMs, parseNumberLiteral, unquoteWithReason } from './literals.js';
import { checkAggregate, checkBinary, checkCall, isProblem, type Problem } from './parse-checks.js';
import { describeToken, findSyntaxError, type SyntaxNode } from './parse-errors.js';
import { AGGREGATE_OPS, BINARY_OPS, MATCH_OPS } from './grammar-names.js';
import { compileAnchored } from './regex.js';
import { matchesEmpty } from './matchers.js';
import { UNSUPPORTED_FUNCTIONS } from './signatures.js';

/**
 * A suffix (`[5m]`, `[5m:1m]`, `offset 5m`, `@ t`) waiting for its operand. lezer-promql binds
 * suffixes looser than operators (`a - b[5m:1m]` arrives as `(a - b)[5m:1m]`); Prometheus binds
 * them to the nearest operand on their left, so a suffix is carried down the right-hand side of
 * binary and unary expressions to the operand it belongs to. Parentheses stop the descent, as in
 * Prometheus (`(a - b)[5m:1m]` is a subquery of the difference).
 */
type Suffix = (operand: Expr) => Expr;

/** Parses a PromQL expression; throws PromqlError (bad_data) with Prometheus-style messages. */
export function parsePromql(query: string): Expr {
  return new Converter(query).run();
}

class Converter {
  constructor(private readonly q: string) {}

  run(): Expr {
    const tree = parser.parse(this.q);
    const syntax = findSyntaxError(tree.topNode, this.q);
    if (syntax !== undefined) throw syntax;
    const top = this.children(tree.topNode);
    const first = top[0];
    if (first === undefined) throw this.err(0, 'no expression found in input');
    const extra = top[1];
    if (extra !== undefined) throw this.err(extra.from, `unexpected ${describeToken(this.q, extra.from)}`);
    return this.expr(first);
  }

  // --- helpers -------------------------------------------------------------------------------

  private err(pos: number, problem: string): PromqlError {
    return parseError(this.q, pos, problem);
  }

  private check<T extends object>(result: T | Problem | undefined): T | undefined {
    if (result !== undefined && isProblem(result)) throw this.err(result.pos, result.problem);
    return result;
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

  private expr(n: SyntaxNode, outer?: Suffix): Expr {
    const own = this.suffixOf(n);
    if (own !== undefined) {
      // Inner suffix first: in `b offset 1m [5m:1m]` the offset belongs to b, the subquery to the result.
      const both: Suffix = outer === undefined ? own : (operand) => outer(own(operand));
      return this.expr(this.child(n, 0), both);
    }
    if (outer !== undefined) {
      if (n.name === 'BinaryExpr') return this.binary(n, outer);
      if (n.name === 'UnaryExpr') return this.unary(n, outer);
      return outer(this.expr(n));
    }
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
        throw this.err(n.from, `unexpected ${describeToken(this.q, n.from)}`);
    }
  }

  /** The suffix a range, subquery, offset or @ node applies to its operand; undefined for other nodes. */
  private suffixOf(n: SyntaxNode): Suffix | undefined {
    switch (n.name) {
      case 'MatrixSelector':
        return (operand) => this.range(operand, n);
      case 'SubqueryExpr':
        return (operand) => this.subquery(operand, n);
      case 'OffsetExpr': {
        const ms = this.offsetMs(this.child(n, 2));
        return (operand) =>
          this.modify(operand, n, 'offset', (sel) => {
            if (sel.offsetMs !== 0) throw this.err(operand.pos.start, 'offset may not be set multiple times');
            sel.offsetMs = ms;
          });
      }
      case 'StepInvariantExpr': {
        const at = this.atModifier(this.child(n, 2), n);
        return (operand) =>
          this.modify(operand, n, '@', (sel) => {
            if (sel.at !== undefined) throw this.err(operand.pos.start, '@ <timestamp> may not be set multiple times');
            sel.at = at;
          });
      }
      default:
        return undefined;
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
    if (n.name === 'QuotedLabelName') {
      // `{"metric.name"}`: a quoted metric name (Prometheus 3 syntax).
      return { name: METRIC_NAME, type: '=', value: this.string(this.child(n, 0)) };
    }
    const [labelNode, opNode, valueNode] = this.children(n);
    if (labelNode === undefined || opNode === undefined || valueNode === undefined) {
      throw this.err(n.from, `unexpected ${describeToken(this.q, n.from)}`);
    }
    const name = labelNode.name === 'QuotedLabelName' ? this.string(this.child(labelNode, 0)) : this.text(labelNode);
    const type = MATCH_OPS.get(this.child(opNode, 0).name);
    if (type === undefined) throw this.err(opNode.from, `unexpected ${describeToken(this.q, opNode.from)}`);
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

  /** `operand[5m]`: only a plain vector selector takes a range. */
  private range(operand: Expr, n: SyntaxNode): Expr {
    const bracket = this.q.indexOf('[', this.child(n, 0).to); // Prometheus points at the range
    if (operand.kind !== 'vectorSelector') throw this.err(bracket, 'ranges only allowed for vector selectors');
    if (operand.offsetMs !== 0) throw this.err(bracket, 'no offset modifiers allowed before range');
    if (operand.at !== undefined) throw this.err(bracket, 'no @ modifiers allowed before range');
    return { kind: 'matrixSelector', selector: operand, rangeMs: this.duration(this.child(n, 1)), pos: { start: operand.pos.start, end: n.to } };
  }

  /** `operand[30m:1m]`, `operand[30m:]`. */
  private subquery(operand: Expr, n: SyntaxNode): Expr {
    const t = valueTypeOf(operand);
    if (t !== 'vector') throw this.err(operand.pos.start, `subquery is only allowed on instant vector, got ${t} instead`);
    const rangeMs = this.duration(this.child(n, 1));
    const stepNode = this.children(n)[2];
    const stepMs = stepNode === undefined ? undefined : this.duration(stepNode);
    return { kind: 'subquery', expr: operand, rangeMs, stepMs, offsetMs: 0, at: undefined, pos: { start: operand.pos.start, end: n.to } };
  }

  /** Applies `offset` or `@` to the selector or subquery it follows. */
  private modify(operand: Expr, n: SyntaxNode, what: 'offset' | '@', apply: (target: { offsetMs: number; at: AtModifier | undefined }) => void): Expr {
    const target = operand.kind === 'matrixSelector' ? operand.selector : operand;
    if (target.kind !== 'vectorSelector' && target.kind !== 'subquery') {
      throw this.err(
        operand.pos.start,
        `${what === 'offset' ? 'offset' : '@'} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
      );
    }
    apply(target);
    return { ...operand, pos: { start: operand.pos.start, end: n.to } };
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

  private offsetMs(d: SyntaxNode): number {
    let sign = 1;
    let node = d; // OffsetDurationExpr, possibly signed
    for (;;) {
      const [first, second] = this.children(node);
      if (first?.name !== 'UnaryOp' || second === undefined) break;
      if (this.text(first) === '-') sign = -sign;
      node = second;
    }
    return sign * this.duration(node);
  }

  private atModifier(spec: SyntaxNode, n: SyntaxNode): AtModifier {
    if (spec.name === 'AtModifierPreprocessors') return this.child(spec, 0).name === 'AtStart' ? { kind: 'start' } : { kind: 'end' };
    const seconds = parseNumberLiteral(this.text(spec));
    if (seconds === undefined || !Number.isFinite(seconds) || Math.abs(seconds) >= 9.2e15) {
      throw this.err(n.from, `timestamp out of bounds for @ modifier: ${this.text(spec)}`);
    }
    return { kind: 'timestamp', ms: goRound(seconds * 1000) };
  }

  private unary(n: SyntaxNode, suffix?: Suffix): Expr {
    const op = this.text(this.child(n, 0)) === '-' ? '-' : '+';
    const inner = this.expr(this.child(n, 1), suffix);
    const t = valueTypeOf(inner);
    if (t !== 'scalar' && t !== 'vector') {
      throw this.err(n.from, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(t === 'matrix' ? 'range vector' : t)}`);
    }
    // Prometheus folds a sign into a number literal.
    if (inner.kind === 'number') return { kind: 'number', value: op === '-' ? -inner.value : inner.value, pos: { start: n.from, end: inner.pos.end } };
    return { kind: 'unary', op, expr: inner, pos: { start: n.from, end: inner.pos.end } };
  }

  private binary(n: SyntaxNode, suffix?: Suffix): Expr {
    const parts = this.children(n);
    const [lhsNode, opNode] = parts;
    const rhsNode = parts[parts.length - 1];
    if (lhsNode === undefined || opNode === undefined || rhsNode === undefined || parts.length < 3) {
      throw this.err(n.to, 'unexpected end of input');
    }
    if (opNode.name === 'TrimUpper' || opNode.name === 'TrimLower') throw unsupported(`${this.text(opNode)} operator`);
    const op = BINARY_OPS.get(opNode.name);
    if (op === undefined) throw this.err(opNode.from, `unexpected ${describeToken(this.q, opNode.from)}`);
    let returnBool = false;
    let matching: VectorMatching | undefined;
    for (const m of parts.slice(2, -1)) {
      if (m.name === 'BoolModifier') returnBool = true;
      else if (m.name === 'MatchingModifierClause') matching = this.matching(m);
      else if (m.name === 'FillModifier') throw unsupported('fill modifiers');
      else throw this.err(m.from, `unexpected ${describeToken(this.q, m.from)}`);
    }
    // In Prometheus a leading sign binds looser than `^` (`-1 ^ 2` is -(1 ^ 2)); the grammar
    // reads `-1` as one literal, so undo that here.
    const lhsText = this.text(lhsNode);
    const signedBase = op === '^' && lhsNode.name === 'NumberDurationLiteral' && /^[-+]/.test(lhsText);
    let lhs: Expr;
    if (signedBase) {
      const unsigned = parseNumberLiteral(lhsText.slice(1));
      if (unsigned === undefined) throw this.err(lhsNode.from, `error parsing number: ${lhsText}`);
      lhs = { kind: 'number', value: unsigned, pos: { start: lhsNode.from + 1, end: lhsNode.to } };
    } else {
      lhs = this.expr(lhsNode);
    }
    const rhs = this.expr(rhsNode, suffix);
    const checked = this.check(checkBinary({ op, lhs, rhs, returnBool, matching, startPos: lhs.pos.start, opPos: opNode.from })) as {
      matching: VectorMatching | undefined;
    };
    const pos = { start: lhs.pos.start, end: rhs.pos.end };
    const bin: Expr = { kind: 'binary', op, lhs, rhs, returnBool, matching: checked.matching, pos };
    if (!signedBase) return bin;
    return lhsText.startsWith('-') ? { kind: 'unary', op: '-', expr: bin, pos: { start: lhsNode.from, end: pos.end } } : bin;
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
          throw this.err(c.from, `unexpected ${describeToken(this.q, c.from)}`);
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
    const args = this.children(this.child(n, 1)).map((a) => this.expr(a));
    this.check(checkCall(name, args, n.from));
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
    if (op === undefined || args === undefined) throw this.err(n.from, `unexpected ${describeToken(this.q, n.from)}`);
    const { param, expr } = this.check(checkAggregate(op, args, n.from)) as { param: Expr | undefined; expr: Expr };
    return { kind: 'aggregate', op, param, expr, grouping, without, pos: this.pos(n) };
  }
}

/** Go's math.Round (half away from zero), as timestamp.FromFloatSeconds uses. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}
