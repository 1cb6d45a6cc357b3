/**
 * @module attribution/rank
 * Causes ranked against their baseline. Pure. Rules:
 * 1. a cause's share is its count over the sum of every cause's count (the SLO's bad events in
 *    the range), so the shares of one answer, with `otherCauses`, add up to 1;
 * 2. its budget share is its count over the period's error budget in events;
 * 3. against the baseline, a cause's rate is its count over its side's events (both SLO events,
 *    from the recorded minutes, or bad events when those are unknown): `new` when the baseline
 *    had events but none of this cause; `grew` when its rate is greater at p < GREW_SIGNIFICANCE
 *    (the proportion test the gate uses); `shrank` when smaller at that level; else `steady`;
 *    `no_baseline` when the baseline had no events at all;
 * 4. order: new, then grew, then everything else, each by count, ties by key; the first
 *    MAX_CAUSES are kept, the rest folded into `otherCauses`.
 */
import { greaterProportionTest } from '../slo/math/index.js';
import type { AttributedCause, CauseChange, CauseCount, CauseKey } from './types.js';
import { causeHeadline } from './words.js';

/** Causes listed one by one; more are folded together. */
export const MAX_CAUSES = 20;

/** How sure "grew" and "shrank" must be: one-sided, as strict as the gate's default. */
export const GREW_SIGNIFICANCE = 0.01;

export interface RankInput {
  target: readonly CauseCount[];
  /** null: no baseline asked for. */
  baseline: readonly CauseCount[] | null;
  /** Events on each side (null: unknown, then bad events are the denominator). */
  targetEvents: number | null;
  baselineEvents: number | null;
  budgetEvents: number | null;
  /** Log lines of the example traces, by trace id. */
  logLines: ReadonlyMap<string, readonly string[]>;
}

export interface Ranked {
  badEvents: number;
  baselineBadEvents: number;
  causes: AttributedCause[];
  otherCauses: { causes: number; count: number; share: number } | null;
}

const ORDER: Record<CauseChange, number> = { new: 0, grew: 1, steady: 2, no_baseline: 2, shrank: 2 };

export function rankCauses(input: RankInput): Ranked {
  const badEvents = sum(input.target);
  const baselineBadEvents = input.baseline === null ? 0 : sum(input.baseline);
  const before = new Map((input.baseline ?? []).map((c) => [keyOf(c), c.count]));
  const targetEvents = input.targetEvents ?? badEvents;
  const baselineEvents = input.baselineEvents ?? baselineBadEvents;

  const all = input.target.map((c): AttributedCause => {
    const baselineCount = input.baseline === null ? null : (before.get(keyOf(c)) ?? 0);
    return {
      kind: c.kind,
      service: c.service,
      operation: c.operation,
      errorType: c.errorType,
      dependency: c.dependency,
      dependencyOperation: c.dependencyOperation,
      labels: c.labels,
      count: c.count,
      share: badEvents === 0 ? 0 : c.count / badEvents,
      budgetShare: input.budgetEvents === null || input.budgetEvents === 0 ? null : c.count / input.budgetEvents,
      firstSeenMs: c.firstSeenMs,
      lastSeenMs: c.lastSeenMs,
      configHashes: c.configHashes,
      exampleTraceIds: c.exampleTraceIds,
      exampleLogLines: c.kind === 'log' ? c.exampleBodies : c.exampleTraceIds.flatMap((t) => input.logLines.get(t) ?? []).slice(0, 3),
      timeShare: c.timeShare,
      baselineCount,
      change: changeOf(c.count, targetEvents, baselineCount, baselineEvents),
      headline: causeHeadline(c, c.timeShare),
    };
  });
  all.sort((a, b) => ORDER[a.change] - ORDER[b.change] || b.count - a.count || compareKeys(a, b));
  const kept = all.slice(0, MAX_CAUSES);
  const rest = all.slice(MAX_CAUSES);
  const restCount = sum(rest);
  return {
    badEvents,
    baselineBadEvents,
    causes: kept,
    otherCauses: rest.length === 0 ? null : { causes: rest.length, count: restCount, share: badEvents === 0 ? 0 : restCount / badEvents },
  };
}

/** Rule 3. */
export function changeOf(count: number, events: number, baselineCount: number | null, baselineEvents: number): CauseChange {
  if (baselineCount === null || baselineEvents <= 0) return 'no_baseline';
  if (baselineCount === 0) return 'new';
  // Counts beyond their totals (a side's events unknown or recorded late) are clipped for the test.
  const target = { bad: Math.min(count, events), total: Math.max(events, count) };
  const baseline = { bad: Math.min(baselineCount, baselineEvents), total: Math.max(baselineEvents, baselineCount) };
  if (target.total === 0) return 'steady';
  if (target.bad / target.total > baseline.bad / baseline.total) {
    return greaterProportionTest(target, baseline).pValue < GREW_SIGNIFICANCE ? 'grew' : 'steady';
  }
  return greaterProportionTest(baseline, target).pValue < GREW_SIGNIFICANCE ? 'shrank' : 'steady';
}

export function keyOf(c: CauseKey): string {
  return JSON.stringify([c.kind, c.service, c.operation, c.errorType, c.dependency, c.dependencyOperation, Object.entries(c.labels).sort()]);
}

function compareKeys(a: CauseKey, b: CauseKey): number {
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const sum = (causes: readonly { count: number }[]): number => causes.reduce((n, c) => n + c.count, 0);
