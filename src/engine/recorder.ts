/**
 * @module engine/recorder
 * Records every recorded SLO's events per minute, environment and config_hash into its ledger (in
 * memory) and `tollgate_slo_minutes` (the record), from the stored data:
 * - settle (every few seconds): re-reads the last few minutes of every SLO (late spans within the
 *   horizon are counted at the next settle), merges them into the ledgers and writes the minutes
 *   that changed and have closed; an SLO whose record stops earlier (a restart) catches up first;
 * - backfill (in the background, an hour or a few at a time): a new or changed SLO definition is
 *   recorded back over its period from what the store still holds, with its progress;
 * - reconcile (hourly): compares the last days hour by hour with the store and re-records the hours
 *   where data arrived after they were settled, counting those late events;
 * - refresh (replicas that do not record): reads what the recording replica wrote.
 * The live feed (live-feed.ts) adds what this process stores as it is acknowledged; everything
 * merges by maximum (slo/evaluate/ledger.ts), so no event is counted twice.
 */
import type { Logger } from 'pino';
import type { MinuteRecord } from '../slo/evaluate/index.js';
import { endMinuteOf, MINUTE_EXACT_WINDOW_SECONDS, planWindows } from '../slo/evaluate/index.js';
import { fitsSpanRollup } from '../slo/sli/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import { countMinutes, type StoreReader } from './minute-sources.js';
import type { Retention } from '../store/index.js';
import { versionKeyString, type MinutesTable } from './minutes-table.js';
import { definitionVersion, isRecorded, newRecordedSlo, type RecordedSlo } from './recorded.js';

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;

/**
 * The first hour an SLO's ledger holds (as hour sums): two periods and a day back, so a series over
 * the last period of a period-long window is arithmetic too. Budget adjustments are expanded as far.
 */
export function hoursHeldFrom(slo: SloDefinition, nowMs: number): number {
  return Math.floor((nowMs / 1000 - 2 * planWindows(slo, nowMs).periodSeconds - DAY) / HOUR) * HOUR;
}

/**
 * How long minutes stay in memory by the minute: every window counted by the minute (three days,
 * slo/evaluate/windows.ts), the hour a window starts in, and the hour in progress.
 */
export const MINUTE_DETAIL_SECONDS = MINUTE_EXACT_WINDOW_SECONDS + 2 * HOUR;

/** Hours of backfill read in one statement, at most (each an hour of rollup rows: ~1,300 per service on busy services). */
const BACKFILL_CHUNK_HOURS = 6;

export interface RecorderOptions {
  store: StoreReader;
  table: MinutesTable;
  log: Logger;
  now: () => number;
  retention: Retention;
  /** @default 5: minutes re-read at every settle, so late spans within them are counted at the next one. */
  reRecordMinutes?: number;
  /** @default 3 days: how far back reconcile compares the store with what was recorded. */
  reconcileSeconds?: number;
  /** Events found to have arrived after their minute was settled. */
  onLate?: (events: number, foundBy: 'live' | 'reconcile') => void;
}

export interface RecordingStatus {
  /** live: recorded through the current minute; backfilling: still reading its period back; */
  state: 'live' | 'backfilling' | 'loading';
  /** First minute recorded (unix seconds), and how far back it must go. */
  fromMinute: number;
  neededFrom: number;
  settledThrough: number;
  /** 0..1 of the backfill. */
  progress: number;
}

export interface Recorder {
  /** Brings the recorded set in line with the loaded definitions, reading new ones back from the table. */
  sync(slos: readonly SloDefinition[]): Promise<void>;
  recorded(): RecordedSlo[];
  get(name: string): RecordedSlo | undefined;
  status(r: RecordedSlo): RecordingStatus;
  settle(): Promise<void>;
  /** Records one chunk of one SLO's backfill; false when every SLO is recorded as far back as needed. */
  backfillStep(): Promise<boolean>;
  /** Hour totals against the store for the reconcile horizon; re-records hours that differ. Returns late events found. */
  reconcile(): Promise<number>;
  /** Merges what another replica recorded since the last refresh. */
  refresh(): Promise<void>;
  compact(): void;
  /** The first minute an SLO's ledger holds by the minute. */
  minutesHeldFrom(r: RecordedSlo): number;
  /** Bytes the ledgers hold. */
  bytes(): number;
}

