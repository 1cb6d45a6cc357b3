import { describe, expect, it } from 'vitest';
import {
  alertWindows,
  evaluateAlert,
  nextAlertState,
  type AlertOptions,
  type AlertRule,
  type AlertState,
  type WindowCounts,
} from '../../../src/slo/math/index.js';

// 99.9 % over 30 days: the fast page row fires above an error ratio of 14.4 × 0.001 = 0.0144.
const pageRule = (): AlertRule => ({ shortWindowSeconds: 300, longWindowSeconds: 3_600, burnFactor: 14.4 });
const options = (): AlertOptions => ({ budgetFraction: 0.001, minEvents: 100 });
const counts = (totalEvents: number, badEvents: number): WindowCounts => ({ totalEvents, badEvents });

const ABOVE = counts(10_000, 145); // 0.0145
const AT = counts(10_000, 144); // 0.0144 exactly
const JUST_ABOVE = counts(1_000_000, 14_401); // 0.014401
const BELOW = counts(10_000, 100); // 0.01

describe('evaluateAlert', () => {
  it.each([
    ['both windows exceed the threshold', ABOVE, ABOVE, true],
    ['both windows are just above the threshold', JUST_ABOVE, JUST_ABOVE, true],
    ['only the short window exceeds it', ABOVE, BELOW, false],
    ['only the long window exceeds it', BELOW, ABOVE, false],
    ['both windows are exactly at the threshold', AT, AT, false],
    ['one window is exactly at the threshold', ABOVE, AT, false],
    ['the short window has fewer than minEvents events', counts(99, 99), ABOVE, false],
    ['the long window has fewer than minEvents events', ABOVE, counts(50, 50), false],
    ['a window has no events', counts(0, 0), ABOVE, false],
    ['a window has exactly minEvents events', counts(100, 50), ABOVE, true],
  ])('when %s, firing is %s', (_name, short, long, firing) => {
    expect(evaluateAlert(pageRule(), short, long, options()).firing).toBe(firing);
  });

  it('explains a firing alert with both burn rates', () => {
    expect(evaluateAlert(pageRule(), counts(1_000, 20), ABOVE, options())).toEqual({
      firing: true,
      reason: 'burning at 20× over 5m and 14.5× over 1h, above 14.4×',
      shortBurnRate: 20,
      longBurnRate: 14.5,
    });
  });

  it('explains an alert held back at the threshold', () => {
    expect(evaluateAlert(pageRule(), ABOVE, AT, options())).toEqual({
      firing: false,
      reason: 'the 1h window burns at 14.4×, not above 14.4×',
      shortBurnRate: 14.5,
      longBurnRate: 14.4,
    });
  });

  it('explains an alert held back by low traffic', () => {
    expect(evaluateAlert(pageRule(), counts(12, 12), ABOVE, options())).toEqual({
      firing: false,
      reason: 'the 5m window has 12 events, fewer than minEvents 100',
      shortBurnRate: 1_000,
      longBurnRate: 14.5,
    });
  });

  it('does not fire on a window without events even when the guard is off', () => {
    expect(evaluateAlert(pageRule(), ABOVE, counts(0, 0), { budgetFraction: 0.001, minEvents: 0 })).toEqual({
      firing: false,
      reason: 'the 1h window has no events',
      shortBurnRate: 14.5,
      longBurnRate: null,
    });
  });

  it('uses the rows from alertWindows as rules: the slow 28-day ticket fires just above 0.9333… × budget', () => {
    const rows = alertWindows(28 * 86_400);
    if (!rows.ok) throw new Error(rows.message);
    const slowTicket = rows.value[3]!; // four rows: the Workbook table
    // The threshold is 0.9333333333333333 × 0.001; these ratios differ from it in the 13th significant digit.
    const justAbove = counts(1_000_000_000_000_000, 933_333_333_334); // 0.000933333333333400
    const justBelow = counts(1_000_000_000_000_000, 933_333_333_333); // 0.000933333333333300
    expect(evaluateAlert(slowTicket, justAbove, justAbove, options()).firing).toBe(true);
    expect(evaluateAlert(slowTicket, justBelow, justBelow, options()).firing).toBe(false);
  });
});

describe('nextAlertState', () => {
  const inactive: AlertState = { state: 'inactive' };
  const firingSince: AlertState = { state: 'firing', sinceMs: 1_000 };

  it.each([
    ['an inactive alert that starts firing', inactive, true, { state: { state: 'firing', sinceMs: 5_000 }, transition: 'fired' }],
    ['an inactive alert that stays quiet', inactive, false, { state: inactive, transition: null }],
    ['a firing alert that keeps firing', firingSince, true, { state: firingSince, transition: null }],
    ['a firing alert that stops', firingSince, false, { state: inactive, transition: 'resolved' }],
  ] as const)('moves %s', (_name, previous, firing, expected) => {
    expect(nextAlertState(previous, firing, 5_000)).toEqual(expected);
  });
});
