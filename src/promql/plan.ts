/**
 * Which samples each vector selector needs, before anything is fetched: Prometheus' engine
 * (getTimeRangesForSelector) widens the query's time range by subquery ranges and offsets,
 * the lookback delta or the range of a range selector, and the selector's own offset; an `@`
 * pins the time instead.
 */
import { assertNever, type AtModifier, type Expr, type VectorSelector } from './ast.js';
import type { SelectRequest } from './source.js';

export interface QueryTimes {
  startMs: number;
  endMs: number;
  lookbackDeltaMs: number;
  /** A range query's step; absent for an instant query. */
  stepMs?: number;
}

export interface SelectorPlan {
  selector: VectorSelector;
  request: SelectRequest;
}

export function resolveAt(at: AtModifier, startMs: number, endMs: number): number {
  switch (at.kind) {
    case 'timestamp':
      return at.ms;
    case 'start':
      return startMs;
    case 'end':
      return endMs;
    default:
      return assertNever(at);
  }
}

/** Offsets and ranges of the enclosing subqueries; an `@` on a subquery restarts the sums. */
interface SubqueryFrame {
  offsetMs: number;
  rangeMs: number;
  atMs: number | undefined;
}

/** One select per vector selector, in the order they appear in the query. */
export function planSelects(expr: Expr, times: QueryTimes): SelectorPlan[] {
  const plans: SelectorPlan[] = [];
  const visit = (e: Expr, frame: SubqueryFrame, rangeMs: number): void => {
    switch (e.kind) {
      case 'number':
      case 'string':
        return;
      case 'vectorSelector':
        plans.push({ selector: e, request: selectorWindow(e, frame, rangeMs, times) });
        return;
      case 'matrixSelector':
        visit(e.selector, frame, e.rangeMs);
        return;
      case 'subquery': {
        const inner: SubqueryFrame =
          e.at !== undefined
            ? { offsetMs: e.offsetMs, rangeMs: e.rangeMs, atMs: resolveAt(e.at, times.startMs, times.endMs) }
            : { offsetMs: frame.offsetMs + e.offsetMs, rangeMs: frame.rangeMs + e.rangeMs, atMs: frame.atMs };
        visit(e.expr, inner, 0);
        return;
      }
      case 'call':
        for (const a of e.args) visit(a, frame, 0);
        return;
      case 'aggregate':
        if (e.param !== undefined) visit(e.param, frame, 0);
        visit(e.expr, frame, 0);
        return;
      case 'binary':
        visit(e.lhs, frame, 0);
        visit(e.rhs, frame, 0);
        return;
      case 'unary':
      case 'paren':
        visit(e.expr, frame, 0);
        return;
      default:
        assertNever(e);
    }
  };
  visit(expr, { offsetMs: 0, rangeMs: 0, atMs: undefined }, 0);
  return plans;
}

function selectorWindow(vs: VectorSelector, frame: SubqueryFrame, rangeMs: number, times: QueryTimes): SelectRequest {
  const request = selectorSpan(vs, frame, rangeMs, times);
  // Read only at the range query's own steps (not under a subquery, a range, an offset or @): a
  // provider that makes its samples may make just the ones those reads pick (Prometheus' SelectHints).
  const atStepsOnly = times.stepMs !== undefined && frame.rangeMs === 0 && frame.atMs === undefined && rangeMs === 0 && vs.offsetMs === 0 && vs.at === undefined;
  return atStepsOnly ? { ...request, steps: { startMs: times.startMs, stepMs: times.stepMs! } } : request;
}

function selectorSpan(vs: VectorSelector, frame: SubqueryFrame, rangeMs: number, times: QueryTimes): SelectRequest {
  let start = frame.atMs ?? times.startMs;
  let end = frame.atMs ?? times.endMs;
  if (vs.at !== undefined) {
    start = end = resolveAt(vs.at, times.startMs, times.endMs);
  } else {
    start -= frame.offsetMs + frame.rangeMs;
    end -= frame.offsetMs;
  }
  // Range selectors read [t - range, t]; instant selectors look back for the latest sample.
  start -= rangeMs === 0 ? times.lookbackDeltaMs : rangeMs;
  start -= vs.offsetMs;
  end -= vs.offsetMs;
  return { matchers: vs.matchers.map((m) => ({ ...m })), startMs: start, endMs: end };
}
