/**
 * @module slo/math
 * SLO periods: rolling (the last N whole days) or calendar (the current month or ISO week in an IANA time zone).
 * Calendar bounds are local midnights converted to instants with Intl.DateTimeFormat, so a month that contains a
 * DST change is an hour shorter or longer than its days suggest.
 */
import { parseDurationSeconds } from './duration.js';
import { fail, ok, type Result } from './result.js';

export type Calendar = 'month' | 'week';

export interface RollingPeriod {
  kind: 'rolling';
  periodSeconds: number;
}

export interface CalendarPeriod {
  kind: 'calendar';
  calendar: Calendar;
  /** An IANA name such as `UTC` or `Europe/Berlin`. */
  timeZone: string;
}

export type Period = RollingPeriod | CalendarPeriod;

/** `[startMs, endMs)`: the period's first instant and the first instant after it. */
export interface PeriodBounds {
  startMs: number;
  endMs: number;
}

const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;

/** `"28d"` → a rolling period of 28 days. Rolling periods are whole days, as in OpenSLO, Sloth and Pyrra. */
export function parseRollingPeriod(text: string): Result<RollingPeriod> {
  const seconds = parseDurationSeconds(text);
  if (!seconds.ok) return seconds;
  if (seconds.value < DAY_SECONDS || seconds.value % DAY_SECONDS !== 0) {
    return fail(`${JSON.stringify(text)} is not a whole number of days; a rolling period is e.g. 7d, 28d or 30d`);
  }
  return ok({ kind: 'rolling', periodSeconds: seconds.value });
}

export function calendarPeriod(calendar: string, timeZone = 'UTC'): Result<CalendarPeriod> {
  if (calendar !== 'month' && calendar !== 'week') {
    return fail(`calendar ${JSON.stringify(calendar)} is not one of month, week`);
  }
  try {
    formatterFor(timeZone);
  } catch {
    return fail(`time zone ${JSON.stringify(timeZone)} is not an IANA time zone such as UTC or Europe/Berlin`);
  }
  return ok({ kind: 'calendar', calendar, timeZone });
}

export function periodBounds(period: Period, nowMs: number): PeriodBounds {
  switch (period.kind) {
    case 'rolling':
      return { startMs: nowMs - period.periodSeconds * 1000, endMs: nowMs };
    case 'calendar':
      return calendarPeriodBounds(period.calendar, period.timeZone, nowMs);
    default:
      return assertNever(period);
  }
}

/**
 * The month or ISO week (Monday to Monday) containing `nowMs`, as seen on a wall clock in `timeZone`.
 * @throws RangeError for an unknown time zone; check it first with `calendarPeriod`.
 */
export function calendarPeriodBounds(calendar: Calendar, timeZone: string, nowMs: number): PeriodBounds {
  const today = wallClock(nowMs, timeZone);
  let start: LocalDate;
  let end: LocalDate;
  switch (calendar) {
    case 'month':
      start = { year: today.year, month: today.month, day: 1 };
      end = addDays({ year: today.year, month: today.month + 1, day: 1 }, 0);
      break;
    case 'week': {
      const daysSinceMonday = (utcMs(today.year, today.month, today.day).getUTCDay() + 6) % 7;
      start = addDays(today, -daysSinceMonday);
      end = addDays(start, 7);
      break;
    }
    default:
      return assertNever(calendar);
  }
  return { startMs: startOfLocalDayMs(start, timeZone), endMs: startOfLocalDayMs(end, timeZone) };
}

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

interface WallClock extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

/**
 * The first instant of a local day. Usually local midnight; when midnight occurs twice (clocks set back across it)
 * the earlier one; when a DST jump skips midnight (America/Santiago, September) the first instant after the gap,
 * as Temporal's `startOfDay` does.
 */
export function startOfLocalDayMs(date: LocalDate, timeZone: string): number {
  const midnightAsUtc = utcMs(date.year, date.month, date.day).getTime();
  // Any offset in force near that day is in force within a day of it; three samples see both sides of a change.
  const candidates = [-DAY_MS, 0, DAY_MS]
    .map((nearMs) => midnightAsUtc - offsetMs(midnightAsUtc + nearMs, timeZone))
    .sort((a, b) => a - b);
  const exact = candidates.find((t) => isWallMidnightOf(wallClock(t, timeZone), date));
  if (exact !== undefined) return exact;
  // Midnight was skipped: the day starts at the transition, between the latest candidate still on the day before
  // and the earliest already on the day. Transitions fall on whole seconds.
  let before = Math.max(...candidates.filter((t) => compareDates(wallClock(t, timeZone), date) < 0));
  let after = Math.min(...candidates.filter((t) => compareDates(wallClock(t, timeZone), date) >= 0));
  // Cannot happen with real zone data (the offset after a skipped midnight puts that candidate on the day before),
  // but an empty side would make the search below run on infinities.
  if (!Number.isFinite(before) || !Number.isFinite(after)) return candidates[0] ?? midnightAsUtc;
  while (after - before > 1000) {
    const mid = before + Math.floor((after - before) / 2000) * 1000;
    if (compareDates(wallClock(mid, timeZone), date) < 0) before = mid;
    else after = mid;
  }
  return after;
}

/** How far the wall clock in `timeZone` is ahead of UTC at `instantMs`, in milliseconds. */
function offsetMs(instantMs: number, timeZone: string): number {
  const w = wallClock(instantMs, timeZone);
  const wallAsUtc = utcMs(w.year, w.month, w.day, w.hour, w.minute, w.second).getTime();
  return wallAsUtc - (instantMs - mod(instantMs, 1000));
}

// Building a DateTimeFormat costs far more than using one, and periods are evaluated on every tick.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instantMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instantMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts['year'] ?? NaN,
    month: parts['month'] ?? NaN,
    day: parts['day'] ?? NaN,
    hour: parts['hour'] ?? NaN,
    minute: parts['minute'] ?? NaN,
    second: parts['second'] ?? NaN,
  };
}

/** A UTC Date from fields; setUTCFullYear because Date.UTC reads years 0-99 as 1900-1999. Fields may overflow. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d;
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = utcMs(date.year, date.month, date.day + days);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

function isWallMidnightOf(w: WallClock, date: LocalDate): boolean {
  return compareDates(w, date) === 0 && w.hour === 0 && w.minute === 0 && w.second === 0;
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
