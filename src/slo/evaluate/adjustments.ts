/**
 * @module slo/evaluate/adjustments
 * Which minutes budget adjustments take out of an SLO's numbers (pure):
 * - an adjustment applies to the SLOs it names, or whose labels its selector matches;
 * - `{from, to}` excludes the minutes [from, to);
 * - a recurring one excludes, from each start its cron expression gives in its time zone, the
 *   minutes of `for` real time. Local times are the zone's: `0 2 * * 0` in Europe/Berlin starts at
 *   01:00 UTC in winter and 00:00 UTC in summer. A start that a daylight-saving jump skips
 *   (02:30 on the last Sunday of March) happens when the clock jumps (03:00 local, as cron does); a
 *   start the clocks pass twice (02:30 on the last Sunday of October) happens once, the first time.
 *   Starts come from croner, which reads zones through Intl.
 * Intervals are whole minutes, [from, to] both included (unix seconds of the minutes' starts),
 * sorted and merged where they touch or overlap.
 */
import { Cron } from 'croner';
import type { BudgetAdjustment, Exclusion, SloDefinition } from '../spec/index.js';

export interface MinuteInterval {
  /** First and last excluded minute, unix seconds (multiples of 60), both included. */
  from: number;
  to: number;
}

/** An adjustment with the minutes it excludes from one SLO within some range. */
export interface AppliedAdjustment {
  adjustment: BudgetAdjustment;
  intervals: MinuteInterval[];
}

/** How many occurrences of one recurring adjustment are expanded in one range, at most (a minute-by-minute cron over 30 days is 43,200). */
export const MAX_OCCURRENCES = 50_000;

export function adjustmentApplies(a: BudgetAdjustment, slo: Pick<SloDefinition, 'name' | 'labels'>): boolean {
  switch (a.slos.kind) {
    case 'names':
      return a.slos.names.includes(slo.name);
    case 'selector':
      return Object.entries(a.slos.matchLabels).every(([k, v]) => slo.labels[k] === v);
    default:
      return assertNever(a.slos);
  }
}

/**
 * The minutes an exclusion covers that fall within [fromSeconds, toSeconds) (any seconds; the
 * result is whole minutes inside the range).
 */
export function exclusionIntervals(exclusion: Exclusion, fromSeconds: number, toSeconds: number): MinuteInterval[] {
  const lo = Math.ceil(fromSeconds / 60) * 60;
  const hi = Math.floor(toSeconds / 60) * 60 - 60; // last minute wholly before toSeconds
  const clip = (start: number, endExclusive: number): MinuteInterval | null => {
    const from = Math.max(start, lo);
    const to = Math.min(endExclusive - 60, hi);
    return to >= from ? { from, to } : null;
  };
  switch (exclusion.kind) {
    case 'window': {
      const one = clip(exclusion.fromSeconds, exclusion.toSeconds);
      return one === null ? [] : [one];
    }
    case 'recurring': {
      const cron = new Cron(exclusion.cron, { timezone: exclusion.timeZone, paused: true });
      const out: MinuteInterval[] = [];
      // nextRun is strictly after its argument: start a second before the earliest occurrence that can still overlap.
      let at: Date | null = new Date((lo - exclusion.durationSeconds) * 1000 - 1000);
      for (let n = 0; n < MAX_OCCURRENCES; n++) {
        at = cron.nextRun(at);
        if (at === null) break;
        const start = Math.floor(at.getTime() / 60_000) * 60;
        if (start > hi) break;
        const one = clip(start, start + exclusion.durationSeconds);
        if (one !== null) out.push(one);
      }
      return mergeIntervals(out);
    }
    default:
      return assertNever(exclusion);
  }
}

/** The adjustments that apply to `slo`, each with its minutes within [fromSeconds, toSeconds); those with none there are left out. */
export function appliedAdjustments(adjustments: readonly BudgetAdjustment[], slo: Pick<SloDefinition, 'name' | 'labels'>, fromSeconds: number, toSeconds: number): AppliedAdjustment[] {
  return adjustments
    .filter((a) => adjustmentApplies(a, slo))
    .map((adjustment) => ({ adjustment, intervals: exclusionIntervals(adjustment.exclude, fromSeconds, toSeconds) }))
    .filter((a) => a.intervals.length > 0);
}

/** Sorted, and merged where intervals overlap or touch (one ends the minute before the next starts). */
export function mergeIntervals(intervals: readonly MinuteInterval[]): MinuteInterval[] {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const out: MinuteInterval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last !== undefined && i.from <= last.to + 60) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

/** Every applied adjustment's minutes together. */
export const excludedIntervals = (applied: readonly AppliedAdjustment[]): MinuteInterval[] => mergeIntervals(applied.flatMap((a) => a.intervals));

/** The parts of `intervals` within minutes [fromMinute, toMinute]. */
export function clipIntervals(intervals: readonly MinuteInterval[], fromMinute: number, toMinute: number): MinuteInterval[] {
  const out: MinuteInterval[] = [];
  for (const i of intervals) {
    if (i.to < fromMinute || i.from > toMinute) continue;
    out.push({ from: Math.max(i.from, fromMinute), to: Math.min(i.to, toMinute) });
  }
  return out;
}

function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
