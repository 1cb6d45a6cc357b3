/**
 * @module lease/rules
 * Who holds a lease, and what a replica does next. Pure: claims in, a step out.
 *
 * ClickHouse has no compare-and-set, so a lease is taken by writing a claim and reading claims back:
 * 1. Every row is one holder's claim on one term of the lease (a term is one holder's tenure), with
 *    `claimedAtMs` and `expiresAtMs` on the store's clock (`now64()` when the row was inserted), so
 *    the replicas' own clocks never matter.
 * 2. Only the newest term counts. Its holder is the claim with the earliest `claimedAtMs`; equal
 *    times go to the lowest holder id. Every replica that reads the same claims agrees on the holder.
 * 3. The lease is free when there is no claim, or when the newest term's holder's expiry has passed
 *    on the store's clock. A free lease is claimed for the next term (`term + 1`). Two replicas that
 *    both saw it free both claim the same next term; rule 2 picks one.
 * 4. A claim holds only once it has settled: the claimer acts after reading the claims again at
 *    least `settleMs` after its own claim, by which time any claim stamped earlier than its own has
 *    been written and is seen, so both claimers read the same winner. A claim stamped later than the
 *    winner's (a replica that saw the lease free and was slow to claim) loses, whenever it lands.
 * 5. The holder renews every third of the period (a renewal keeps its claim time), and believes it
 *    holds only until `leaseMs` after the start of its last successful renewal, on its own monotonic
 *    clock: that passes before the stored expiry does, so a holder that cannot reach the store stops
 *    acting before anybody may take over.
 * 6. A holder that stops gracefully writes an expiry of "now": the others take over at their next tick.
 * 7. `exclusive` (the embedded store: chDB's directory lock already makes this the only process on
 *    the data) takes over at once, even a lease that has not expired, and needs no settling: any
 *    other holder it finds is a previous run of this process.
 *
 * The assumptions, stated: a claim's insert takes less than `settleMs`, and the store's clocks (the
 * servers of a cluster) agree within it. Takeover after a holder dies takes at most
 * `leaseMs + renewEveryMs + settleMs` plus two statements: within two lease periods.
 */

export interface LeaseClaim {
  term: number;
  holder: string;
  /** Store time of the holder's first claim on this term (renewals keep it). */
  claimedAtMs: number;
  /** Store time the holder's latest row says the term ends. */
  expiresAtMs: number;
}

export type LeaseView =
  | { kind: 'vacant' }
  | { kind: 'held'; term: number; holder: string; claimedAtMs: number; expiresAtMs: number };

/** The holder of the newest term (rule 2); claims of older terms are ignored. */
export function leaseView(claims: readonly LeaseClaim[]): LeaseView {
  let best: LeaseClaim | undefined;
  for (const c of claims) {
    if (best === undefined || c.term > best.term) {
      best = c;
      continue;
    }
    if (c.term < best.term) continue;
    if (c.claimedAtMs < best.claimedAtMs || (c.claimedAtMs === best.claimedAtMs && c.holder < best.holder)) best = c;
  }
  if (best === undefined) return { kind: 'vacant' };
  return { kind: 'held', term: best.term, holder: best.holder, claimedAtMs: best.claimedAtMs, expiresAtMs: best.expiresAtMs };
}

export interface LeaseTiming {
  leaseMs: number;
  /** How often the holder renews and the others look. */
  renewEveryMs: number;
  /** How long a claim waits before it holds (rule 4). */
  settleMs: number;
}

/** A third of the period between renewals (two may fail before the lease lapses); a fifth of it, at most a second, to settle. */
export function leaseTiming(leaseMs: number, exclusive: boolean): LeaseTiming {
  return {
    leaseMs,
    renewEveryMs: Math.max(1, Math.floor(leaseMs / 3)),
    settleMs: exclusive ? 0 : Math.min(1_000, Math.floor(leaseMs / 5)),
  };
}

export type LeaseStep =
  /** Write a claim on `term`; look again after `recheckInMs`. */
  | { action: 'claim'; term: number; recheckInMs: number }
  /** Our claim holds: renew it (the holder acts from now on). */
  | { action: 'renew'; term: number; claimedAtMs: number }
  /** Our claim has not settled yet: look again after `recheckInMs`, not acting meanwhile. */
  | { action: 'wait'; term: number; recheckInMs: number }
  /** Someone else holds it: look again after `recheckInMs` (at its expiry at the latest). */
  | { action: 'follow'; term: number; holder: string; recheckInMs: number };

export interface LeaseInput {
  view: LeaseView;
  me: string;
  /** The store's clock, read with the claims. */
  storeNowMs: number;
  timing: LeaseTiming;
  exclusive: boolean;
}

export function nextLeaseStep({ view, me, storeNowMs, timing, exclusive }: LeaseInput): LeaseStep {
  if (view.kind === 'vacant') return { action: 'claim', term: 1, recheckInMs: timing.settleMs };
  const expired = storeNowMs >= view.expiresAtMs;
  if (view.holder === me) {
    if (expired) return { action: 'claim', term: view.term + 1, recheckInMs: timing.settleMs };
    const settledAt = view.claimedAtMs + timing.settleMs;
    if (storeNowMs < settledAt) return { action: 'wait', term: view.term, recheckInMs: settledAt - storeNowMs };
    return { action: 'renew', term: view.term, claimedAtMs: view.claimedAtMs };
  }
  if (expired || exclusive) return { action: 'claim', term: view.term + 1, recheckInMs: timing.settleMs };
  // Look again at the expiry (so a dead holder is replaced promptly), and at least every renewal period.
  return { action: 'follow', term: view.term, holder: view.holder, recheckInMs: Math.max(1, Math.min(timing.renewEveryMs, view.expiresAtMs - storeNowMs + 1)) };
}
