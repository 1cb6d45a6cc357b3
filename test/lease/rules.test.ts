/**
 * The lease rules (src/lease/rules.ts) as tables: who holds a lease given its claims, and what a
 * replica does next given what it read and the store's clock.
 */
import { describe, expect, it } from 'vitest';
import { leaseTiming, leaseView, nextLeaseStep, type LeaseClaim, type LeaseStep, type LeaseView } from '../../src/lease/index.js';

const claim = (holder: string, term: number, claimedAtMs: number, expiresAtMs = claimedAtMs + 15_000): LeaseClaim => ({ holder, term, claimedAtMs, expiresAtMs });

describe('who holds a lease', () => {
  it.each<[string, LeaseClaim[], LeaseView]>([
    ['nobody, without claims', [], { kind: 'vacant' }],
    ['the only claimer', [claim('b', 1, 1_000)], { kind: 'held', term: 1, holder: 'b', claimedAtMs: 1_000, expiresAtMs: 16_000 }],
    ['the earliest claim of a term, whatever the ids', [claim('a', 3, 1_001), claim('z', 3, 1_000)], { kind: 'held', term: 3, holder: 'z', claimedAtMs: 1_000, expiresAtMs: 16_000 }],
    ['the lowest id when two claims carry the same time', [claim('b', 3, 1_000), claim('a', 3, 1_000)], { kind: 'held', term: 3, holder: 'a', claimedAtMs: 1_000, expiresAtMs: 16_000 }],
    ['the newest term, even if an older one was claimed earlier', [claim('a', 2, 500), claim('b', 3, 9_000)], { kind: 'held', term: 3, holder: 'b', claimedAtMs: 9_000, expiresAtMs: 24_000 }],
    ['its holder\'s own expiry, not a loser\'s later one', [claim('a', 1, 1_000, 2_000), claim('b', 1, 1_500, 99_000)], { kind: 'held', term: 1, holder: 'a', claimedAtMs: 1_000, expiresAtMs: 2_000 }],
  ])('%s', (_, claims, expected) => {
    expect(leaseView(claims)).toEqual(expected);
    expect(leaseView([...claims].reverse())).toEqual(expected); // order of rows never matters
  });
});

describe('lease timing', () => {
  it.each([
    [15_000, false, { leaseMs: 15_000, renewEveryMs: 5_000, settleMs: 1_000 }],
    [3_000, false, { leaseMs: 3_000, renewEveryMs: 1_000, settleMs: 600 }],
    [15_000, true, { leaseMs: 15_000, renewEveryMs: 5_000, settleMs: 0 }],
  ])('a %i ms lease (exclusive: %s) renews and settles as %j', (leaseMs, exclusive, expected) => {
    expect(leaseTiming(leaseMs, exclusive)).toEqual(expected);
  });

  it('replaces a dead holder within two lease periods in the worst case', () => {
    for (const leaseMs of [1_000, 3_000, 15_000, 60_000]) {
      const t = leaseTiming(leaseMs, false);
      // Expiry, then at most one renewal period until someone looks, then settling.
      expect(t.leaseMs + t.renewEveryMs + t.settleMs).toBeLessThan(2 * leaseMs);
    }
  });
});

describe('the next step', () => {
  const shared = leaseTiming(15_000, false);
  const held = (holder: string, claimedAtMs: number, expiresAtMs: number, term = 4): LeaseView => ({ kind: 'held', term, holder, claimedAtMs, expiresAtMs });
  it.each<[string, LeaseView, number, boolean, LeaseStep]>([
    ['claims term 1 of a lease nobody ever held', { kind: 'vacant' }, 0, false, { action: 'claim', term: 1, recheckInMs: 1_000 }],
    ['follows a live holder, looking again at its expiry', held('other', 0, 12_000), 10_000, false, { action: 'follow', term: 4, holder: 'other', recheckInMs: 2_001 }],
    ['follows a live holder, looking again within a renewal period', held('other', 0, 60_000), 10_000, false, { action: 'follow', term: 4, holder: 'other', recheckInMs: 5_000 }],
    ['claims the next term once the holder\'s expiry has passed', held('other', 0, 10_000), 10_000, false, { action: 'claim', term: 5, recheckInMs: 1_000 }],
    ['waits for its own claim to settle before acting', held('me', 10_000, 25_000), 10_400, false, { action: 'wait', term: 4, recheckInMs: 600 }],
    ['renews its settled claim, keeping the claim time', held('me', 10_000, 25_000), 11_000, false, { action: 'renew', term: 4, claimedAtMs: 10_000 }],
    ['claims anew when its own lease lapsed (others may already be claiming)', held('me', 0, 15_000), 15_001, false, { action: 'claim', term: 5, recheckInMs: 1_000 }],
    ['takes over a live lease when the store is its own (embedded)', held('previous-run', 0, 60_000), 10_000, true, { action: 'claim', term: 5, recheckInMs: 0 }],
    ['holds its own claim at once when the store is its own', held('me', 10_000, 25_000), 10_000, true, { action: 'renew', term: 4, claimedAtMs: 10_000 }],
  ])('%s', (_, view, storeNowMs, exclusive, expected) => {
    expect(nextLeaseStep({ view, me: 'me', storeNowMs, timing: exclusive ? leaseTiming(15_000, true) : shared, exclusive })).toEqual(expected);
  });
});
