/**
 * The evaluator: walks the AST over a grid of evaluation timestamps, as Prometheus' engine does
 * (engine.go eval), with the selected series already in memory. Nodes whose result cannot change
 * between steps (every selector pinned by `@`) are evaluated once and repeated, like the engine's
 * StepInvariantExpr.
 */
import {
  assertNever,
  unwrapParens,
  valueTypeOf,
  type AggregateExpr,
  type BinaryExpr,
  type Call,
  type Expr,
  type MatrixSelector,
  type SubqueryExpr,
  type VectorSelector,
} from './ast.js';
import { aggregate, type AggregateParam } from './aggregations.js';
import { scalarBinary, setBinary, vectorBinary, vectorScalarBinary } from './binary.js';
import { execution } from './errors.js';
import { absentLabels, applyFunction } from './functions.js';
import { dropMetricName, labelsKey } from './labels.js';
import { resolveAt } from './plan.js';
import { RANGE_FUNCTIONS, type Window } from './range-functions.js';
import { instantSelector, lowerBound, timestampOfSelector, upperBound, windowsAt } from './selectors.js';
import { TIME_DEPENDENT_FUNCTIONS } from './signatures.js';
import {
  gridTime,
  instantGrid,
  makeGrid,
  type Grid,
  type Limits,
  type RangeSeries,
  type ScalarValue,
  type StepSeries,
  type Value,
  type VectorValue,
} from './values.js';

export interface EvalEnv {
  /** Series per selector, label sets normalised and sorted as Prometheus' storage returns them. */
  data: ReadonlyMap<VectorSelector, RangeSeries[]>;
  lookbackDeltaMs: number;
  /** The step of `[5m:]` subqueries: Prometheus uses the global evaluation interval, 1m by default. */
  defaultSubqueryStepMs: number;
  /** The query's own start and end, for `@ start()` / `@ end()`. */
  queryStartMs: number;
  queryEndMs: number;
  limits: Limits;
}

/** A range vector ready for a range function: raw points plus how windows are placed. */
interface RangeInput {
  series: RangeSeries[];
  rangeMs: number;
  offsetMs: number;
  /** Pinned evaluation time from `@`, if any. */
  atMs: number | undefined;
}

export class Evaluator {
  private readonly invariant = new WeakMap<Expr, boolean>();

  constructor(private readonly env: EvalEnv) {}

  eval(e: Expr, g: Grid): Value {
    this.env.limits.checkTimeNow();
    if (g.steps > 1 && e.kind !== 'number' && e.kind !== 'string' && valueTypeOf(e) !== 'matrix' && this.isStepInvariant(e)) {
      return repeat(this.evalNode(e, instantGrid(g.startMs)), g, this.env.limits);
    }
    return this.evalNode(e, g);
  }

  private evalNode(e: Expr, g: Grid): Value {
    switch (e.kind) {
      case 'number':
        return { kind: 'scalar', values: new Float64Array(g.steps).fill(e.value) };
      case 'string':
        return { kind: 'string', value: e.value };
      case 'paren':
        return this.eval(e.expr, g);
      case 'unary':
        return this.unary(e.op, this.eval(e.expr, g));
      case 'vectorSelector':
        return instantSelector(this.data(e), e, this.atOf(e), g, this.env.lookbackDeltaMs, this.env.limits);
      case 'matrixSelector': {
        const input = this.matrixInput(e);
        return { kind: 'matrix', series: windowsAt(input.series, input.atMs ?? g.startMs, input.offsetMs, input.rangeMs, g) };
      }
      case 'subquery':
        return { kind: 'matrix', series: this.subquery(e, g).series };
      case 'call':
        return this.call(e, g);
      case 'aggregate':
        return this.aggregate(e, g);
      case 'binary':
        return this.binary(e, g);
      default:
        return assertNever(e);
    }
  }

  /** engine.go preprocessExprHelper: true when every selector below is pinned by `@`. */
  private isStepInvariant(e: Expr): boolean {
    const cached = this.invariant.get(e);
    if (cached !== undefined) return cached;
    let result: boolean;
    switch (e.kind) {
      case 'number':
      case 'string':
        result = true;
        break;
      case 'vectorSelector':
      case 'subquery':
        result = e.at !== undefined;
        break;
      case 'matrixSelector':
        result = e.selector.at !== undefined;
        break;
      case 'aggregate':
        result = this.isStepInvariant(e.expr); // the parameter is not considered, as in Prometheus
        break;
      case 'binary':
        result = this.isStepInvariant(e.lhs) && this.isStepInvariant(e.rhs);
        break;
      case 'call':
        result = !TIME_DEPENDENT_FUNCTIONS.has(e.func) && e.args.every((a) => this.isStepInvariant(a));
        break;
      case 'paren':
      case 'unary':
        result = this.isStepInvariant(e.expr);
        break;
      default:
        result = assertNever(e);
    }
    this.invariant.set(e, result);
    return result;
  }

