import { describe, expect, it } from 'vitest';
import { errorBudgetFraction, objectiveRatio } from '../../../src/slo/math/index.js';

describe('errorBudgetFraction', () => {
  it.each([
    [99.9, 0.001],
    [99.95, 0.0005],
    [99.99, 0.0001],
    [99, 0.01],
    [95, 0.05],
    [99.999, 0.00001],
    [99.5, 0.005],
    [95.5, 0.045],
    [0.5, 0.995],
  ])('gives a %s %% objective a budget of exactly %s', (objectivePercent, expected) => {
    expect(errorBudgetFraction(objectivePercent)).toEqual({ ok: true, value: expected });
  });

  it('does better than floating subtraction, which gives 0.0009999999999999432 for 99.9', () => {
    expect((100 - 99.9) / 100).not.toBe(0.001);
  });

  it.each([0, 100, -1, 101, NaN, Infinity])('rejects an objective of %s', (objectivePercent) => {
    const result = errorBudgetFraction(objectivePercent);
    expect(result.ok).toBe(false);
  });

  it('says what an objective must look like', () => {
    expect(errorBudgetFraction(100)).toEqual({
      ok: false,
      message: 'objective 100 is not a percentage above 0 and below 100 (e.g. 99.9)',
    });
  });
});

describe('objectiveRatio', () => {
  it.each([
    [99.9, 0.999],
    [99.95, 0.9995],
    [95.5, 0.955],
    [99.999, 0.99999],
  ])('turns %s %% into exactly %s', (objectivePercent, expected) => {
    expect(objectiveRatio(objectivePercent)).toEqual({ ok: true, value: expected });
  });

  it.each([0, 100, NaN])('rejects an objective of %s', (objectivePercent) => {
    expect(objectiveRatio(objectivePercent).ok).toBe(false);
  });
});
