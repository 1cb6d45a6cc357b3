import { describe, expect, it } from 'vitest';
import { alertWindows, SRE_WORKBOOK_WINDOWS, type AlertWindowSpec } from '../../../src/slo/math/index.js';

const DAYS_30 = 2_592_000;
const DAYS_28 = 2_419_200;

const burnFactors = (periodSeconds: number): number[] => {
  const rows = alertWindows(periodSeconds);
  if (!rows.ok) throw new Error(rows.message);
  return rows.value.map((r) => r.burnFactor);
};

describe('alertWindows', () => {
  it('gives the SRE Workbook rows for a 30-day period, each saying what it means', () => {
    expect(alertWindows(DAYS_30)).toEqual({
      ok: true,
      value: [
        { severity: 'page', shortWindowSeconds: 300, longWindowSeconds: 3_600, budgetConsumedFraction: 0.02, burnFactor: 14.4, meaning: 'page: 2% of the budget burnt within 1h' },
        { severity: 'page', shortWindowSeconds: 1_800, longWindowSeconds: 21_600, budgetConsumedFraction: 0.05, burnFactor: 6, meaning: 'page: 5% of the budget burnt within 6h' },
        { severity: 'ticket', shortWindowSeconds: 7_200, longWindowSeconds: 86_400, budgetConsumedFraction: 0.1, burnFactor: 3, meaning: 'ticket: 10% of the budget burnt within 1d' },
        { severity: 'ticket', shortWindowSeconds: 21_600, longWindowSeconds: 259_200, budgetConsumedFraction: 0.1, burnFactor: 1, meaning: 'ticket: 10% of the budget burnt within 3d' },
      ],
    });
  });

  // Sloth's factor table, compared with toBe: the factors must be the very doubles the literals are.
  it.each([
    [DAYS_30, [14.4, 6, 3, 1]],
    [DAYS_28, [13.44, 5.6, 2.8, 0.9333333333333333]],
    [7 * 86_400, [3.36, 1.4, 0.7, 0.23333333333333334]],
  ])('derives the burn factors for a %i-second period exactly', (periodSeconds, expected) => {
    const factors = burnFactors(periodSeconds);
    expect(factors).toHaveLength(4);
    expected.forEach((factor, i) => expect(factors[i]).toBe(factor));
  });

  it('gets 5.6 at 28 days, where floating point computing fraction × (period / window) gives 5.6000000000000005', () => {
    expect(burnFactors(DAYS_28)[1]).toBe(5.6);
    expect(0.05 * (DAYS_28 / 21_600)).not.toBe(5.6);
  });

  it('accepts custom windows and states them in the meaning', () => {
    const spec: AlertWindowSpec = { severity: 'page', shortWindowSeconds: 60, longWindowSeconds: 900, budgetConsumedFraction: 0.025 };
    expect(alertWindows(DAYS_30, [spec])).toEqual({
      ok: true,
      value: [{ ...spec, burnFactor: 72, meaning: 'page: 2.5% of the budget burnt within 15m' }],
    });
  });

  const page = (): AlertWindowSpec => ({ ...SRE_WORKBOOK_WINDOWS[0]! }); // index 0 exists: the table is a literal

  it.each([
    [{ ...page(), shortWindowSeconds: 3_600 }, 'alert window 1 (page): short window 1h must be shorter than long window 1h'],
    [{ ...page(), shortWindowSeconds: 0 }, 'alert window 1 (page): windows must be positive numbers of seconds'],
    [{ ...page(), longWindowSeconds: 31 * 86_400 }, 'alert window 1 (page): long window 31d must not be longer than the period 30d'],
    [{ ...page(), budgetConsumedFraction: 0 }, 'alert window 1 (page): budgetConsumedFraction 0 must be above 0 and at most 1'],
    [{ ...page(), budgetConsumedFraction: 2 }, 'alert window 1 (page): budgetConsumedFraction 2 must be above 0 and at most 1'],
  ])('rejects a malformed window %o', (spec, message) => {
    expect(alertWindows(DAYS_30, [spec])).toEqual({ ok: false, message });
  });

  it('accepts a long window equal to the period', () => {
    expect(alertWindows(86_400, [{ ...page(), longWindowSeconds: 86_400 }]).ok).toBe(true);
  });

  it('rejects the default windows for a period shorter than their 3-day long window', () => {
    expect(alertWindows(86_400)).toEqual({
      ok: false,
      message: 'alert window 4 (ticket): long window 3d must not be longer than the period 1d',
    });
  });

  it.each([0, -1, NaN])('rejects a period of %s seconds', (periodSeconds) => {
    expect(alertWindows(periodSeconds).ok).toBe(false);
  });
});
