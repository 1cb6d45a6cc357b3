/**
 * @module slo/evaluate/ledger
 * One SLO's recorded counts in memory, by environment and config_hash: per minute for the last
 * few days (every window up to three days is whole minutes, see windows.ts) and per hour beyond.
 * Any window, budget, burn rate or release split is then arithmetic: hour prefix sums for the
 * body of a window and at most 59 minutes at each end. Pure data structure, no I/O.
 *
 * Merging is by maximum. Counts only grow as data arrives: the live feed adds what this process
 * acknowledged, and a recorded snapshot (the store's count of a minute at some moment) is merged
 * with `max`. Whatever order the two arrive in, a minute ends at the larger, which is the count of
 * everything either side saw; a snapshot taken later than a live add already includes it, so
 * nothing is counted twice (a counter's join, as in a grow-only CRDT).
 */

export interface MinuteRecord {
  /** Unix seconds, a multiple of 60. */
  minute: number;
  environment: string;
  configHash: string;
  total: number;
  bad: number;
}

export interface Counts {
  total: number;
  bad: number;
}

/** Asked for minutes of an hour whose minutes are no longer held (only its hour total is). */
export class MissingMinutesError extends Error {
  override readonly name = 'MissingMinutesError';
  constructor(readonly hourSeconds: number) {
    super(`minute detail of the hour at ${new Date(hourSeconds * 1000).toISOString()} is not held in memory`);
  }
}

const HOUR = 3_600;
const MINUTES_PER_HOUR = 60;

/**
 * Span and log counts per minute fit 32 bits (4 billion events a minute); metric SLIs count what
 * their counters say, which may be fractional (a double counter of bytes), so they hold doubles.
 */
interface MinuteDetail {
  total: Uint32Array | Float64Array;
  bad: Uint32Array | Float64Array;
}

/** One environment and config_hash of one SLO. */
export class SeriesLedger {
  /** Hour index (unix hour) of slot 0. */
  private base = 0;
  private length = 0;
  private totals = new Float64Array(0);
  private bads = new Float64Array(0);
  /** cumTotals[i] = Σ totals[0..i); valid up to `prefixValid`. */
  private cumTotals = new Float64Array(1);
  private cumBads = new Float64Array(1);
  private prefixValid = 0;
  private readonly detail = new Map<number, MinuteDetail>();
  /** First and last minute with events (unix seconds), for "where and when did this release run". */
  firstMinute = Infinity;
  lastMinute = -Infinity;

  constructor(
    readonly environment: string,
    readonly configHash: string,
    private readonly fractional = false,
  ) {}

  /** Adds counts to a minute (the live feed: events this process stored). */
  addMinute(minute: number, total: number, bad: number): void {
    if (total === 0 && bad === 0) return;
    const hour = Math.floor(minute / HOUR);
    // A new hour gets its minutes; an old hour whose minutes were dropped keeps only its total.
    const d = this.detail.get(hour) ?? (this.hourHasNoEvents(hour) ? this.newDetail(hour) : undefined);
    if (d !== undefined) {
      const i = (minute / 60) % MINUTES_PER_HOUR;
      d.total[i] = (d.total[i] as number) + total;
      d.bad[i] = (d.bad[i] as number) + bad;
    }
    this.addHour(hour, total, bad);
    this.seen(minute, total);
  }

  /** Merges a recorded minute (the store's count at some moment): each count becomes the larger. Returns whether it changed. */
  mergeMinute(minute: number, total: number, bad: number): boolean {
    const hour = Math.floor(minute / HOUR);
    const d = this.detail.get(hour) ?? (this.hourHasNoEvents(hour) ? this.newDetail(hour) : undefined);
    if (d === undefined) throw new MissingMinutesError(hour * HOUR);
    const i = (minute / 60) % MINUTES_PER_HOUR;
    const dt = Math.max(0, total - (d.total[i] as number));
    const db = Math.max(0, bad - (d.bad[i] as number));
    if (dt === 0 && db === 0) return false;
    d.total[i] = (d.total[i] as number) + dt;
    d.bad[i] = (d.bad[i] as number) + db;
    this.addHour(hour, dt, db);
    this.seen(minute, total);
    return true;
  }