  private release(v: Value): void {
    if (v.kind === 'vector') this.env.limits.releasePoints(v.points);
  }

  private unary(op: '+' | '-', v: Value): Value {
    if (op === '+') return v;
    if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
    if (v.kind !== 'vector') throw execution('unary minus needs a scalar or an instant vector');
    const keys = new Set<string>();
    const series = v.series.map((s) => {
      const labels = dropMetricName(s.labels);
      const key = labelsKey(labels);
      // Checked over the whole result, not per step (Matrix.ContainsSameLabelset).
      if (keys.has(key)) throw execution('vector cannot contain metrics with the same labelset');
      keys.add(key);
      return { labels, values: s.values.map((x) => -x), present: s.present };
    });
    return { kind: 'vector', series, points: v.points };
  }

  private data(vs: VectorSelector): RangeSeries[] {
    const d = this.env.data.get(vs);
    if (d === undefined) throw execution('internal error: selector was not planned');
    return d;
  }

  private atOf(vs: VectorSelector): number | undefined {
    return vs.at === undefined ? undefined : resolveAt(vs.at, this.env.queryStartMs, this.env.queryEndMs);
  }

  private matrixInput(ms: MatrixSelector): RangeInput {
    const vs = ms.selector;
    return {
      series: this.data(vs),
      rangeMs: ms.rangeMs,
      offsetMs: vs.offsetMs,
      atMs: this.atOf(vs),
    };
  }

  /**
   * A subquery is evaluated once over its own grid: steps aligned to multiples of its step
   * (absolute time, not the query start), from the first one at or after start - offset - range.
   */
  private subquery(sq: SubqueryExpr, g: Grid): RangeInput {
    const stepMs = sq.stepMs ?? this.env.defaultSubqueryStepMs;
    const atMs = sq.at === undefined ? undefined : resolveAt(sq.at, this.env.queryStartMs, this.env.queryEndMs);
    const outerStart = atMs ?? g.startMs;
    const outerEnd = atMs ?? g.endMs;
    const earliest = outerStart - sq.offsetMs - sq.rangeMs;
    let start = stepMs * Math.trunc(earliest / stepMs);
    if (start < earliest) start += stepMs;
    const inner = makeGrid(start, outerEnd - sq.offsetMs, stepMs);
    const v = inner.steps === 0 ? undefined : this.eval(sq.expr, inner);
    const series: RangeSeries[] = [];
    if (v?.kind === 'vector') {
      for (const s of v.series) {
        const ts: number[] = [];
        const vals: number[] = [];
        for (let i = 0; i < inner.steps; i++) {
          if (s.present[i] === 1) {
            ts.push(gridTime(inner, i));
            vals.push(s.values[i] as number);
          }
        }
        series.push({ labels: s.labels, timestampsMs: Float64Array.from(ts), values: Float64Array.from(vals) });
      }
    }
    return { series, rangeMs: sq.rangeMs, offsetMs: sq.offsetMs, atMs };
  }

  private call(c: Call, g: Grid): Value {
    const matrixArg = c.args.findIndex((a) => {
      const k = unwrapParens(a).kind;
      return k === 'matrixSelector' || k === 'subquery';
    });
    if (matrixArg >= 0) return this.rangeFunction(c, matrixArg, g);
    const first = c.args[0] === undefined ? undefined : unwrapParens(c.args[0]);
    if (c.func === 'timestamp' && first?.kind === 'vectorSelector') {
      return timestampOfSelector(this.data(first), first, this.atOf(first), g, this.env.lookbackDeltaMs, this.env.limits);
    }
    const args = c.args.map((a) => this.eval(a, g));
    const out = applyFunction(c, args, { grid: g, limits: this.env.limits });
    args.forEach((a) => this.release(a));
    return out;
  }

