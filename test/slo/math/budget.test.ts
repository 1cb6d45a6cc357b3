import { describe, expect, it } from 'vitest';
import {
  budgetConsumed,
  budgetConsumedByBurn,
  budgetRemaining,
  secondsUntilExhausted,
  timeToExhaustFullBudgetSeconds,
  type WindowCounts,
} from '../../../src/slo/math/index.js';
import { budgetRatio, errorRatio, exactBurnRate, exactErrorRatio } from '../../../src/slo/math/burn-rate.js';
import { ratio, ratioToNumber, subtractRatios } from '../../../src/slo/math/decimal.js';

const DAY = 86_400;
const DAYS_30 = 30 * DAY;
const counts = (totalEvents: number, badEvents: number): WindowCounts => ({ totalEvents, badEvents });

describe('budgetConsumed and budgetRemaining', () => {
  it.each([
    [counts(1_000_000, 0), 0, 1],
    [counts(1_000_000, 500), 0.5, 0.5],
    [counts(1_000_000, 1_000), 1, 0],
    [counts(1_000_000, 2_000), 2, -1],
    [counts(1_000_000, 300), 0.3, 0.7],
  ])('at 99.9 %% spends %o as %s consumed, %s remaining', (w, consumed, remaining) => {
    expect(budgetConsumed(w, 0.001)).toBe(consumed);
    expect(budgetRemaining(w, 0.001)).toBe(remaining);
  });

  it('counts a period without traffic as nothing spent', () => {
    expect(budgetConsumed(counts(0, 0), 0.001)).toBe(0);
    expect(budgetRemaining(counts(0, 0), 0.001)).toBe(1);
  });

  it('leaves exactly 0.3 after 7 bad in 10000 at 99.9 %, where floats give 0.30000000000000004', () => {
    expect(budgetRemaining(counts(10_000, 7), 0.001)).toBe(0.3);
    expect(1 - 7 / 10_000 / 0.001).not.toBe(0.3);
  });

  it('spends a 99.95 % budget exactly', () => {
    expect(budgetRemaining(counts(10_000, 1), 0.0005)).toBe(0.8);
  });
});

// SRE Workbook table 5-4: time to exhaust a 30-day 99.9 % budget at a constant burn rate.
describe('timeToExhaustFullBudgetSeconds', () => {
  it.each([
    [1, 30 * DAY],
    [2, 15 * DAY],
    [10, 3 * DAY],
    [1_000, 2_592],
  ])('spends a 30-day budget at burn rate %s in %i seconds', (rate, expectedSeconds) => {
    expect(timeToExhaustFullBudgetSeconds(rate, DAYS_30)).toBe(expectedSeconds);
  });

  it('spends it at burn rate 1000 in 43.2 minutes, the table\'s "43 minutes"', () => {
    expect(timeToExhaustFullBudgetSeconds(1_000, DAYS_30)! / 60).toBe(43.2);
  });

  it.each([0, -1])('never spends it at burn rate %s', (rate) => {
    expect(timeToExhaustFullBudgetSeconds(rate, DAYS_30)).toBeNull();
  });
});

describe('secondsUntilExhausted', () => {
  it.each([
    [{ remainingFraction: 0.5, burnRate: 2, periodSeconds: DAYS_30 }, 648_000],
    [{ remainingFraction: 0.1, burnRate: 14.4, periodSeconds: DAYS_30 }, 18_000],
    [{ remainingFraction: 1, burnRate: 1, periodSeconds: DAYS_30 }, DAYS_30],
    [{ remainingFraction: 0, burnRate: 5, periodSeconds: DAYS_30 }, 0],
    [{ remainingFraction: -0.2, burnRate: 5, periodSeconds: DAYS_30 }, 0],
    [{ remainingFraction: -0.2, burnRate: null, periodSeconds: DAYS_30 }, 0],
    [{ remainingFraction: 0.5, burnRate: 0, periodSeconds: DAYS_30 }, null],
    [{ remainingFraction: 0.5, burnRate: -1, periodSeconds: DAYS_30 }, null],
    [{ remainingFraction: 0.5, burnRate: null, periodSeconds: DAYS_30 }, null],
  ])('gives %o → %s', (input, expected) => {
    expect(secondsUntilExhausted(input)).toBe(expected);
  });
});

// SRE Workbook tables 5-6 and 5-8: how much budget a burn rate sustained over a window spends.
describe('budgetConsumedByBurn', () => {
  it.each([
    [14.4, 3_600, DAYS_30, 0.02],
    [6, 6 * 3_600, DAYS_30, 0.05],
    [3, DAY, DAYS_30, 0.1],
    [1, 3 * DAY, DAYS_30, 0.1],
    [13.44, 3_600, 28 * DAY, 0.02],
    [1, DAYS_30, DAYS_30, 1],
  ])('burning %s× for %i s of a %i s period spends %s of the budget', (rate, durationSeconds, periodSeconds, expected) => {
    expect(budgetConsumedByBurn(rate, durationSeconds, periodSeconds)).toBe(expected);
  });
});

describe('the whole-count fast paths', () => {
  it('give the same doubles as the exact arithmetic', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (const budget of [0.001, 0.0005, 0.05, 0.1, 0.3, 0.00001, 0.123456789]) {
      for (let i = 0; i < 2_000; i++) {
        const totalEvents = 1 + random(i % 2 === 0 ? 1_000 : 2_000_000_000);
        const counts = { totalEvents, badEvents: random(totalEvents + 1) };
        const exactRemaining = ratioToNumber(subtractRatios(ratio(1n, 1n), exactBurnRate(counts, budgetRatio(budget))!));
        expect(budgetRemaining(counts, budget)).toBe(exactRemaining);
        expect(errorRatio(counts)).toBe(ratioToNumber(exactErrorRatio(counts)!));
      }
    }
  });
});
