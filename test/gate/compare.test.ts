import { describe, expect, it } from 'vitest';
import { compareErrorRatios, type ErrorCounts } from '../../src/gate/index.js';
import { fisherExactGreater, twoProportionZTest } from '../../src/slo/math/index.js';
import { GATE_POLICY_DEFAULTS } from '../../src/slo/spec/index.js';

const SETTINGS = { maxRatioIncrease: 2, minEvents: 100, significance: 0.01 };

const counts = (releaseBad: number, releaseTotal: number, baselineBad: number, baselineTotal: number): ErrorCounts => ({
  releaseBad,
  releaseTotal,
  baselineBad,
  baselineTotal,
});

const expectRelative = (actual: number, expected: number, tolerance: number): void => {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
};

describe('twoProportionZTest', () => {
  it('matches a hand-worked example: 30 of 1,000 against 10 of 1,000', () => {
    // p̂ = 40 / 2000 = 0.02; SE = √(0.02 × 0.98 × (1/1000 + 1/1000)) = √0.0000392 = 0.0062609903…
    // z = (0.03 − 0.01) / SE = 3.19438282…; one-sided p = 1 − Φ(z) = 7.0065079048e-4 (mpmath).
    const { z, pValue } = twoProportionZTest(30, 1_000, 10, 1_000);
    expect(z).toBeCloseTo(3.1943828249996996, 13);
    expectRelative(pValue, 0.00070065079048010735, 1e-12);
  });

  it('gives p = 0.5 when both ratios are equal', () => {
    expect(twoProportionZTest(5, 1_000, 5, 1_000)).toEqual({ z: 0, pValue: 0.5 });
    expect(twoProportionZTest(120, 60_000, 40, 20_000).pValue).toBe(0.5);
  });

  it('is one-sided: a release better than its baseline gets p near 1', () => {
    expect(twoProportionZTest(10, 1_000, 30, 1_000).pValue).toBeCloseTo(1 - 0.00070065079048010735, 14);
  });
});

describe('fisherExactGreater', () => {
  it('matches scipy.stats.fisher_exact([[3, 1], [1, 3]], alternative="greater")', () => {
    // P(X >= 3) = (C(4,3)·C(4,1) + C(4,4)·C(4,0)) / C(8,4) = 17/70; scipy prints 0.24285714285714288.
    expect(fisherExactGreater(3, 1, 1, 3)).toBeCloseTo(0.24285714285714288, 14);
  });

  it.each([
    // [table, p from mpmath at 40 digits]
    [[4, 96, 1, 199], 0.043892133474858890674],
    [[12, 988, 0, 1000], 0.00023617034873179731802],
    [[1, 999, 0, 1000], 0.5],
  ] as const)('gives %j a one-sided p of %s', ([a, b, c, d], expected) => {
    expectRelative(fisherExactGreater(a, b, c, d), expected, 1e-12);
  });

  it('handles 10^6 events per side without overflow', () => {
    // Only X = 3 is as extreme: C(10^6, 3) / C(2·10^6, 3) = (10^6 − 2) / (8·10^6 − 4).
    expectRelative(fisherExactGreater(3, 999_997, 0, 1_000_000), (1e6 - 2) / (8e6 - 4), 1e-8);
    expectRelative(fisherExactGreater(20, 999_980, 2, 999_998), 6.0553637874072580175e-5, 1e-8);
    // The true values are about 1e-4300 and 1 − 1e-4300: the answer saturates, it does not turn into NaN.
    expect(fisherExactGreater(500_000, 500_000, 400_000, 600_000)).toBe(0);
    expect(fisherExactGreater(400_000, 600_000, 500_000, 500_000)).toBe(1);
  });

  it('gives p just above 0.5 for a symmetric table: one half plus half the point mass', () => {
    // By symmetry P(X >= a) = P(X <= a), and the two add to 1 + P(X = a).
    expectRelative(fisherExactGreater(2, 998, 2, 998), (1 + 0.37537546940721236933) / 2, 1e-11);
    const large = fisherExactGreater(1_000, 999_000, 1_000, 999_000);
    expectRelative(large, (1 + 0.017847937344402775424) / 2, 1e-8);
    expect(large).toBeCloseTo(0.5, 1);
  });

  it('gives 1 when the release has the fewest bad events its margins allow', () => {
    expect(fisherExactGreater(0, 10, 5, 5)).toBe(1);
    expect(fisherExactGreater(0, 1_000, 0, 1_000)).toBe(1);
  });

  it.each([
    [-1, 1, 1, 1],
    [1.5, 1, 1, 1],
  ])('refuses the table [[%s, %s], [%s, %s]]', (a, b, c, d) => {
    expect(() => fisherExactGreater(a, b, c, d)).toThrow(RangeError);
  });
});