  /** Merges a recorded hour whose minutes are not held (older than the minute horizon). */
  mergeHour(hourSeconds: number, total: number, bad: number): boolean {
    const hour = hourSeconds / HOUR;
    const slot = this.slotOf(hour);
    const t = slot === undefined ? 0 : (this.totals[slot] as number);
    const b = slot === undefined ? 0 : (this.bads[slot] as number);
    const dt = Math.max(0, total - t);
    const db = Math.max(0, bad - b);
    if (dt === 0 && db === 0) return false;
    this.addHour(hour, dt, db);
    if (total > 0) {
      this.firstMinute = Math.min(this.firstMinute, hourSeconds);
      this.lastMinute = Math.max(this.lastMinute, hourSeconds + HOUR - 60);
    }
    return true;
  }

  /** The counts of one minute, when its hour's minutes are held. */
  minuteCounts(minute: number): Counts | undefined {
    const d = this.detail.get(Math.floor(minute / HOUR));
    if (d === undefined) return undefined;
    const i = (minute / 60) % MINUTES_PER_HOUR;
    return { total: d.total[i] as number, bad: d.bad[i] as number };
  }

  hourCounts(hourSeconds: number): Counts {
    const slot = this.slotOf(hourSeconds / HOUR);
    return slot === undefined ? { total: 0, bad: 0 } : { total: this.totals[slot] as number, bad: this.bads[slot] as number };
  }

  hasMinutes(hourSeconds: number): boolean {
    return this.detail.has(hourSeconds / HOUR) || this.hourHasNoEvents(hourSeconds / HOUR);
  }

  /**
   * Events in minutes [fromMinute, toMinute] (both included, unix seconds). Whole hours come from
   * the hour totals; a partial hour needs its minutes.
   * @throws MissingMinutesError when a partial hour with events is no longer held by the minute.
   */
  sum(fromMinute: number, toMinute: number): Counts {
    if (toMinute < fromMinute || this.length === 0) return { total: 0, bad: 0 };
    const fromHour = Math.floor(fromMinute / HOUR);
    const toHour = Math.floor(toMinute / HOUR);
    if (fromHour === toHour) {
      if (fromMinute % HOUR === 0 && toMinute % HOUR === HOUR - 60) return this.hourCounts(fromHour * HOUR);
      return this.minutes(fromHour, fromMinute, toMinute);
    }
    const acc = { total: 0, bad: 0 };
    let firstFull = fromHour;
    if (fromMinute % HOUR !== 0) {
      add(acc, this.minutes(fromHour, fromMinute, (fromHour + 1) * HOUR - 60));
      firstFull = fromHour + 1;
    }
    let lastFull = toHour;
    if (toMinute % HOUR !== HOUR - 60) {
      add(acc, this.minutes(toHour, toHour * HOUR, toMinute));
      lastFull = toHour - 1;
    }
    if (lastFull >= firstFull) add(acc, this.hours(firstFull, lastFull));
    return acc;
  }

  /**
   * Drops minutes of hours before `minutesFrom` (their totals stay) and hours before `hoursFrom`
   * (unix seconds, whole hours), except the minutes of the hours in `keepMinutesOf`.
   */
  compact(minutesFrom: number, hoursFrom: number, keepMinutesOf: ReadonlySet<number> = new Set()): void {
    for (const hour of this.detail.keys()) {
      if (keepMinutesOf.has(hour * HOUR) && hour * HOUR >= hoursFrom) continue;
      if (hour * HOUR < minutesFrom || hour * HOUR < hoursFrom) this.detail.delete(hour);
    }
    const keepFrom = hoursFrom / HOUR;
    if (this.length === 0 || keepFrom <= this.base) return;
    const drop = Math.min(this.length, keepFrom - this.base);
    this.totals.copyWithin(0, drop, this.length);
    this.bads.copyWithin(0, drop, this.length);
    this.totals.fill(0, this.length - drop, this.length);
    this.bads.fill(0, this.length - drop, this.length);
    this.length -= drop;
    this.base += drop;
    this.prefixValid = 0;
    if (this.firstMinute < hoursFrom) this.firstMinute = this.length === 0 ? Infinity : hoursFrom;
    if (this.length === 0) this.lastMinute = -Infinity;
  }

  /** Bytes held, for the memory figure in /metrics and bench/slo. */
  bytes(): number {
    return this.totals.byteLength * 2 + this.cumTotals.byteLength * 2 + this.detail.size * MINUTES_PER_HOUR * (this.fractional ? 16 : 8);
  }

  isEmpty(): boolean {
    return this.firstMinute === Infinity;
  }

  private seen(minute: number, total: number): void {
    if (total <= 0) return;
    if (minute < this.firstMinute) this.firstMinute = minute;
    if (minute > this.lastMinute) this.lastMinute = minute;
  }

