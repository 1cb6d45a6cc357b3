/**
 * @module backtest/minute-data
 * An SLO's recorded minutes over the replayed span, held to be summed at any instant (pure): per
 * environment and config_hash, the minutes with events in order and their running totals, so any
 * window's sum is two binary searches. Unlike the engine's ledger it holds every minute of the
 * span (a stored decision of three weeks ago needs its 5-minute window), and it is built once per
 * side with that side's excluded minutes already left out.
 */
import type { Counts, LedgerView, MinuteInterval, SeriesView } from '../slo/evaluate/index.js';

/** One series' minutes as read: ascending unix seconds and the counts at the same index. */
export interface SeriesRecords {
  environment: string;
  configHash: string;
  minutes: ArrayLike<number>;
  totals: ArrayLike<number>;
  bads: ArrayLike<number>;
}

export class MinuteSeries implements SeriesView {
  readonly firstMinute: number;
  readonly lastMinute: number;
  private constructor(
    readonly environment: string,
    readonly configHash: string,
    private readonly minutes: Float64Array,
    /** cum[i] = Σ counts[0..i) */
    private readonly cumTotals: Float64Array,
    private readonly cumBads: Float64Array,
    private readonly asOf: number,
  ) {
    const last = upperBound(minutes, asOf) - 1;
    this.firstMinute = minutes.length === 0 || last < 0 ? Infinity : minutes[0]!;
    this.lastMinute = last < 0 ? -Infinity : minutes[last]!;
  }

  /** From records, leaving out the minutes of `excluded` (sorted, disjoint) and minutes without events. */
  static of(r: SeriesRecords, excluded: readonly MinuteInterval[]): MinuteSeries {
    const keep: number[] = [];
    let x = 0;
    for (let i = 0; i < r.minutes.length; i++) {
      const m = r.minutes[i]!;
      while (x < excluded.length && excluded[x]!.to < m) x++;
      if (x < excluded.length && excluded[x]!.from <= m) continue;
      if (r.totals[i] === 0 && r.bads[i] === 0) continue;
      keep.push(i);
    }
    const minutes = new Float64Array(keep.length);
    const cumTotals = new Float64Array(keep.length + 1);
    const cumBads = new Float64Array(keep.length + 1);
    keep.forEach((i, k) => {
      minutes[k] = r.minutes[i]!;
      cumTotals[k + 1] = cumTotals[k]! + r.totals[i]!;
      cumBads[k + 1] = cumBads[k]! + r.bads[i]!;
    });
    return new MinuteSeries(r.environment, r.configHash, minutes, cumTotals, cumBads, Infinity);
  }

  /** The same series as it stood at the end of minute `minute`: nothing after it. */
  at(minute: number): MinuteSeries {
    return new MinuteSeries(this.environment, this.configHash, this.minutes, this.cumTotals, this.cumBads, minute);
  }

  isEmpty(): boolean {
    return this.firstMinute === Infinity;
  }

  sum(fromMinute: number, toMinute: number): Counts {
    const to = Math.min(toMinute, this.asOf);
    if (to < fromMinute) return { total: 0, bad: 0 };
    const lo = lowerBound(this.minutes, fromMinute);
    const hi = upperBound(this.minutes, to);
    return { total: this.cumTotals[hi]! - this.cumTotals[lo]!, bad: this.cumBads[hi]! - this.cumBads[lo]! };
  }

  /** Adds each minute's counts into per-minute arrays shifted by one (index 1 is `fromMinute`). */
  addInto(total: Float64Array, bad: Float64Array, fromMinute: number, toMinute: number): void {
    const hi = upperBound(this.minutes, Math.min(toMinute, this.asOf));
    for (let k = lowerBound(this.minutes, fromMinute); k < hi; k++) {
      const i = (this.minutes[k]! - fromMinute) / 60 + 1;
      total[i] = total[i]! + this.cumTotals[k + 1]! - this.cumTotals[k]!;
      bad[i] = bad[i]! + this.cumBads[k + 1]! - this.cumBads[k]!;
    }
  }

  /** The first minute with events at or after `minute` (up to the series' instant), or undefined. */
  firstFrom(minute: number): number | undefined {
    const i = lowerBound(this.minutes, minute);
    const m = this.minutes[i];
    return m !== undefined && m <= this.asOf ? m : undefined;
  }
}

/** An SLO's series on one side of a change. */
export class MinuteData implements LedgerView {
  /** Running totals already made, by range and environment (both sides of an objective change share them). */
  private readonly totalsMade = new Map<string, { total: Float64Array; bad: Float64Array }>();
  constructor(private readonly all: readonly MinuteSeries[]) {}

  static of(records: readonly SeriesRecords[], excluded: readonly MinuteInterval[]): MinuteData {
    return new MinuteData(records.map((r) => MinuteSeries.of(r, excluded)));
  }

  series(): Iterable<MinuteSeries> {
    return this.all;
  }

  at(minute: number): MinuteData {
    return new MinuteData(this.all.map((s) => s.at(minute)));
  }

  /**
   * Events per minute of [fromMinute, toMinute] in `environment` (null: all), summed over releases,
   * as running totals: index i holds the minutes before fromMinute + 60·i. What the alert replay reads.
   */
  runningTotals(fromMinute: number, toMinute: number, environment: string | null): { total: Float64Array; bad: Float64Array } {
    const key = `${fromMinute}:${toMinute}:${environment ?? ''}`;
    const made = this.totalsMade.get(key);
    if (made !== undefined) return made;
    const n = (toMinute - fromMinute) / 60 + 1;
    const total = new Float64Array(n + 1);
    const bad = new Float64Array(n + 1);
    for (const s of this.all) {
      if (environment !== null && s.environment !== environment) continue;
      s.addInto(total, bad, fromMinute, toMinute);
    }
    for (let i = 1; i <= n; i++) {
      total[i] = total[i]! + total[i - 1]!;
      bad[i] = bad[i]! + bad[i - 1]!;
    }
    this.totalsMade.set(key, { total, bad });
    return { total, bad };
  }
}

/** The first index whose value is at or after `v` (binary search over ascending values). */
export function lowerBound(xs: Float64Array, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(xs: Float64Array, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
