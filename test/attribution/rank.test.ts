import { describe, expect, it } from 'vitest';
import { changeOf, keyOf, MAX_CAUSES, rankCauses, type CauseCount, type RankInput } from '../../src/attribution/index.js';

/** A cause as the store counts it: an error in GET /api/items, five times. */
const cause = (): CauseCount => ({
  kind: 'error', service: 'items', operation: 'GET /api/items', errorType: 'TypeError', dependency: '', dependencyOperation: '', labels: {},
  count: 5, firstSeenMs: 1_000, lastSeenMs: 2_000, configHashes: ['v2'], exampleTraceIds: ['t1', 't2'], timeShare: null, exampleBodies: [],
});
const input = (): RankInput => ({ target: [], baseline: null, targetEvents: null, baselineEvents: null, budgetEvents: null, logLines: new Map() });

describe('changeOf', () => {
  it.each([
    ['no baseline asked for', 5, 100, null, 100, 'no_baseline'],
    ['a baseline without events', 5, 100, 0, 0, 'no_baseline'],
    ['absent from a baseline that had events', 5, 100, 0, 100, 'new'],
    ['20 % against 1 % of 1,000 events', 200, 1_000, 10, 1_000, 'grew'],
    ['the same rate', 10, 1_000, 10, 1_000, 'steady'],
    ['a little more, not significantly', 12, 1_000, 10, 1_000, 'steady'],
    ['1 % against 20 %', 10, 1_000, 200, 1_000, 'shrank'],
    // Recorded late: the count is clipped to its side's events (0 of 3) before the test.
    ['more bad events than events on its side', 3, 0, 1, 100, 'steady'],
    ['every event bad on both sides', 50, 50, 40, 40, 'steady'],
  ] as const)('%s: %s of %s against %s of %s is %s', (_what, count, events, baselineCount, baselineEvents, change) => {
    expect(changeOf(count, events, baselineCount, baselineEvents)).toBe(change);
  });
});

describe('keyOf', () => {
  it('is the same for the same labels in another order, and differs by any part', () => {
    const metric = { ...cause(), kind: 'metric' as const, labels: { route: '/pay', code: '503' } };
    expect(keyOf({ ...metric, labels: { code: '503', route: '/pay' } })).toBe(keyOf(metric));
    expect(keyOf({ ...metric, labels: { code: '500', route: '/pay' } })).not.toBe(keyOf(metric));
    expect(keyOf({ ...cause(), dependency: 'payments' })).not.toBe(keyOf(cause()));
  });
});

describe('rankCauses', () => {
  it('puts new causes first, then grown ones, then the rest, each by count, with shares of the bad events', () => {
    const steady = { ...cause(), errorType: 'SteadyError', count: 40 };
    const grew = { ...cause(), errorType: 'GrewError', count: 30 };
    const fresh = { ...cause(), errorType: 'NewError', count: 10 };
    const shrank = { ...cause(), errorType: 'ShrankError', count: 20 };
    const ranked = rankCauses({
      ...input(),
      target: [steady, grew, fresh, shrank],
      baseline: [{ ...steady, count: 40 }, { ...grew, count: 5 }, { ...shrank, count: 80 }],
      targetEvents: 1_000,
      baselineEvents: 1_000,
      budgetEvents: 50,
    });
    expect(ranked.causes.map((c) => [c.errorType, c.change, c.baselineCount, c.share, c.budgetShare])).toEqual([
      ['NewError', 'new', 0, 10 / 100, 10 / 50],
      ['GrewError', 'grew', 5, 30 / 100, 30 / 50],
      ['SteadyError', 'steady', 40, 40 / 100, 40 / 50],
      ['ShrankError', 'shrank', 80, 20 / 100, 20 / 50],
    ]);
    expect(ranked).toMatchObject({ badEvents: 100, baselineBadEvents: 125, otherCauses: null });
  });

  it('breaks ties of change and count by key, so the order never depends on the store', () => {
    const b = { ...cause(), errorType: 'BError' };
    const a = { ...cause(), errorType: 'AError' };
    expect(rankCauses({ ...input(), target: [b, a] }).causes.map((c) => c.errorType)).toEqual(['AError', 'BError']);
  });

  it(`lists ${MAX_CAUSES} causes and folds the rest together, so that the shares still add up to 1`, () => {
    const target = Array.from({ length: MAX_CAUSES + 3 }, (_, i) => ({ ...cause(), errorType: `E${String(i).padStart(2, '0')}`, count: 100 - i }));
    const ranked = rankCauses({ ...input(), target });
    const total = target.reduce((n, c) => n + c.count, 0);
    expect(ranked.causes).toHaveLength(MAX_CAUSES);
    expect(ranked.otherCauses).toEqual({ causes: 3, count: 80 + 79 + 78, share: (80 + 79 + 78) / total });
    expect(ranked.causes.reduce((s, c) => s + c.share, 0) + ranked.otherCauses!.share).toBeCloseTo(1, 12);
  });

  it('has no budget share without a budget, and no baseline count without a baseline', () => {
    const [only] = rankCauses({ ...input(), target: [cause()], budgetEvents: 0 }).causes;
    expect(only).toMatchObject({ budgetShare: null, baselineCount: null, change: 'no_baseline', share: 1 });
  });

  it('compares bad events with bad events when neither side has recorded events', () => {
    // Its share of the bad events: all 5 of 5 here, 5 of 105 in the baseline.
    const other = { ...cause(), errorType: 'OtherError', count: 100 };
    const [c] = rankCauses({ ...input(), target: [cause()], baseline: [cause(), other] }).causes;
    expect(c).toMatchObject({ change: 'grew', baselineCount: 5 });
  });

  it("shows a log cause's own records, and the log lines of other causes' example traces (three at most)", () => {
    const log = { ...cause(), kind: 'log' as const, operation: 'ERROR', errorType: 'timeout after <n> ms', exampleBodies: ['timeout after 5 ms'], exampleTraceIds: ['t1'] };
    const logLines = new Map([['t1', ['a', 'b']], ['t2', ['c', 'd']]]);
    const ranked = rankCauses({ ...input(), target: [{ ...cause(), count: 9 }, log], logLines });
    expect(ranked.causes.map((c) => [c.headline, c.exampleLogLines])).toEqual([
      ['TypeError in GET /api/items', ['a', 'b', 'c']],
      ['ERROR timeout after <n> ms', ['timeout after 5 ms']],
    ]);
  });
});
