import { describe, expect, it } from 'vitest';
import { burnRate, timesliceCounts, type WindowCounts } from '../../../src/slo/math/index.js';

const slice = (totalEvents: number, badEvents: number): WindowCounts => ({ totalEvents, badEvents });

describe('timesliceCounts', () => {
  it.each([
    ['a slice exactly at target', [slice(100, 5)], 0.95, { totalEvents: 1, badEvents: 0 }],
    ['a slice just under target', [slice(100, 6)], 0.95, { totalEvents: 1, badEvents: 1 }],
    ['a slice without events', [slice(0, 0)], 0.95, { totalEvents: 1, badEvents: 0 }],
    // 1 - 7/100 is 0.9299999999999999 in floating point; the exact ratio meets 0.93.
    ['a slice that floats would call bad', [slice(100, 7)], 0.93, { totalEvents: 1, badEvents: 0 }],
    ['a mix', [slice(100, 5), slice(100, 6), slice(0, 0), slice(200, 10), slice(10, 1)], 0.95, { totalEvents: 5, badEvents: 2 }],
    ['no slices', [], 0.95, { totalEvents: 0, badEvents: 0 }],
    ['a target of 1 with one bad event', [slice(1_000, 1), slice(1_000, 0)], 1, { totalEvents: 2, badEvents: 1 }],
  ])('counts %s', (_name, slices, target, expected) => {
    expect(timesliceCounts(slices, target)).toEqual(expected);
  });

  it('feeds the same burn-rate math: 2 bad minutes of 1000 against a 99.9 % objective burn at 2×', () => {
    const slices = Array.from({ length: 1_000 }, (_, i) => (i < 2 ? slice(60, 10) : slice(60, 0)));
    expect(burnRate(timesliceCounts(slices, 0.95), 0.001)).toBe(2);
  });

  it.each([0, 1.01, NaN])('refuses a slice target of %s', (target) => {
    expect(() => timesliceCounts([slice(1, 0)], target)).toThrow(RangeError);
  });
});
