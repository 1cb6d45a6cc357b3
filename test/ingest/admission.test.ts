/**
 * The admission decisions on their own, with a clock the test moves: what each class may hold and
 * how long it may wait, how the drain rate is measured, and when a retry counts as patient.
 * Pure: no server, no socket, no database.
 */
import { describe, expect, it } from 'vitest';
import { createDrainRate, createIngestBudget, GRPC_DEADLINE_SHARE } from '../../src/ingest/admission.js';
import { createRetryTickets, retryKeyHasher, RETRY_KEY_PREFIX_BYTES } from '../../src/ingest/retry-tickets.js';
import { createInFlight } from '../../src/ingest/in-flight.js';

function clock(startMs = 1_000_000) {
  let t = startMs;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const MB = 1_000_000;

describe('the ingest budget', () => {
  const budgetAt = (c: ReturnType<typeof clock>) => createIngestBudget({ softLimitBytes: 10 * MB, hardLimitBytes: 20 * MB, maxWaitMs: 2_500, now: c.now });

  it.each([
    // class, bytes held by another request, bytes asked, admitted
    ['http', 8 * MB, 3 * MB, false],
    ['http', 5 * MB, 3 * MB, true],
    ['http_retry', 8 * MB, 3 * MB, true],
    ['http_retry', 18 * MB, 3 * MB, false],
    ['grpc', 8 * MB, 3 * MB, true],
    ['grpc', 18 * MB, 3 * MB, false],
  ] as const)('lets %s ask %i bytes beside %i held by another: %s', (cls, others, asked, admitted) => {
    const c = clock();
    const budget = budgetAt(c);
    budget.open('http').add(others);
    expect(budget.open(cls).admit(asked, 0).admitted).toBe(admitted);
  });

  it('admits any request into an empty queue, however large', () => {
    const budget = budgetAt(clock());
    expect(budget.open('http').admit(500 * MB, 500 * MB).admitted).toBe(true);
  });

  it('refuses OTLP/HTTP once the work ahead of it takes over 2.5 s, patient retries only past twice that', () => {
    const c = clock();
    const budget = budgetAt(c);
    // Before anything drained the rate is 4 MB/s, so 8 MB of queued work is 2 s.
    budget.open('http').admit(1, 8 * MB);
    expect(budget.open('http').admit(1, 2 * MB).admitted).toBe(true); // 8 MB ahead: 2 s
    expect(budget.open('http').admit(1, 1 * MB).admitted).toBe(true); // 10 MB ahead: 2.5 s
    expect(budget.open('http').admit(1, 1 * MB).admitted).toBe(false); // 11 MB ahead: 2.75 s
    expect(budget.open('http_retry').admit(1, 10 * MB).admitted).toBe(true); // 11 MB ahead: 2.75 s of 5
    expect(budget.open('http_retry').admit(1, 1 * MB).admitted).toBe(false); // 21 MB ahead: 5.25 s
  });

  it('admits a request whose own work takes longer than the wait when little is ahead of it', () => {
    const budget = budgetAt(clock());
    budget.open('http').add(2 * MB); // a body being read holds memory, queues no work
    budget.open('http').admit(1, 1 * MB);
    expect(budget.open('http').admit(5 * MB, 60 * MB).admitted).toBe(true); // 7.5 s of its own
  });

  it('refuses gRPC whose predicted wait would take more than its share of the call deadline', () => {
    const c = clock();
    const budget = budgetAt(c);
    budget.open('http').admit(1, 20.5 * MB); // 5.1 s of work at 4 MB/s
    const deadline = (ms: number) => ({ deadlineMs: c.now() + ms });
    expect(GRPC_DEADLINE_SHARE * 10_000).toBeGreaterThan(5_125);
    expect(GRPC_DEADLINE_SHARE * 6_000).toBeLessThan(5_125);
    expect(budget.open('grpc', deadline(10_000)).admit(1, 1 * MB).admitted).toBe(true); // 5.1 s ahead, 10 s deadline
    expect(budget.open('grpc', deadline(6_000)).admit(1, 1 * MB).admitted).toBe(false); // 5.4 s ahead, 6 s deadline
    expect(budget.open('grpc').admit(1, 1 * MB).admitted).toBe(false); // no deadline: a patient retry's 5 s
  });

  it('gives back what a request held when it is answered, and adjusts to measurements whatever the limits', () => {
    const budget = budgetAt(clock());
    const r = budget.open('http');
    r.add(4 * MB);
    r.admit(2 * MB, 2 * MB);
    r.adjust(30 * MB); // measured larger than estimated: held regardless
    expect(budget.inUseBytes()).toBe(36 * MB);
    r.release();
    r.release();
    expect(budget.inUseBytes()).toBe(0);
    expect(budget.queuedWorkBytes()).toBe(0);
  });
});

describe('the drain rate', () => {
  it('learns the rate from work answered while the queue was busy, not from idle time', () => {
    const c = clock();
    const drain = createDrainRate(c.now);
    drain.enqueue(30 * MB);
    c.advance(1_000);
    drain.done(30 * MB, true); // 30 MB in a busy second
    c.advance(60_000); // idle: says nothing about capacity
    drain.enqueue(1 * MB);
    c.advance(1);
    drain.done(1 * MB, true); // closes the window
    expect(drain.bytesPerMs()).toBeCloseTo((4_000 + 30_000) / 2, -2);
  });

  it('does not count refused or cancelled work as drained', () => {
    const c = clock();
    const drain = createDrainRate(c.now);
    drain.enqueue(100 * MB);
    c.advance(1_000);
    drain.done(100 * MB, false);
    drain.enqueue(1);
    c.advance(1);
    drain.done(1, true);
    expect(drain.bytesPerMs()).toBeLessThan(4_000);
  });
});

describe('retry tickets', () => {
  it.each([
    ['back after the full Retry-After', 1_000, 'patient'],
    ['back within the jitter exporters add to their own backoff', 800, 'patient'],
    ['back at once', 5, 'early'],
    ['back long after the grace', 40_000, 'new'],
  ] as const)('counts a retry %s as %s', (_name, afterMs, standing) => {
    const c = clock();
    const tickets = createRetryTickets({ now: c.now });
    tickets.refused('k', 1);
    c.advance(afterMs);
    expect(tickets.standing('k')).toBe(standing);
  });

  it('makes an early retry wait the full Retry-After again', () => {
    const c = clock();
    const tickets = createRetryTickets({ now: c.now });
    tickets.refused('k', 1);
    c.advance(500);
    expect(tickets.standing('k')).toBe('early');
    tickets.refused('k', 1); // refused again, at once
    c.advance(600);
    expect(tickets.standing('k')).toBe('early');
    c.advance(300);
    expect(tickets.standing('k')).toBe('patient');
    tickets.admitted('k');
    expect(tickets.standing('k')).toBe('new');
  });

  it('keeps at most maxTickets, forgetting the oldest', () => {
    const tickets = createRetryTickets({ maxTickets: 2, now: () => 0 });
    for (const k of ['a', 'b', 'c']) tickets.refused(k, 1);
    expect(['a', 'b', 'c'].map((k) => tickets.standing(k))).toEqual(['new', 'early', 'early']);
  });

  it('keys a body by its path and first bytes, however they arrive in chunks', () => {
    const bytes = Buffer.alloc(RETRY_KEY_PREFIX_BYTES + 500, 7);
    bytes[10] = 1;
    const whole = retryKeyHasher('/v1/traces');
    whole.update(bytes);
    const chunked = retryKeyHasher('/v1/traces');
    for (let i = 0; i < bytes.length; i += 1_000) chunked.update(bytes.subarray(i, i + 1_000));
    const otherPath = retryKeyHasher('/v1/logs');
    otherPath.update(bytes);
    expect(chunked.key(false)).toBe(whole.key(false));
    expect(otherPath.key(false)).not.toBe(whole.key(false));
    const short = retryKeyHasher('/v1/traces');
    short.update(bytes.subarray(0, 100));
    expect(short.key(false)).toBeUndefined(); // the prefix is not complete yet
    expect(short.key(true)).toBeDefined(); // the body ended: its bytes are the prefix
  });
});

describe('requests in flight', () => {
  it('says when the last one was answered, and refuses none itself', async () => {
    const inFlight = createInFlight();
    const leaveA = inFlight.enter();
    const leaveB = inFlight.enter();
    inFlight.drain();
    expect(inFlight.draining).toBe(true);
    let idle = false;
    const waiting = inFlight.idle().then(() => (idle = true));
    leaveA();
    leaveA();
    await Promise.resolve();
    expect(idle).toBe(false);
    leaveB();
    await waiting;
    expect(inFlight.count()).toBe(0);
  });
});
