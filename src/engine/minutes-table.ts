/**
 * @module engine/minutes-table
 * The one owner of `tollgate_slo_minutes` and `tollgate_slo_recordings`: recorded minutes written
 * and read back, and how far each SLO version is recorded.
 */
import type { MinuteRecord } from '../slo/evaluate/index.js';
import { millisToDateTime64, type QueryParams } from '../store/index.js';
import type { RecordingProgress } from './recorded.js';

/** What the table needs from the store. */
export interface TableStore {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
}

export interface VersionKey {
  slo: string;
  version: string;
}

export interface MinutesTable {
  /** One insert for every version's records. */
  write(entries: ReadonlyArray<VersionKey & { records: readonly MinuteRecord[] }>, nowMs: number): Promise<void>;
  /** Minutes from `minutesFrom` on, and whole hours (summed) from `hoursFrom` until `minutesFrom`. */
  load(key: VersionKey, hoursFrom: number, minutesFrom: number): Promise<{ minutes: MinuteRecord[]; hours: MinuteRecord[] }>;
  /** Minutes of whole hours (unix seconds of their starts): the edges of budget adjustments older than the ledger's minutes. */
  loadHours(key: VersionKey, hours: readonly number[]): Promise<MinuteRecord[]>;
  /**
   * Every recorded minute of these versions in [fromMinute, toMinute], one entry per version and
   * series with its minutes in order: `tollgate diff` replays periods from them, and the SLO series
   * read their points older than memory holds by the minute. A key's own
   * `fromMinute` (later than the range's) leaves out what that SLO does not need.
   */
  loadSeries(keys: ReadonlyArray<VersionKey & { fromMinute?: number }>, fromMinute: number, toMinute: number): Promise<RecordedSeries[]>;
  /** Rows recorded after `afterMs` (another replica's recordings), for these versions. */
  loadRecordedSince(keys: readonly VersionKey[], afterMs: number): Promise<Array<VersionKey & { record: MinuteRecord; recordedAtMs: number }>>;
  progress(): Promise<Map<string, Omit<RecordingProgress, 'neededFrom'>>>;
  /** One insert for every version's progress. */
  saveProgress(entries: ReadonlyArray<VersionKey & { progress: Omit<RecordingProgress, 'neededFrom'> }>, nowMs: number): Promise<void>;
}

export interface RecordedSeries extends VersionKey {
  environment: string;
  configHash: string;
  /** Unix seconds, ascending, with the counts at the same index. */
  minutes: Float64Array;
  totals: Float64Array;
  bads: Float64Array;
}

/**
 * `12,0,3.5,1e-7` to numbers. Hand-written because it is hot: a month of 100 SLOs is ~9 million
 * numbers, which `split(',').map(Number)` parses in about a second; whole numbers are read digit by
 * digit, anything else (a fraction, an exponent) by Number.
 */
export function parseNumberList(text: string): Float64Array {
  if (text === '') return new Float64Array(0);
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) n++;
  const out = new Float64Array(n);
  let k = 0;
  let start = 0;
  let value = 0;
  let isWhole = true;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 44 : text.charCodeAt(i);
    if (c === 44) {
      out[k++] = isWhole ? value : Number(text.slice(start, i));
      start = i + 1;
      value = 0;
      isWhole = true;
    } else if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    else isWhole = false;
  }
  return out;
}

function sortedByMinute(s: RecordedSeries): RecordedSeries {
  let isSorted = true;
  for (let i = 1; i < s.minutes.length && isSorted; i++) if (s.minutes[i]! < s.minutes[i - 1]!) isSorted = false;
  if (isSorted) return s;
  const order = Array.from(s.minutes.keys()).sort((a, b) => s.minutes[a]! - s.minutes[b]!);
  const pick = (xs: Float64Array) => Float64Array.from(order, (i) => xs[i]!);
  return { ...s, minutes: pick(s.minutes), totals: pick(s.totals), bads: pick(s.bads) };
}

export const versionKeyString = (k: VersionKey): string => `${k.slo}\u0000${k.version}`;

const MINUTE_COLUMNS = ['Slo', 'Version', 'Minute', 'Environment', 'ConfigHash', 'Total', 'Bad', 'RecordedAt'] as const;

interface Row {
  m: number | string;
  Environment: string;
  ConfigHash: string;
  t: number | string;
  b: number | string;
}

const toRecord = (r: Row): MinuteRecord => ({ minute: Number(r.m), environment: r.Environment, configHash: r.ConfigHash, total: Number(r.t), bad: Number(r.b) });

