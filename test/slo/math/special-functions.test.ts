import { describe, expect, it } from 'vitest';
import { erfc, logGamma, normalCdf } from '../../../src/slo/math/index.js';

/** |actual − expected| / |expected| below `tolerance`. */
const expectRelative = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
};

// Reference values from mpmath at 30 digits.
describe('erfc', () => {
  it.each([
    [0, 1],
    [0.5, 0.47950012218695346],
    [1, 0.15729920705028513],
    [2, 0.0046777349810472658],
    [5, 1.5374597944280349e-12],
    [10, 2.0884875837625448e-45],
    [-1, 1.8427007929497149],
    [-3, 1.9999779095030014],
  ])('gives erfc(%s) = %s to 1e-14 relative, in all three of its intervals and for negative x', (x, expected) => {
    expectRelative(erfc(x), expected, 1e-14);
  });

  it('underflows to 0 only where the true value is below the smallest double', () => {
    expect(erfc(26)).toBeGreaterThan(0);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
  });
});

describe('normalCdf', () => {
  it.each([
    // The two-sided 95 % quantile.
    [1.959963985, 0.97500000002688156],
    [-3, 0.0013498980316300945],
    // The upper tail at 5 sigma.
    [-5, 2.8665157187919391e-7],
    // The z of the hand-worked z-test in compare.test.ts.
    [-3.1943828249996996, 0.00070065079048010735],
  ])('gives Φ(%s) = %s to 1e-12 relative', (x, expected) => {
    expectRelative(normalCdf(x), expected, 1e-12);
  });

  it('is symmetric: Φ(x) + Φ(−x) = 1', () => {
    for (const x of [0.1, 0.7, 1.5, 2.5, 4]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
    expect(normalCdf(0)).toBe(0.5);
  });
});

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [0.1, 2.252712651734205902],
    [0.5, 0.57236494292470008707], // ln √π
    [10, 12.801827480081469611], // ln 9!
    [100.5, 361.43554046777762156],
    [1_000_001, 12815518.384658169624], // ln 10^6!
  ])('gives ln Γ(%s) = %s', (x, expected) => {
    expect(Math.abs(logGamma(x) - expected)).toBeLessThan(1e-15 * Math.max(1, Math.abs(expected)) * 10);
  });

  it.each([0, -1, NaN, Infinity])('refuses %s', (x) => {
    expect(() => logGamma(x)).toThrow(RangeError);
  });
});
