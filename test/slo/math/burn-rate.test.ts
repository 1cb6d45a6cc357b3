import { describe, expect, it } from 'vitest';
import { burnRate, errorRatio, type WindowCounts } from '../../../src/slo/math/index.js';
import { budgetRatio } from '../../../src/slo/math/burn-rate.js';

const counts = (totalEvents: number, badEvents: number): WindowCounts => ({ totalEvents, badEvents });

describe('errorRatio', () => {
  it.each([
    [counts(100, 1), 0.01],
    [counts(3, 1), 0.3333333333333333],
    [counts(1_000, 0), 0],
    [counts(10, 10), 1],
    [counts(1_000.5, 1.0005), 0.001],
  ])('gives %o an error ratio of %s', (w, expected) => {
    expect(errorRatio(w)).toBe(expected);
  });

  it('is unknown, not zero, without traffic', () => {
    expect(errorRatio(counts(0, 0))).toBeNull();
  });
});

describe('burnRate', () => {
  it.each([
    [counts(10_000, 144), 0.001, 14.4],
    [counts(1_000, 1), 0.001, 1],
    [counts(1_000, 0), 0.001, 0],
    [counts(10_000, 5), 0.0005, 1],
    [counts(10_000, 1), 0.0005, 0.2],
    [counts(100, 100), 0.001, 1_000],
  ])('burns %o against a budget of %s at %s×', (w, budgetFraction, expected) => {
    expect(burnRate(w, budgetFraction)).toBe(expected);
  });

  it('does better than dividing floats, which gives 14.399999999999999', () => {
    expect(144 / 10_000 / 0.001).not.toBe(14.4);
  });

  it('is unknown without traffic', () => {
    expect(burnRate(counts(0, 0), 0.001)).toBeNull();
  });

  it.each([0, -0.1, 1.5, NaN])('refuses a budget fraction of %s', (budgetFraction) => {
    expect(() => burnRate(counts(10, 1), budgetFraction)).toThrow(RangeError);
    expect(() => budgetRatio(budgetFraction)).toThrow(/must be above 0 and at most 1/);
  });
});