export function createMinutesTable(store: TableStore): MinutesTable {
  return {
    async write(entries, nowMs) {
      const at = millisToDateTime64(nowMs);
      const rows = entries.flatMap((e) => e.records.map((r) => [e.slo, e.version, r.minute, r.environment, r.configHash, r.total, r.bad, at]));
      if (rows.length > 0) await store.insertRows('tollgate_slo_minutes', MINUTE_COLUMNS, rows);
    },

    async load(key, hoursFrom, minutesFrom) {
      const params = { slo: key.slo, version: key.version, hoursFrom, minutesFrom };
      const minutes = await store.query<Row>(
        `SELECT toUInt32(Minute) AS m, Environment, ConfigHash, Total AS t, Bad AS b
         FROM tollgate_slo_minutes FINAL
         WHERE Slo = {slo:String} AND Version = {version:String} AND Minute >= toDateTime({minutesFrom:UInt32})`,
        params,
      );
      const hours = hoursFrom >= minutesFrom ? [] : await store.query<Row>(
        `SELECT toUInt32(toStartOfHour(Minute)) AS m, Environment, ConfigHash, sum(Total) AS t, sum(Bad) AS b
         FROM tollgate_slo_minutes FINAL
         WHERE Slo = {slo:String} AND Version = {version:String}
           AND Minute >= toDateTime({hoursFrom:UInt32}) AND Minute < toDateTime({minutesFrom:UInt32})
         GROUP BY m, Environment, ConfigHash`,
        params,
      );
      return { minutes: minutes.map(toRecord), hours: hours.map(toRecord) };
    },

    async loadHours(key, hours) {
      if (hours.length === 0) return [];
      const rows = await store.query<Row>(
        `SELECT toUInt32(Minute) AS m, Environment, ConfigHash, Total AS t, Bad AS b
         FROM tollgate_slo_minutes FINAL
         WHERE Slo = {slo:String} AND Version = {version:String}
           AND Minute >= toDateTime({from:UInt32}) AND Minute < toDateTime({to:UInt32})
           AND toUInt32(toStartOfHour(Minute)) IN {hours:Array(UInt32)}`,
        { slo: key.slo, version: key.version, from: Math.min(...hours), to: Math.max(...hours) + 3_600, hours: [...hours] },
      );
      return rows.map(toRecord);
    },

    async loadSeries(keys, fromMinute, toMinute) {
      if (keys.length === 0) return [];
      // Per SLO name, the earliest minute any of its versions asked for (never before the range's start).
      const fromBySlo = new Map<string, number>();
      for (const k of keys) fromBySlo.set(k.slo, Math.max(fromMinute, Math.min(fromBySlo.get(k.slo) ?? Infinity, k.fromMinute ?? fromMinute)));
      // One row per series with its minutes as comma-separated text: a month of 100 SLOs is millions of
      // (minute, total, bad) triples. Measured on chDB (bench/diff.ts): as JSON rows they took 20–25 s
      // to come back, as JSON arrays 9–11 s, as three strings 1–2 s. Minutes are offsets from
      // `fromMinute` in minutes (shorter text); groupArray keeps no order, so a series is sorted here
      // when it came back out of order.
      const rows = await store.query<{ Slo: string; Version: string; Environment: string; ConfigHash: string; m: string; t: string; b: string }>(
        `SELECT Slo, Version, Environment, ConfigHash,
                arrayStringConcat(groupArray(toString(intDiv(toUInt32(Minute) - {from:UInt32}, 60))), ',') AS m,
                arrayStringConcat(groupArray(toString(Total)), ',') AS t,
                arrayStringConcat(groupArray(toString(Bad)), ',') AS b
         FROM tollgate_slo_minutes FINAL
         WHERE Slo IN {slos:Array(String)} AND Version IN {versions:Array(String)}
           AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})
           AND toUInt32(Minute) >= transform(toString(Slo), {slos:Array(String)}, {froms:Array(UInt32)}, {from:UInt32})
         GROUP BY Slo, Version, Environment, ConfigHash`,
        { slos: [...fromBySlo.keys()], froms: [...fromBySlo.values()], versions: [...new Set(keys.map((k) => k.version))], from: fromMinute, to: toMinute },
      );
      // Two SLOs with the same SLI share a version: keep only the pairs asked for.
      const wanted = new Set(keys.map(versionKeyString));
      return rows.filter((r) => wanted.has(versionKeyString({ slo: r.Slo, version: r.Version }))).map((r) => {
        const offsets = parseNumberList(r.m);
        const minutes = new Float64Array(offsets.length);
        for (let i = 0; i < offsets.length; i++) minutes[i] = fromMinute + offsets[i]! * 60;
        return sortedByMinute({ slo: r.Slo, version: r.Version, environment: r.Environment, configHash: r.ConfigHash, minutes, totals: parseNumberList(r.t), bads: parseNumberList(r.b) });
      });
    },

    async loadRecordedSince(keys, afterMs) {
      if (keys.length === 0) return [];
      const rows = await store.query<Row & { Slo: string; Version: string; at: string | number }>(
        `SELECT Slo, Version, toUInt32(Minute) AS m, Environment, ConfigHash, Total AS t, Bad AS b, toUnixTimestamp64Milli(RecordedAt) AS at
         FROM tollgate_slo_minutes
         WHERE RecordedAt > fromUnixTimestamp64Milli({after:Int64})
           AND Slo IN {slos:Array(String)} AND has(arrayZip({slos:Array(String)}, {versions:Array(String)}), (Slo, Version))`,
        // Two arrays zipped: a JS array is bound as an Array, never as a Tuple, so Array(Tuple(…)) cannot be bound directly.
        { after: afterMs, slos: keys.map((k) => k.slo), versions: keys.map((k) => k.version) },
      );
      return rows.map((r) => ({ slo: r.Slo, version: r.Version, record: toRecord(r), recordedAtMs: Number(r.at) }));
    },

    async progress() {
      const rows = await store.query<{ Slo: string; Version: string; f: string | number; s: string | number }>(
        `SELECT Slo, Version, toUInt32(FromMinute) AS f, toUInt32(SettledThrough) AS s FROM tollgate_slo_recordings FINAL`,
      );
      return new Map(rows.map((r) => [versionKeyString({ slo: r.Slo, version: r.Version }), { fromMinute: Number(r.f), settledThrough: Number(r.s) }]));
    },

    async saveProgress(entries, nowMs) {
      if (entries.length === 0) return;
      const at = millisToDateTime64(nowMs);
      await store.insertRows('tollgate_slo_recordings', ['Slo', 'Version', 'FromMinute', 'SettledThrough', 'UpdatedAt'],
        entries.map((e) => [e.slo, e.version, e.progress.fromMinute, e.progress.settledThrough, at]));
    },
  };
}