  /**
   * Range functions run series by series and step by step over windows [t - offset - range,
   * t - offset], both ends inclusive (Prometheus 2.x), found with two moving indices.
   */
  private rangeFunction(c: Call, matrixArg: number, g: Grid): VectorValue {
    const fn = RANGE_FUNCTIONS.get(c.func);
    if (fn === undefined) throw execution(`function ${JSON.stringify(c.func)} does not take a range vector`);
    const arg = unwrapParens(c.args[matrixArg] as Expr);
    const input = arg.kind === 'subquery' ? this.subquery(arg, g) : this.matrixInput(arg as MatrixSelector);
    const scalars: Float64Array[] = c.args.map((a, i) =>
      i === matrixArg ? new Float64Array(0) : (this.eval(a, g) as ScalarValue).values,
    );
    const keepName = c.func === 'last_over_time'; // it acts like an offset, so the name stays
    const isAbsent = c.func === 'absent_over_time';
    const covered = isAbsent ? new Uint8Array(g.steps) : undefined;
    const out: StepSeries[] = [];
    const keys = new Set<string>();
    const stepArgs: number[] = new Array<number>(c.args.length).fill(0);
    let points = 0;
    for (const s of input.series) {
      this.env.limits.checkTimeNow();
      const w: Window = { t: s.timestampsMs, v: s.values, lo: 0, hi: 0 };
      const n = s.timestampsMs.length;
      const values = new Float64Array(g.steps);
      const present = new Uint8Array(g.steps);
      let count = 0;
      for (let i = 0; i < g.steps; i++) {
        const evalMs = gridTime(g, i);
        const end = (input.atMs ?? evalMs) - input.offsetMs;
        const start = end - input.rangeMs;
        if (input.atMs !== undefined) {
          w.lo = lowerBound(w.t, start);
          w.hi = upperBound(w.t, end);
        } else {
          while (w.lo < n && (w.t[w.lo] as number) < start) w.lo++;
          if (w.hi < w.lo) w.hi = w.lo;
          while (w.hi < n && (w.t[w.hi] as number) <= end) w.hi++;
        }
        if (w.hi === w.lo) continue;
        for (let a = 0; a < scalars.length; a++) if (a !== matrixArg) stepArgs[a] = (scalars[a] as Float64Array)[i] as number;
        const x = fn(w, { evalMs, rangeStartMs: start, rangeEndMs: end, rangeMs: input.rangeMs, scalarArgs: stepArgs });
        if (x === undefined) continue;
        values[i] = x;
        present[i] = 1;
        count++;
        if (covered !== undefined) covered[i] = 1;
      }
      if (count === 0 || isAbsent) continue;
      const labels = keepName ? s.labels : dropMetricName(s.labels);
      const key = labelsKey(labels);
      // Checked over the whole result, not per step (Matrix.ContainsSameLabelset).
      if (keys.has(key)) throw execution('vector cannot contain metrics with the same labelset');
      keys.add(key);
      out.push({ labels, values, present });
      points += count;
    }
    if (covered !== undefined) {
      const values = new Float64Array(g.steps).fill(1);
      const present = covered.map((x) => 1 - x);
      points = present.reduce((a, x) => a + x, 0);
      if (points > 0) out.push({ labels: absentLabels(arg), values, present });
    }
    this.env.limits.addPoints(points);
    return { kind: 'vector', series: out, points };
  }

  private aggregate(e: AggregateExpr, g: Grid): VectorValue {
    let param: AggregateParam;
    if (e.param !== undefined) {
      const p = this.eval(e.param, g);
      if (p.kind === 'scalar' || p.kind === 'string') param = p;
    }
    const input = this.eval(e.expr, g) as VectorValue;
    const out = aggregate(e, input, param, g, this.env.limits);
    this.release(input);
    return out;
  }

  private binary(e: BinaryExpr, g: Grid): Value {
    const lhs = this.eval(e.lhs, g);
    const rhs = this.eval(e.rhs, g);
    const { limits } = this.env;
    let out: Value;
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') out = scalarBinary(e.op, lhs, rhs);
    else if (lhs.kind === 'vector' && rhs.kind === 'scalar') out = vectorScalarBinary(e.op, lhs, rhs, false, e.returnBool, g, limits);
    else if (lhs.kind === 'scalar' && rhs.kind === 'vector') out = vectorScalarBinary(e.op, rhs, lhs, true, e.returnBool, g, limits);
    else if (lhs.kind === 'vector' && rhs.kind === 'vector' && e.matching !== undefined) {
      out =
        e.op === 'and' || e.op === 'or' || e.op === 'unless'
          ? setBinary(e.op, lhs, rhs, e.matching, g, limits)
          : vectorBinary(e.op, lhs, rhs, e.matching, e.returnBool, g, limits);
    } else {
      throw execution('binary expression must contain only scalar and instant vector types');
    }
    this.release(lhs);
    this.release(rhs);
    return out;
  }
}

/** A one-step result repeated for every step of g. */
function repeat(v: Value, g: Grid, limits: Limits): Value {
  switch (v.kind) {
    case 'scalar':
      return { kind: 'scalar', values: new Float64Array(g.steps).fill(v.values[0] as number) };
    case 'vector': {
      const series = v.series.map((s) => ({
        labels: s.labels,
        values: new Float64Array(g.steps).fill(s.values[0] as number),
        present: new Uint8Array(g.steps).fill(1),
      }));
      limits.releasePoints(v.points);
      const points = series.length * g.steps;
      limits.addPoints(points);
      return { kind: 'vector', series, points };
    }
    default:
      return v;
  }
}
