import { describe, expect, it } from 'vitest';
import {
  calendarPeriod,
  calendarPeriodBounds,
  parseRollingPeriod,
  periodBounds,
} from '../../../src/slo/math/index.js';
import { startOfLocalDayMs } from '../../../src/slo/math/period.js';

const at = (iso: string): number => Date.parse(iso);
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

describe('parseRollingPeriod', () => {
  it.each([
    ['1d', 86_400],
    ['7d', 604_800],
    ['28d', 2_419_200],
    ['30d', 2_592_000],
    ['4w', 2_419_200],
  ])('reads %s as a rolling period of %i seconds', (text, periodSeconds) => {
    expect(parseRollingPeriod(text)).toEqual({ ok: true, value: { kind: 'rolling', periodSeconds } });
  });

  it.each(['36h', '12h', '1.5d', '0d'])('rejects %s, which is not a whole number of days', (text) => {
    expect(parseRollingPeriod(text)).toEqual({
      ok: false,
      message: `"${text}" is not a whole number of days; a rolling period is e.g. 7d, 28d or 30d`,
    });
  });

  it('passes a duration error through', () => {
    expect(parseRollingPeriod('month').ok).toBe(false);
  });
});

describe('calendarPeriod', () => {
  it('accepts a month in Europe/Berlin', () => {
    expect(calendarPeriod('month', 'Europe/Berlin')).toEqual({
      ok: true,
      value: { kind: 'calendar', calendar: 'month', timeZone: 'Europe/Berlin' },
    });
  });

  it('defaults to UTC', () => {
    expect(calendarPeriod('week')).toEqual({ ok: true, value: { kind: 'calendar', calendar: 'week', timeZone: 'UTC' } });
  });

  it('rejects an unknown calendar', () => {
    expect(calendarPeriod('quarter')).toEqual({ ok: false, message: 'calendar "quarter" is not one of month, week' });
  });

  it('rejects an unknown time zone', () => {
    expect(calendarPeriod('month', 'Mars/Olympus')).toEqual({
      ok: false,
      message: 'time zone "Mars/Olympus" is not an IANA time zone such as UTC or Europe/Berlin',
    });
  });
});

describe('calendarPeriodBounds', () => {
  it.each([
    ['month', 'UTC', '2024-02-15T12:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['month', 'UTC', '2024-02-01T00:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['month', 'UTC', '2024-12-31T23:59:59.999Z', '2024-12-01T00:00:00Z', '2025-01-01T00:00:00Z'],
    ['week', 'UTC', '2024-01-03T10:00:00Z', '2024-01-01T00:00:00Z', '2024-01-08T00:00:00Z'],
    ['week', 'UTC', '2024-01-07T23:59:59Z', '2024-01-01T00:00:00Z', '2024-01-08T00:00:00Z'],
    ['week', 'UTC', '2024-01-08T00:00:00Z', '2024-01-08T00:00:00Z', '2024-01-15T00:00:00Z'],
    ['week', 'UTC', '2024-12-31T12:00:00Z', '2024-12-30T00:00:00Z', '2025-01-06T00:00:00Z'],
    // Berlin springs forward on 2024-03-31 (+01:00 → +02:00) and falls back on 2024-10-27.
    ['month', 'Europe/Berlin', '2024-03-31T12:00:00Z', '2024-02-29T23:00:00Z', '2024-03-31T22:00:00Z'],
    ['month', 'Europe/Berlin', '2024-02-29T23:30:00Z', '2024-02-29T23:00:00Z', '2024-03-31T22:00:00Z'],
    ['month', 'Europe/Berlin', '2024-02-29T22:59:59Z', '2024-01-31T23:00:00Z', '2024-02-29T23:00:00Z'],
    ['month', 'Europe/Berlin', '2024-10-15T00:00:00Z', '2024-09-30T22:00:00Z', '2024-10-31T23:00:00Z'],
    ['week', 'Europe/Berlin', '2024-03-30T12:00:00Z', '2024-03-24T23:00:00Z', '2024-03-31T22:00:00Z'],
    // Santiago skips midnight on 2024-09-08 (00:00 -04 becomes 01:00 -03).
    ['week', 'America/Santiago', '2024-09-05T12:00:00Z', '2024-09-02T04:00:00Z', '2024-09-09T03:00:00Z'],
  ] as const)('bounds the %s in %s containing %s as [%s, %s)', (calendar, timeZone, now, start, end) => {
    expect(calendarPeriodBounds(calendar, timeZone, at(now))).toEqual({ startMs: at(start), endMs: at(end) });
  });

  it('makes a Berlin March one hour shorter than 31 days and October one hour longer', () => {
    const march = calendarPeriodBounds('month', 'Europe/Berlin', at('2024-03-15T00:00:00Z'));
    const october = calendarPeriodBounds('month', 'Europe/Berlin', at('2024-10-15T00:00:00Z'));
    expect(march.endMs - march.startMs).toBe(31 * DAY_MS - HOUR_MS);
    expect(october.endMs - october.startMs).toBe(31 * DAY_MS + HOUR_MS);
  });
});

describe('startOfLocalDayMs', () => {
  it.each([
    [{ year: 2024, month: 3, day: 31 }, 'Europe/Berlin', '2024-03-30T23:00:00Z'],
    [{ year: 2024, month: 4, day: 1 }, 'Europe/Berlin', '2024-03-31T22:00:00Z'],
    // Midnight skipped: the day begins at 01:00 -03, the instant after the gap.
    [{ year: 2024, month: 9, day: 8 }, 'America/Santiago', '2024-09-08T04:00:00Z'],
    // Clocks set back from 00:00 -03 to 23:00 -04: midnight comes once, an hour after the change.
    [{ year: 2024, month: 4, day: 7 }, 'America/Santiago', '2024-04-07T04:00:00Z'],
    [{ year: 2024, month: 1, day: 1 }, 'Asia/Kolkata', '2023-12-31T18:30:00Z'],
  ])('starts %o in %s at %s', (date, timeZone, expected) => {
    expect(startOfLocalDayMs(date, timeZone)).toBe(at(expected));
  });
});

describe('periodBounds', () => {
  it('ends a rolling period now and starts it one period earlier', () => {
    const nowMs = at('2024-05-10T08:00:00Z');
    expect(periodBounds({ kind: 'rolling', periodSeconds: 2_592_000 }, nowMs)).toEqual({
      startMs: at('2024-04-10T08:00:00Z'),
      endMs: nowMs,
    });
  });

  it('delegates a calendar period to calendarPeriodBounds', () => {
    expect(periodBounds({ kind: 'calendar', calendar: 'month', timeZone: 'UTC' }, at('2024-05-10T08:00:00Z'))).toEqual({
      startMs: at('2024-05-01T00:00:00Z'),
      endMs: at('2024-06-01T00:00:00Z'),
    });
  });
});