  private minutes(hour: number, fromMinute: number, toMinute: number): Counts {
    const d = this.detail.get(hour);
    if (d === undefined) {
      if (this.hourHasNoEvents(hour)) return { total: 0, bad: 0 };
      throw new MissingMinutesError(hour * HOUR);
    }
    let total = 0;
    let bad = 0;
    for (let i = (fromMinute / 60) % MINUTES_PER_HOUR, last = (toMinute / 60) % MINUTES_PER_HOUR; i <= last; i++) {
      total += d.total[i] as number;
      bad += d.bad[i] as number;
    }
    return { total, bad };
  }

  private hours(fromHour: number, toHour: number): Counts {
    const lo = Math.max(0, fromHour - this.base);
    const hi = Math.min(this.length, toHour - this.base + 1);
    if (hi <= lo) return { total: 0, bad: 0 };
    this.ensurePrefix(hi);
    return { total: (this.cumTotals[hi] as number) - (this.cumTotals[lo] as number), bad: (this.cumBads[hi] as number) - (this.cumBads[lo] as number) };
  }

  private ensurePrefix(upTo: number): void {
    if (this.prefixValid >= upTo) return;
    if (this.cumTotals.length < this.totals.length + 1) {
      const t = new Float64Array(this.totals.length + 1);
      const b = new Float64Array(this.totals.length + 1);
      t.set(this.cumTotals.subarray(0, this.prefixValid + 1));
      b.set(this.cumBads.subarray(0, this.prefixValid + 1));
      this.cumTotals = t;
      this.cumBads = b;
    }
    for (let i = this.prefixValid; i < upTo; i++) {
      this.cumTotals[i + 1] = (this.cumTotals[i] as number) + (this.totals[i] as number);
      this.cumBads[i + 1] = (this.cumBads[i] as number) + (this.bads[i] as number);
    }
    this.prefixValid = upTo;
  }

  private slotOf(hour: number): number | undefined {
    const slot = hour - this.base;
    return slot >= 0 && slot < this.length ? slot : undefined;
  }

  private hourHasNoEvents(hour: number): boolean {
    const slot = this.slotOf(hour);
    return slot === undefined || (this.totals[slot] === 0 && this.bads[slot] === 0);
  }

  private newDetail(hour: number): MinuteDetail {
    const d = this.fractional
      ? { total: new Float64Array(MINUTES_PER_HOUR), bad: new Float64Array(MINUTES_PER_HOUR) }
      : { total: new Uint32Array(MINUTES_PER_HOUR), bad: new Uint32Array(MINUTES_PER_HOUR) };
    this.detail.set(hour, d);
    return d;
  }

  private addHour(hour: number, total: number, bad: number): void {
    if (this.length === 0) {
      this.base = hour;
      this.grow(1);
      this.length = 1;
    } else if (hour < this.base) {
      const shift = this.base - hour;
      this.grow(this.length + shift);
      this.totals.copyWithin(shift, 0, this.length);
      this.bads.copyWithin(shift, 0, this.length);
      this.totals.fill(0, 0, shift);
      this.bads.fill(0, 0, shift);
      this.base = hour;
      this.length += shift;
      this.prefixValid = 0;
    } else if (hour >= this.base + this.length) {
      this.grow(hour - this.base + 1);
      this.length = hour - this.base + 1;
    }
    const slot = hour - this.base;
    this.totals[slot] = (this.totals[slot] as number) + total;
    this.bads[slot] = (this.bads[slot] as number) + bad;
    if (slot < this.prefixValid) this.prefixValid = slot;
  }

  private grow(needed: number): void {
    if (this.totals.length >= needed) return;
    const capacity = Math.max(needed, Math.ceil(this.totals.length * 1.5), 8);
    const t = new Float64Array(capacity);
    const b = new Float64Array(capacity);
    t.set(this.totals.subarray(0, this.length));
    b.set(this.bads.subarray(0, this.length));
    this.totals = t;
    this.bads = b;
  }
}

function add(acc: Counts, c: Counts): void {
  acc.total += c.total;
  acc.bad += c.bad;
}

/** One series' key in maps of series: its environment and config_hash. */
export const seriesKey = (environment: string, configHash: string): string => `${environment}\u0000${configHash}`;

/** Every series of one SLO (one version of its definition). */
export class SloLedger {
  private readonly byKey = new Map<string, SeriesLedger>();