describe('compareErrorRatios', () => {
  it('uses the same defaults as a policy without a compare block', () => {
    expect(SETTINGS).toEqual(GATE_POLICY_DEFAULTS.compare);
  });

  it.each([
    [counts(1, 40, 10, 10_000), 'this release has served 40 events and its baseline 10,000; at least 100 each are needed to compare'],
    [counts(10, 10_000, 0, 99), 'this release has served 10,000 events and its baseline 99; at least 100 each are needed to compare'],
    [counts(0, 0, 0, 0), 'this release has served 0 events and its baseline 0; at least 100 each are needed to compare'],
  ])('reports %o as insufficient data, not as a verdict', (c, reason) => {
    expect(compareErrorRatios(c, SETTINGS)).toEqual({ kind: 'insufficient_data', reason });
  });

  it.each([
    {
      name: 'a 50× increase that the z-test finds significant is worse',
      counts: counts(500, 10_000, 10, 10_000),
      expected: { kind: 'worse', releaseRatio: 0.05, baselineRatio: 0.001, ratioIncrease: 50, exceedsMaxIncrease: true, test: 'two-proportion z-test', pValue: 2.2563890958249995e-107 },
    },
    {
      name: 'a significant 1.5× increase is within the allowed 2×',
      counts: counts(150, 10_000, 100, 10_000),
      expected: { kind: 'not_worse', releaseRatio: 0.015, baselineRatio: 0.01, ratioIncrease: 1.5, exceedsMaxIncrease: false, test: 'two-proportion z-test', pValue: 0.00073073072516098786 },
    },
    {
      name: 'an 8× increase on 5 bad events is not significant (Fisher, expected counts below 5)',
      counts: counts(4, 100, 1, 200),
      expected: { kind: 'not_worse', releaseRatio: 0.04, baselineRatio: 0.005, ratioIncrease: 8, exceedsMaxIncrease: true, test: 'Fisher exact test', pValue: 0.043892133474858890674 },
    },
    {
      name: 'one bad event against a clean baseline is an infinite increase but not significant',
      counts: counts(1, 1_000, 0, 1_000),
      expected: { kind: 'not_worse', releaseRatio: 0.001, baselineRatio: 0, ratioIncrease: Infinity, exceedsMaxIncrease: true, test: 'Fisher exact test', pValue: 0.5 },
    },
    {
      name: 'eight bad events against a clean baseline are worse',
      // Only X = 8 is as extreme: C(1000, 8) / C(2000, 8).
      counts: counts(8, 1_000, 0, 1_000),
      expected: { kind: 'worse', releaseRatio: 0.008, baselineRatio: 0, ratioIncrease: Infinity, exceedsMaxIncrease: true, test: 'Fisher exact test', pValue: 0.0038517404255419487535 },
    },
    {
      name: 'no bad events on either side is no increase',
      counts: counts(0, 1_000, 0, 1_000),
      expected: { kind: 'not_worse', releaseRatio: 0, baselineRatio: 0, ratioIncrease: 1, exceedsMaxIncrease: false, test: 'Fisher exact test', pValue: 1 },
    },
  ])('$name', ({ counts: c, expected }) => {
    const result = compareErrorRatios(c, SETTINGS);
    const { pValue, ...rest } = expected;
    expect(result).toMatchObject(rest);
    // Reference p-values from mpmath; log-gamma rounding leaves about 1e-12 relative at these counts.
    expect(result.kind === 'insufficient_data' ? NaN : Math.abs(result.pValue - pValue) / pValue).toBeLessThan(1e-11);
  });

  it('switches from the z-test to Fisher when an expected cell count drops below 5', () => {
    // Expected bad events per side: 10 × 1000/2000 = 5, then 9 × 1000/2000 = 4.5.
    expect(compareErrorRatios(counts(5, 1_000, 5, 1_000), SETTINGS)).toMatchObject({ test: 'two-proportion z-test', pValue: 0.5 });
    expect(compareErrorRatios(counts(5, 1_000, 4, 1_000), SETTINGS)).toMatchObject({ test: 'Fisher exact test' });
  });

  it('needs the increase to be significant at the configured level', () => {
    const c = counts(4, 100, 1, 200); // p = 0.0439
    expect(compareErrorRatios(c, SETTINGS).kind).toBe('not_worse');
    expect(compareErrorRatios(c, { ...SETTINGS, significance: 0.05 }).kind).toBe('worse');
  });

  it('refuses counts with more bad than total events', () => {
    expect(() => compareErrorRatios(counts(11, 10, 0, 10), SETTINGS)).toThrow(RangeError);
  });
});
