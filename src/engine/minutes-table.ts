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
  /** Minutes of [fromMinute, toMinute] (old series points the ledger no longer holds by the minute). */
  loadMinutes(key: VersionKey, fromMinute: number, toMinute: number): Promise<MinuteRecord[]>;
  /** Minutes of whole hours (unix seconds of their starts): the edges of budget adjustments older than the ledger's minutes. */
  loadHours(key: VersionKey, hours: readonly number[]): Promise<MinuteRecord[]>;
  /**
   * Every recorded minute of these versions in [fromMinute, toMinute], one entry per version and
   * series with its minutes in order: `tollgate diff` replays periods from them.
   */
  loadSeries(keys: readonly VersionKey[], fromMinute: number, toMinute: number): Promise<RecordedSeries[]>;
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
  minutes: number[];
  totals: number[];
  bads: number[];
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

    async loadMinutes(key, fromMinute, toMinute) {
      const rows = await store.query<Row>(
        `SELECT toUInt32(Minute) AS m, Environment, ConfigHash, Total AS t, Bad AS b
         FROM tollgate_slo_minutes FINAL
         WHERE Slo = {slo:String} AND Version = {version:String}
           AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})`,
        { slo: key.slo, version: key.version, from: fromMinute, to: toMinute },
      );
      return rows.map(toRecord);
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
      // One row per series with its minutes as arrays: a month of minutes of 100 SLOs is millions of
      // (minute, total, bad) triples, which cost far less to read as three arrays than as rows.
      const rows = await store.query<{ Slo: string; Version: string; Environment: string; ConfigHash: string; p: Array<[number | string, number | string, number | string]> }>(
        `SELECT Slo, Version, Environment, ConfigHash, arraySort(x -> x.1, groupArray((toUInt32(Minute), Total, Bad))) AS p
         FROM tollgate_slo_minutes FINAL
         WHERE Slo IN {slos:Array(String)} AND Version IN {versions:Array(String)}
           AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})
         GROUP BY Slo, Version, Environment, ConfigHash`,
        { slos: [...new Set(keys.map((k) => k.slo))], versions: [...new Set(keys.map((k) => k.version))], from: fromMinute, to: toMinute },
      );
      // Two SLOs with the same SLI share a version: keep only the pairs asked for.
      const wanted = new Set(keys.map(versionKeyString));
      return rows.filter((r) => wanted.has(versionKeyString({ slo: r.Slo, version: r.Version }))).map((r) => ({
        slo: r.Slo, version: r.Version, environment: r.Environment, configHash: r.ConfigHash,
        minutes: r.p.map((x) => Number(x[0])), totals: r.p.map((x) => Number(x[1])), bads: r.p.map((x) => Number(x[2])),
      }));
    },

    async loadRecordedSince(keys, afterMs) {
      if (keys.length === 0) return [];
      const rows = await store.query<Row & { Slo: string; Version: string; at: string | number }>(
        `SELECT Slo, Version, toUInt32(Minute) AS m, Environment, ConfigHash, Total AS t, Bad AS b, toUnixTimestamp64Milli(RecordedAt) AS at
         FROM tollgate_slo_minutes
         WHERE RecordedAt > fromUnixTimestamp64Milli({after:Int64})
           AND (Slo, Version) IN {keys:Array(Tuple(String, String))}`,
        { after: afterMs, keys: keys.map((k) => [k.slo, k.version]) },
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