  /** `fractional`: counts may be fractions (metric SLIs); otherwise whole events. */
  constructor(private readonly fractional = false) {}
  /** Minutes whose counts changed since they were last taken for writing, by series key. */
  private readonly dirty = new Map<string, Set<number>>();

  series(): IterableIterator<SeriesLedger> {
    return this.byKey.values();
  }

  get(environment: string, configHash: string): SeriesLedger | undefined {
    return this.byKey.get(seriesKey(environment, configHash));
  }

  private ensure(environment: string, configHash: string): SeriesLedger {
    const key = seriesKey(environment, configHash);
    let s = this.byKey.get(key);
    if (s === undefined) this.byKey.set(key, (s = new SeriesLedger(environment, configHash, this.fractional)));
    return s;
  }

  add(r: MinuteRecord): void {
    if (r.total === 0 && r.bad === 0) return;
    const s = this.ensure(r.environment, r.configHash);
    s.addMinute(r.minute, r.total, r.bad);
    this.markDirty(r.environment, r.configHash, r.minute);
  }

  /**
   * Merges recorded minutes; returns how many events they added that this ledger had not seen.
   * `markDirty: false` for minutes read from the table (already recorded there).
   */
  merge(records: Iterable<MinuteRecord>, { markDirty = true }: { markDirty?: boolean } = {}): { added: Counts } {
    const added = { total: 0, bad: 0 };
    for (const r of records) {
      const s = this.ensure(r.environment, r.configHash);
      const before = s.minuteCounts(r.minute) ?? { total: 0, bad: 0 };
      if (s.mergeMinute(r.minute, r.total, r.bad)) {
        added.total += Math.max(0, r.total - before.total);
        added.bad += Math.max(0, r.bad - before.bad);
        if (markDirty) this.markDirty(r.environment, r.configHash, r.minute);
      }
    }
    return { added };
  }

  /** Merges one series' recorded minutes read back from the table, as columns (not written back). */
  mergeSeries(environment: string, configHash: string, minutes: ArrayLike<number>, totals: ArrayLike<number>, bads: ArrayLike<number>): void {
    const s = this.ensure(environment, configHash);
    for (let i = 0; i < minutes.length; i++) s.mergeMinute(minutes[i]!, totals[i]!, bads[i]!);
  }

  /** Merges recorded hours (older than the minute horizon; not written back). */
  mergeHours(records: Iterable<MinuteRecord>): void {
    for (const r of records) this.ensure(r.environment, r.configHash).mergeHour(r.minute, r.total, r.bad);
  }

  /** The current counts of minutes changed up to `throughMinute`, which are then no longer dirty. */
  takeDirty(throughMinute: number): MinuteRecord[] {
    const out: MinuteRecord[] = [];
    for (const [key, minutes] of this.dirty) {
      const s = this.byKey.get(key)!;
      for (const minute of minutes) {
        if (minute > throughMinute) continue;
        minutes.delete(minute);
        const c = s.minuteCounts(minute);
        // An hour whose minutes were dropped cannot be written by the minute: the next reconcile re-records it.
        if (c !== undefined) out.push({ minute, environment: s.environment, configHash: s.configHash, total: c.total, bad: c.bad });
      }
      if (minutes.size === 0) this.dirty.delete(key);
    }
    return out;
  }

  /** Sum over the series that pass `filter`. */
  sum(fromMinute: number, toMinute: number, filter: (s: SeriesLedger) => boolean = () => true): Counts {
    const acc = { total: 0, bad: 0 };
    for (const s of this.byKey.values()) if (filter(s)) add(acc, s.sum(fromMinute, toMinute));
    return acc;
  }

  /** Minutes not yet written keep their hour's minutes until they are. */
  compact(minutesFrom: number, hoursFrom: number): void {
    for (const [key, s] of this.byKey) {
      const pending = new Set([...(this.dirty.get(key) ?? [])].map((m) => Math.floor(m / HOUR) * HOUR));
      s.compact(minutesFrom, hoursFrom, pending);
      if (s.isEmpty() && !this.dirty.has(key)) this.byKey.delete(key);
    }
  }

  bytes(): number {
    let n = 0;
    for (const s of this.byKey.values()) n += s.bytes();
    return n;
  }

  private markDirty(environment: string, configHash: string, minute: number): void {
    const key = seriesKey(environment, configHash);
    let set = this.dirty.get(key);
    if (set === undefined) this.dirty.set(key, (set = new Set()));
    set.add(minute);
  }
}