export function createRecorder({
  store, table, log, now, retention, reRecordMinutes = 5, reconcileSeconds = 3 * DAY, onLate,
}: RecorderOptions): Recorder {
  const byName = new Map<string, RecordedSlo>();
  let refreshedThroughMs = 0;
  const backfillStart = new Map<RecordedSlo, number>();
  /** Hours still to backfill, with the SLOs that have data in each (made anew when the set of SLOs changes). */
  let backfillPlan: Map<number, Set<RecordedSlo>> | undefined;

  /** How far back a version must be recorded: its period and a day, within what the store still keeps. */
  const neededFrom = (slo: SloDefinition, nowMs: number): number => {
    const plan = planWindows(slo, nowMs);
    const periodStart = plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds;
    const kept = fitsSpanRollup(slo) ? retention.rollupSeconds : retentionOf(slo, retention);
    const oldestKept = Math.ceil((nowMs / 1000 - kept) / HOUR) * HOUR;
    return Math.max(Math.floor((periodStart - DAY) / HOUR) * HOUR, oldestKept);
  };

  const detailFrom = (r: RecordedSlo, nowMs: number): number => {
    // Timeslices judge every slice of the period from its minutes: they keep the whole period by the minute.
    const seconds = r.slo.budgeting.kind === 'timeslices' ? planWindows(r.slo, nowMs).periodSeconds + 2 * HOUR : MINUTE_DETAIL_SECONDS;
    return Math.floor((nowMs / 1000 - seconds) / HOUR) * HOUR;
  };
  const hoursFrom = (r: RecordedSlo, nowMs: number): number => hoursHeldFrom(r.slo, nowMs);

  /** Records into the ledger by the minute where it holds minutes, by the hour before that. */
  const mergeRecords = (r: RecordedSlo, records: readonly MinuteRecord[], nowMs: number, markDirty: boolean): void => {
    const from = detailFrom(r, nowMs);
    const minutes = records.filter((x) => x.minute >= from);
    const older = records.filter((x) => x.minute < from);
    r.ledger.merge(minutes, { markDirty });
    if (older.length > 0) r.ledger.mergeHours(toHours(older));
  };

  const keyOf = (r: RecordedSlo) => ({ slo: r.slo.name, version: r.version });
  const saveProgress = (rs: readonly RecordedSlo[]): Promise<void> => table.saveProgress(rs.map((r) => ({ ...keyOf(r), progress: r.progress })), now());

  /** Reads one range for some SLOs, merges, writes what closed and changed, moves their settled mark. */
  const settleRange = async (rs: readonly RecordedSlo[], from: number, to: number, closedThrough: number): Promise<void> => {
    const nowMs = now();
    const counted = await countMinutes(store, rs, from, to, 'minute');
    const written = rs.map((r) => {
      mergeRecords(r, counted.get(r) ?? [], nowMs, true);
      return { ...keyOf(r), records: r.ledger.takeDirty(closedThrough) };
    });
    await table.write(written, nowMs);
    for (const r of rs) r.progress.settledThrough = Math.max(r.progress.settledThrough, closedThrough);
  };

  return {
    async sync(slos) {
      const nowMs = now();
      const wanted = new Map(slos.filter(isRecorded).map((s) => [s.name, s]));
      for (const name of byName.keys()) if (!wanted.has(name)) byName.delete(name);
      const fresh: RecordedSlo[] = [];
      for (const slo of wanted.values()) {
        const existing = byName.get(slo.name);
        if (existing !== undefined && existing.version === definitionVersion(slo)) {
          existing.slo = slo; // objective, period, alerting and labels apply when reading
          existing.progress.neededFrom = Math.min(existing.progress.neededFrom, neededFrom(slo, nowMs));
          continue;
        }
        const current = endMinuteOf(nowMs);
        const r = newRecordedSlo(slo, { fromMinute: current, settledThrough: current - MINUTE, neededFrom: neededFrom(slo, nowMs) });
        byName.set(slo.name, r);
        fresh.push(r);
      }
      if (fresh.length === 0) return;
      const stored = await table.progress();
      for (const r of fresh) {
        const key = { slo: r.slo.name, version: r.version };
        const saved = stored.get(versionKeyString(key));
        // A record from the future (a clock set back, or a test evaluating at an earlier instant) is not this one's.
        if (saved !== undefined && saved.fromMinute <= endMinuteOf(nowMs)) {
          r.progress.fromMinute = saved.fromMinute;
          r.progress.settledThrough = saved.settledThrough;
          const loaded = await table.load(key, hoursFrom(r, nowMs), detailFrom(r, nowMs));
          r.ledger.merge(loaded.minutes, { markDirty: false });
          r.ledger.mergeHours(loaded.hours);
          log.info({ slo: r.slo.name, version: r.version, minutes: loaded.minutes.length, hours: loaded.hours.length }, 'recorded minutes read back');
        } else {
          log.info({ slo: r.slo.name, version: r.version, from: new Date(r.progress.neededFrom * 1000).toISOString() }, 'new SLO version: recording back over its period');
          await saveProgress([r]);
        }
        backfillStart.set(r, r.progress.fromMinute);
        r.loaded = true;
      }
      backfillPlan = undefined;
    },

    recorded: () => [...byName.values()],
    get: (name) => byName.get(name),

    status(r) {
      const start = backfillStart.get(r) ?? r.progress.fromMinute;
      const todo = start - r.progress.neededFrom;
      const done = start - r.progress.fromMinute;
      return {
        state: !r.loaded ? 'loading' : r.progress.fromMinute > r.progress.neededFrom ? 'backfilling' : 'live',
        fromMinute: r.progress.fromMinute,
        neededFrom: r.progress.neededFrom,
        settledThrough: r.progress.settledThrough,
        progress: todo <= 0 ? 1 : Math.min(1, done / todo),
      };
    },

    async settle() {
      const nowMs = now();
      const current = endMinuteOf(nowMs);
      const horizon = current - reRecordMinutes * MINUTE;
      const loaded = [...byName.values()].filter((r) => r.loaded);
      if (loaded.length === 0) return;
      // Far behind (a restart after a while): catch up an hour at a time, every lagging SLO in the same
      // statements; no further back than each needs (older minutes come from its backfill).
      const lagging = loaded.filter((x) => x.progress.settledThrough < horizon - HOUR);
      if (lagging.length > 0) {
        const startOf = (r: RecordedSlo): number => Math.max(r.progress.settledThrough + MINUTE, r.progress.neededFrom);
        log.info({ slos: lagging.length, from: new Date(Math.min(...lagging.map(startOf)) * 1000).toISOString() }, 'catching up recorded minutes');
        for (let from = Math.floor(Math.min(...lagging.map(startOf)) / HOUR) * HOUR; from < horizon; from += HOUR) {
          const to = Math.min(horizon - MINUTE, from + HOUR - MINUTE);
          const due = lagging.filter((r) => startOf(r) <= to);
          if (due.length > 0) await settleRange(due, from, to, to);
        }
      }
      const from = Math.min(horizon, ...loaded.map((r) => r.progress.settledThrough + MINUTE));
      await settleRange(loaded, from, current, current - MINUTE);
      await saveProgress(loaded);
    },

    async backfillStep() {
      const nowMs = now();
      const pending = [...byName.values()].filter((x) => x.loaded && x.progress.fromMinute > x.progress.neededFrom);
      if (pending.length === 0) return false;
      // Every SLO being backfilled, an hour at a time, newest first, all in the same statements; only
      // hours that hold data are read (a young service, or a test's few minutes, backfill in a statement or two).
      backfillPlan ??= await hoursWithData(store, pending);
      const hour = Math.max(-Infinity, ...backfillPlan.keys());
      if (hour === -Infinity) {
        for (const r of pending) r.progress.fromMinute = r.progress.neededFrom;
        await saveProgress(pending);
        backfillPlan = undefined;
        log.info({ slos: pending.length }, 'recorded back over their periods');
        return true;
      }
      const due = [...backfillPlan.get(hour)!].filter((r) => pending.includes(r) && r.progress.fromMinute > hour);
      // The hours before it that hold data of the same SLOs go in the same statement: planning a statement
      // costs more than reading an hour of rollup rows (bench/slo).
      let first = hour;
      const same = (h: number): boolean => {
        const set = backfillPlan?.get(h);
        return set !== undefined && set.size === backfillPlan!.get(hour)!.size && [...set].every((r) => backfillPlan!.get(hour)!.has(r));
      };
      while (first > hour - (BACKFILL_CHUNK_HOURS - 1) * HOUR && same(first - HOUR)) first -= HOUR;
      for (let h = first; h <= hour; h += HOUR) backfillPlan.delete(h);
      const counted = await countMinutes(store, due, first, hour + HOUR - MINUTE, 'minute');
      const written = due.map((r) => {
        // Only what this SLO has not recorded yet: before its first recorded minute, not before it is needed.
        const records = (counted.get(r) ?? []).filter((x) => x.minute < r.progress.fromMinute && x.minute >= r.progress.neededFrom);
        mergeRecords(r, records, nowMs, false);
        r.progress.fromMinute = Math.max(r.progress.neededFrom, first);
        return { ...keyOf(r), records };
      });
      await table.write(written, nowMs);
      await saveProgress(due);
      return true;
    },

    async reconcile() {
      const nowMs = now();
      const loaded = [...byName.values()].filter((r) => r.loaded && r.progress.fromMinute <= r.progress.settledThrough);
      // Every hour that has ended (the one in progress is the settles' own).
      const lastHour = Math.floor(endMinuteOf(nowMs) / HOUR) * HOUR - HOUR;
      const firstHour = Math.floor((nowMs / 1000 - reconcileSeconds) / HOUR) * HOUR;
      if (loaded.length === 0 || lastHour < firstHour) return 0;
      // Hour totals of every SLO in as few statements as the minutes are (rollup SLOs: one, from the hourly rollup).
      const hours = await countMinutes(store, loaded, firstHour, lastHour + HOUR - MINUTE, 'hour');
      const behind = new Map<number, Set<RecordedSlo>>();
      for (const r of loaded) {
        for (const h of hours.get(r) ?? []) {
          if (h.minute < r.progress.fromMinute) continue; // not recorded yet: its backfill's work
          const mine = r.ledger.get(h.environment, h.configHash)?.hourCounts(h.minute) ?? { total: 0, bad: 0 };
          if (h.total > mine.total || h.bad > mine.bad) {
            let set = behind.get(h.minute);
            if (set === undefined) behind.set(h.minute, (set = new Set()));
            set.add(r);
          }
        }
      }
      let late = 0;
      for (const hour of [...behind.keys()].sort((a, b) => a - b)) {
        const rs = [...behind.get(hour)!];
        const counted = await countMinutes(store, rs, hour, hour + HOUR - MINUTE, 'minute');
        const written = rs.map((r) => {
          const before = r.ledger.sum(hour, hour + HOUR - MINUTE).total;
          mergeRecords(r, counted.get(r) ?? [], nowMs, true);
          late += r.ledger.sum(hour, hour + HOUR - MINUTE).total - before;
          return { ...keyOf(r), records: r.ledger.takeDirty(hour + HOUR - MINUTE) };
        });
        await table.write(written, nowMs);
      }
      if (late > 0) {
        log.info({ events: late }, 'reconcile found events recorded after their minute was settled');
        onLate?.(late, 'reconcile');
      }
      return late;
    },

    async refresh() {
      const loaded = [...byName.values()].filter((r) => r.loaded);
      const since = refreshedThroughMs;
      const rows = await table.loadRecordedSince(loaded.map((r) => ({ slo: r.slo.name, version: r.version })), since);
      const nowMs = now();
      for (const row of rows) {
        const r = byName.get(row.slo);
        if (r === undefined || r.version !== row.version) continue;
        mergeRecords(r, [row.record], nowMs, false);
        refreshedThroughMs = Math.max(refreshedThroughMs, row.recordedAtMs);
      }
    },

    compact() {
      const nowMs = now();
      for (const r of byName.values()) r.ledger.compact(detailFrom(r, nowMs), hoursFrom(r, nowMs));
    },

    minutesHeldFrom: (r) => detailFrom(r, now()),

    bytes() {
      let n = 0;
      for (const r of byName.values()) n += r.ledger.bytes();
      return n;
    },
  };
}

