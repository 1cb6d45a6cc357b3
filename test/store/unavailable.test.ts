/**
 * Which failures mean the store is out of reach (exports retryable, reads 503, /healthz down) and
 * which are answers from it (a ClickHouse exception), and the health state they move.
 */
import { describe, expect, it } from 'vitest';
import { isUnreachable, StoreUnavailableError } from '../../src/store/index.js';
import { createHealthTracker } from '../../src/store/unavailable.js';

const withCode = (message: string, code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(message), { code, ...extra });

describe('isUnreachable', () => {
  it.each<[string, unknown, boolean]>([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:8123', 'ECONNREFUSED'), true],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET'), true],
    ['a connection closed without an answer', new Error('socket hang up'), true],
    ["the client's request timeout", new Error('Timeout error.'), true],
    ['an aborted request', Object.assign(new Error('The user aborted a request.'), { name: 'AbortError' }), true],
    ["Tollgate's own insert deadline", new StoreUnavailableError('the store did not answer the insert within 5000 ms'), true],
    ['a ClickHouse exception (the store answered)', withCode('Too many parts', '252', { type: 'TOO_MANY_PARTS' }), false],
    ['a ClickHouse exception mentioning a timeout', withCode('Timeout exceeded: elapsed 30 seconds', '159', { type: 'TIMEOUT_EXCEEDED' }), false],
    ['a programming error', new TypeError('x is not a function'), false],
    ['something that is not an Error', 'ECONNREFUSED', false],
  ])('%s: %s', (_, err, expected) => {
    expect(isUnreachable(err)).toBe(expected);
  });
});

describe('the health tracker', () => {
  it('goes down at the first unreachable statement, keeps its first reason and time, and comes back on any answer', () => {
    const changes: boolean[] = [];
    const h = createHealthTracker((s) => changes.push(s.up));
    expect(h.current()).toEqual({ up: true, downSinceMs: null, reason: null });
    h.unreachable(new Error('socket hang up'), 1_000);
    h.unreachable(new Error('connect ECONNREFUSED'), 2_000);
    expect(h.current()).toEqual({ up: false, downSinceMs: 1_000, reason: 'socket hang up' });
    h.answered();
    h.answered();
    expect(h.current()).toEqual({ up: true, downSinceMs: null, reason: null });
    expect(changes).toEqual([false, true]);
  });
});
