/**
 * @module engine/old-minutes
 * Recorded minutes older than the engine holds by the minute, read back from the table for series
 * points whose windows reach there (Grafana's 30-day panels), and kept between queries.
 *
 * Minutes that old no longer change: the re-record horizon is minutes, the hourly reconcile
 * compares only the last three days, which memory holds by the minute anyway, and a changed SLI is
 * a new version with its own key. So a version's minutes are kept once it is recorded over the
 * asked range (`progress`; a window may start before the first minute a version needs, where
 * nothing is ever recorded), until a backfill moves its first recorded minute; a later query only
 * reads what it adds: the stretch memory stopped holding by the minute since (compaction moves that
 * edge an hour at a time) or an earlier start.
 * Bounded by bytes; the least recently read version goes first.
 */
import { SloLedger } from '../slo/evaluate/index.js';
import { versionKeyString, type MinutesTable, type RecordedSeries } from './minutes-table.js';
import type { RecordedSlo } from './recorded.js';

export interface OldMinuteAsk {
  r: RecordedSlo;
  /** Minutes [fromMinute, toMinute], both included. */
  fromMinute: number;
  toMinute: number;
}

export interface OldMinutes {
  /** A ledger holding every minute of each ask (at least), by SLO name; one table read for all misses. */
  ledgers(asks: readonly OldMinuteAsk[]): Promise<Map<string, SloLedger>>;
  bytes(): number;
}

interface Entry {
  ledger: SloLedger;
  fromMinute: number;
  toMinute: number;
  /** The version's first recorded minute when this was read: a backfill moving it back makes the entry stale. */
  recordedFrom: number;
}

export function createOldMinutes({ table, maxBytes }: { table: Pick<MinutesTable, 'loadSeries'>; maxBytes: number }): OldMinutes {
  /** By version key, in order of last use (a Map keeps insertion order: re-inserted on use). */
  const kept = new Map<string, Entry>();
  const keyOf = (r: RecordedSlo): string => versionKeyString({ slo: r.slo.name, version: r.version });
  /**
   * Whether the table holds every minute of the ask it will ever hold: settled through its end, and
   * recorded back to its start or as far back as the version needs (nothing older is ever written).
   */
  const isRecorded = (a: OldMinuteAsk): boolean => {
    const p = a.r.progress;
    return p.settledThrough >= a.toMinute && (p.fromMinute <= a.fromMinute || p.fromMinute <= p.neededFrom);
  };
  const bytes = (): number => {
    let n = 0;
    for (const e of kept.values()) n += e.ledger.bytes();
    return n;
  };

  return {
    async ledgers(asks) {
      const out = new Map<string, SloLedger>();
      const reads: Array<{ ask: OldMinuteAsk; entry: Entry; fromMinute: number; toMinute: number }> = [];
      for (const ask of asks) {
        const key = keyOf(ask.r);
        const found = kept.get(key);
        if (found !== undefined) kept.delete(key);
        const e = found?.recordedFrom === ask.r.progress.fromMinute ? found : undefined;
        if (e !== undefined && e.fromMinute <= ask.fromMinute && e.toMinute >= ask.toMinute) {
          kept.set(key, e);
          out.set(ask.r.slo.name, e.ledger);
        } else if (e !== undefined && e.fromMinute <= ask.fromMinute && e.toMinute >= ask.fromMinute - 60) {
          // Only what the entry lacks at its end.
          reads.push({ ask, entry: e, fromMinute: e.toMinute + 60, toMinute: ask.toMinute });
        } else {
          const fractional = ask.r.slo.sli.kind === 'metric-ratio' || ask.r.slo.sli.kind === 'metric-histogram';
          const entry = { ledger: new SloLedger(fractional), fromMinute: ask.fromMinute, toMinute: ask.fromMinute - 60, recordedFrom: ask.r.progress.fromMinute };
          reads.push({ ask, entry, fromMinute: ask.fromMinute, toMinute: ask.toMinute });
        }
      }
      if (reads.length === 0) return out;
      const series = await table.loadSeries(
        reads.map((x) => ({ slo: x.ask.r.slo.name, version: x.ask.r.version, fromMinute: x.fromMinute })),
        Math.min(...reads.map((x) => x.fromMinute)),
        Math.max(...reads.map((x) => x.toMinute)),
      );
      const byVersion = new Map<string, RecordedSeries[]>();
      for (const s of series) {
        const key = versionKeyString(s);
        let list = byVersion.get(key);
        if (list === undefined) byVersion.set(key, (list = []));
        list.push(s);
      }
      for (const x of reads) {
        const { r } = x.ask;
        for (const s of byVersion.get(keyOf(r)) ?? []) x.entry.ledger.mergeSeries(s.environment, s.configHash, s.minutes, s.totals, s.bads);
        // The common end of one read may pass this ask's: the entry holds at least its own range.
        x.entry.toMinute = Math.max(x.entry.toMinute, x.toMinute);
        out.set(r.slo.name, x.entry.ledger);
        if (isRecorded(x.ask) && maxBytes > 0) kept.set(keyOf(r), x.entry);
      }
      // Least recently used first out (this query keeps its own ledgers whatever is dropped).
      let size = bytes();
      for (const [key, e] of kept) {
        if (size <= maxBytes) break;
        kept.delete(key);
        size -= e.ledger.bytes();
      }
      return out;
    },
    bytes,
  };
}
