/**
 * @module slo/evaluate/excluding-ledger
 * A ledger seen without the minutes budget adjustments exclude (pure). Every SLO number is a sum of
 * minutes (ledger-counts.ts, over-time.ts); this view's sums subtract the excluded minutes inside
 * the asked range, so budgets, burn rates, alerts, the gate, the series and the charts all leave
 * them out, and an adjustment added afterwards changes the numbers at once (nothing is re-recorded).
 *
 * An excluded stretch is summed like any window: whole hours from the hour totals, partial hours
 * from their minutes. The ledger holds minutes for the last few days only; for an older hour that
 * an exclusion starts or ends inside, the minutes come from `edges` (read back from
 * tollgate_slo_minutes by the engine: closed hours, which change only through a reconcile within
 * three days). Edge minutes count only while they add up to the ledger's hour total; otherwise
 * the hour is treated as not held (MissingMinutesError), never guessed.
 */
import type { MinuteInterval } from './adjustments.js';
import { MissingMinutesError, type Counts, type SeriesLedger, type SloLedger } from './ledger.js';

/** What ledger-counts.ts and over-time.ts read from one series. */
export interface SeriesView {
  readonly environment: string;
  readonly configHash: string;
  /** First and last minute with events (before exclusions: a bound, not exact). */
  readonly firstMinute: number;
  readonly lastMinute: number;
  isEmpty(): boolean;
  /** Events in minutes [fromMinute, toMinute], both included. */
  sum(fromMinute: number, toMinute: number): Counts;
}

/** What ledger-counts.ts and over-time.ts read from a ledger: its series. `SloLedger` is one. */
export interface LedgerView {
  series(): Iterable<SeriesView>;
}

/** Minute counts of hours the ledger holds only as totals, indexed by minute of the hour. */
export interface EdgeMinutes {
  minutes(environment: string, configHash: string, hourSeconds: number): { total: ArrayLike<number>; bad: ArrayLike<number> } | undefined;
}

export const NO_EDGES: EdgeMinutes = { minutes: () => undefined };

const HOUR = 3_600;

/** The ledger without the minutes of `intervals` (sorted, disjoint); the ledger itself when there are none. */
export function excludingLedger(ledger: SloLedger, intervals: readonly MinuteInterval[], edges: EdgeMinutes = NO_EDGES): LedgerView {
  if (intervals.length === 0) return ledger;
  return {
    *series() {
      for (const s of ledger.series()) yield excludingSeries(s, intervals, edges);
    },
  };
}

function excludingSeries(s: SeriesLedger, intervals: readonly MinuteInterval[], edges: EdgeMinutes): SeriesView {
  return {
    environment: s.environment,
    configHash: s.configHash,
    firstMinute: s.firstMinute,
    lastMinute: s.lastMinute,
    isEmpty: () => s.isEmpty(),
    sum(fromMinute, toMinute) {
      const c = s.sum(fromMinute, toMinute);
      if (c.total === 0 && c.bad === 0) return c;
      for (let i = firstEndingAtOrAfter(intervals, fromMinute); i < intervals.length; i++) {
        const x = intervals[i]!;
        if (x.from > toMinute) break;
        const e = excludedSum(s, Math.max(x.from, fromMinute), Math.min(x.to, toMinute), edges);
        c.total -= e.total;
        c.bad -= e.bad;
      }
      return c;
    },
  };
}

/** Index of the first interval whose last minute is at or after `minute` (binary search). */
function firstEndingAtOrAfter(intervals: readonly MinuteInterval[], minute: number): number {
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (intervals[mid]!.to < minute) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Events of one series in minutes [a, b]: whole hours from the totals, partial ones from minutes held or edges. */
function excludedSum(s: SeriesLedger, a: number, b: number, edges: EdgeMinutes): Counts {
  const acc = { total: 0, bad: 0 };
  const add = (c: Counts): void => {
    acc.total += c.total;
    acc.bad += c.bad;
  };
  const partial = (from: number, to: number): void => add(minutesOf(s, from, to, edges));
  const fromHour = Math.floor(a / HOUR) * HOUR;
  const toHour = Math.floor(b / HOUR) * HOUR;
  if (fromHour === toHour) {
    if (a === fromHour && b === fromHour + HOUR - 60) add(s.hourCounts(fromHour));
    else partial(a, b);
    return acc;
  }
  let firstFull = fromHour;
  if (a !== fromHour) {
    partial(a, fromHour + HOUR - 60);
    firstFull = fromHour + HOUR;
  }
  let lastFull = toHour;
  if (b !== toHour + HOUR - 60) {
    partial(toHour, b);
    lastFull = toHour - HOUR;
  }
  if (lastFull >= firstFull) add(s.sum(firstFull, lastFull + HOUR - 60));
  return acc;
}

function minutesOf(s: SeriesLedger, from: number, to: number, edges: EdgeMinutes): Counts {
  const hour = Math.floor(from / HOUR) * HOUR;
  if (s.hasMinutes(hour)) return s.sum(from, to);
  const held = edges.minutes(s.environment, s.configHash, hour);
  const hourTotal = s.hourCounts(hour);
  if (held !== undefined) {
    let total = 0;
    let bad = 0;
    for (let i = 0; i < 60; i++) {
      total += held.total[i] ?? 0;
      bad += held.bad[i] ?? 0;
    }
    if (total === hourTotal.total && bad === hourTotal.bad) {
      let t = 0;
      let b = 0;
      for (let i = (from - hour) / 60; i <= (to - hour) / 60; i++) {
        t += held.total[i] ?? 0;
        b += held.bad[i] ?? 0;
      }
      return { total: t, bad: b };
    }
  }
  throw new MissingMinutesError(hour);
}

/**
 * The hours of each series that `intervals` start or end inside and whose minutes the ledger no
 * longer holds (older than its minute detail) while the hour has events: what `edges` must hold.
 * Hours before `finalBefore` (unix seconds) count even while their minutes are held: the engine
 * reads their edges before compaction drops those minutes, so no evaluation finds them missing.
 */
export function edgeHoursNeeded(ledger: SloLedger, intervals: readonly MinuteInterval[], finalBefore = -Infinity): number[] {
  const partialHours = new Set<number>();
  for (const i of intervals) {
    const a = Math.floor(i.from / HOUR) * HOUR;
    const b = Math.floor(i.to / HOUR) * HOUR;
    if (i.from !== a || (a === b && i.to !== a + HOUR - 60)) partialHours.add(a);
    if (i.to !== b + HOUR - 60) partialHours.add(b);
  }
  const out = new Set<number>();
  for (const hour of partialHours) {
    for (const s of ledger.series()) {
      if (s.hasMinutes(hour) && hour >= finalBefore) continue;
      const c = s.hourCounts(hour);
      if (c.total !== 0 || c.bad !== 0) out.add(hour);
    }
  }
  return [...out].sort((x, y) => x - y);
}