/**
 * The hours holding data of each SLO between its `neededFrom` and its first recorded minute: rollup
 * SLOs from the hourly rollup (one statement for all of them), the others from their raw table.
 */
async function hoursWithData(store: StoreReader, rs: readonly RecordedSlo[]): Promise<Map<number, Set<RecordedSlo>>> {
  const plan = new Map<number, Set<RecordedSlo>>();
  const add = (hour: number, r: RecordedSlo): void => {
    if (hour + HOUR <= r.progress.neededFrom || hour >= r.progress.fromMinute) return;
    let set = plan.get(hour);
    if (set === undefined) plan.set(hour, (set = new Set()));
    set.add(r);
  };
  const rollup = rs.filter((r) => r.source === 'rollup');
  if (rollup.length > 0) {
    const rows = await store.query<{ h: number | string; s: string }>(
      `SELECT DISTINCT toUInt32(Hour) AS h, ServiceName AS s FROM tollgate_span_rollup_1h
       WHERE ServiceName IN {services:Array(String)} AND Hour >= toDateTime({from:UInt32}) AND Hour < toDateTime({to:UInt32})`,
      {
        services: [...new Set(rollup.map((r) => r.slo.service))],
        from: Math.floor(Math.min(...rollup.map((r) => r.progress.neededFrom)) / HOUR) * HOUR,
        to: Math.max(...rollup.map((r) => r.progress.fromMinute)),
      },
    );
    for (const row of rows) for (const r of rollup) if (r.slo.service === row.s) add(Number(row.h), r);
  }
  for (const r of rs.filter((x) => x.source === 'sql')) {
    const params = { service: r.slo.service, from: Math.floor(r.progress.neededFrom / HOUR) * HOUR, to: r.progress.fromMinute - MINUTE };
    const sql = r.slo.sli.kind === 'spans'
      ? `SELECT DISTINCT toUInt32(toStartOfHour(Timestamp)) AS h FROM otel_traces WHERE ServiceName = {service:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32} + 60, 9)`
      : r.slo.sli.kind === 'logs'
        ? `SELECT DISTINCT toUInt32(toStartOfHour(TimestampTime)) AS h FROM otel_logs WHERE ServiceName = {service:String} AND TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32} + 60)`
        : undefined;
    // Metric SLIs: every hour, since a point's increase may need the hour before it.
    if (sql === undefined) for (let h = params.from; h <= params.to; h += HOUR) add(h, r);
    else for (const row of await store.query<{ h: number | string }>(sql, params)) add(Number(row.h), r);
  }
  return plan;
}

function retentionOf(slo: SloDefinition, retention: Retention): number {
  switch (slo.sli.kind) {
    case 'spans':
      return retention.tracesSeconds;
    case 'logs':
      return retention.logsSeconds;
    default:
      return retention.metricsSeconds;
  }
}

/** Minute records summed into hour records (each `minute` the hour's first second). */
function toHours(records: readonly MinuteRecord[]): MinuteRecord[] {
  const byKey = new Map<string, MinuteRecord>();
  for (const r of records) {
    const hour = Math.floor(r.minute / HOUR) * HOUR;
    const key = `${hour}\u0000${r.environment}\u0000${r.configHash}`;
    const acc = byKey.get(key);
    if (acc === undefined) byKey.set(key, { ...r, minute: hour });
    else {
      acc.total += r.total;
      acc.bad += r.bad;
    }
  }
  return [...byKey.values()];
}
