/**
 * @module engine/engine
 * The SLO engine: records every SLO's minutes (recorder.ts, live-feed.ts), answers every SLO number
 * from them by arithmetic (slo/evaluate), evaluates alerts on a schedule and on demand, and keeps
 * alert state across restarts (every transition in tollgate_alert_events).
 *
 * SLOs whose numbers are not sums of minutes (PromQL SLIs, slices shorter than a minute) are
 * evaluated by their own statement or PromQL each time; the gate and the series read their latest
 * evaluation.
 *
 * Among replicas (`isLeader`: the lease holder, lease/), the leader records, stores alert
 * transitions and announces them (onEvaluated). The others read what it recorded (recorder.refresh)
 * and the alert states it stored, and evaluate from those without storing or announcing anything,
 * so every replica answers the same. A replica that becomes leader first reads the stored alert
 * states and recording progress, so it neither announces a transition again nor misses one.
 */
import type { Logger } from 'pino';
import type { Signal } from '../ingest/index.js';
import type { AlertState } from '../slo/math/index.js';
import {
  excludingLedger, ledgerCounts, planWindows, sloEnvironment, sloStatus, stitchedLedger,
  type AlertStep, type AppliedAdjustment, type LedgerView, type SloStatus, type WindowPlan,
} from '../slo/evaluate/index.js';
import { sliQuery, type EvaluationWindow, type SliCounts } from '../slo/sli/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import { DEFAULT_RETENTION, millisToDateTime64, type QueryParams, type Retention, type RowBatch } from '../store/index.js';
import { createExclusionIndex, type AdjustmentInPeriod, type ExclusionIndex } from './exclusions.js';
import { createLiveFeed, type LiveTally } from './live-feed.js';
import { createMinutesTable, versionKeyString, type MinutesTable } from './minutes-table.js';
import { createOldMinutes, type OldMinutes } from './old-minutes.js';
import { promqlSliCounts, type PromqlEnv } from './promql-sli.js';
import type { RecordedSlo } from './recorded.js';
import { createRecorder, type Recorder, type RecordingStatus } from './recorder.js';
import type { SloRegistry } from './slo-registry.js';

export interface EvaluatedSlo {
  slo: SloDefinition;
  status: SloStatus;
  steps: AlertStep[];
  /** How the SLO is recorded; null for SLOs evaluated by their own statement. */
  recording: RecordingStatus | null;
  /** Budget adjustments that exclude minutes of the current period from its numbers. */
  adjustments: AdjustmentInPeriod[];
}

export type SloEvaluation = { ok: true; slo: SloDefinition; value: EvaluatedSlo } | { ok: false; slo: SloDefinition; error: string };

/** Where an SLO's events came from: one environment and config_hash, and when. */
export interface SeenSource {
  environment: string;
  configHash: string;
  /** Unix seconds of the first and last minute with events. */
  firstMinute: number;
  lastMinute: number;
}

/** Every SLO number as arithmetic on recorded minutes: what the gate, the series and the UI read. */
export interface SloReader {
  /**
   * An SLO's counts over windows ending with `endMinute`, in `environment` (null: the SLO's own),
   * with the split by release; undefined when the SLO is not recorded by the minute.
   * @throws MissingMinutesError for a partial hour older than the minutes held in memory.
   */
  windowCounts(slo: SloDefinition, windows: readonly EvaluationWindow[], endMinute: number, environment?: string | null): SliCounts | undefined;
  /** Where the SLO's events came from since `fromMinute`, in every environment. */
  sources(slo: SloDefinition, fromMinute: number): SeenSource[];
  /** Budget adjustments that apply to the SLO, with their minutes over the span its ledger holds (none for SLOs not recorded). */
  adjustmentsOf?(slo: SloDefinition): AppliedAdjustment[];
  /** The latest evaluation of an SLO evaluated by its own statement (PromQL, sub-minute slices). */
  latestDirect(name: string): { plan: WindowPlan; counts: SliCounts } | undefined;
  recording(name: string): RecordingStatus | undefined;
  /**
   * The SLO's ledger, the environment its numbers are read in, and the first minute it holds by the
   * minute (a window ending earlier needs `ledgerFromTable`); undefined when not recorded.
   */
  ledgerOf(slo: SloDefinition): { ledger: LedgerView; environment: string | null; minutesFrom: number } | undefined;
  /**
   * Ledgers holding every minute from `fromMinute` on, by SLO name (series points whose windows
   * start before the minutes memory holds): the recorded table's minutes before memory's, kept
   * between queries (engine/old-minutes.ts), read for several SLOs in one statement. SLOs not
   * recorded are left out.
   */
  ledgersFrom(asks: ReadonlyArray<{ slo: SloDefinition; fromMinute: number }>): Promise<Map<string, LedgerView>>;
}

export interface SloEngine {
  evaluate(name: string): Promise<SloEvaluation | undefined>;
  evaluateAll(): Promise<SloEvaluation[]>;
  /** The latest evaluation of every SLO's alerts (what /api/v1/alerts and rules show). */
  latest(): EvaluatedSlo[];
  reader: SloReader;
  /** The live feed: an export's rows counted as it is decoded, added to the SLOs once it is stored. */
  tally(signal: Signal, batches: readonly RowBatch[]): LiveTally | undefined;
  /**
   * Brings the recorded set in line with the SLO files and settles recent minutes now (start-up);
   * with `backfill`, also records every SLO back over its period before returning (tests, bench/).
   */
  recordNow(opts?: { backfill?: boolean }): Promise<void>;
  /** Runs the hourly reconcile now (tests); returns the late events it found. */
  reconcileNow(): Promise<number>;
  /** Drops minute detail older than memory keeps it now (tests; the engine does it every ten minutes). */
  compactNow(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Bytes the recorded minutes take in memory. */
  memoryBytes(): number;
}

export interface AlertTransitionListener {
  (changed: AlertStep[], evaluated: EvaluatedSlo): void | Promise<void>;
}

/** What the engine needs from the store: reads and small inserts (alert events, recorded minutes). */
export interface EngineStore {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
}

export interface EngineOptions {
  store: EngineStore;
  registry: SloRegistry;
  /** How PromQL SLIs (Sloth, OpenSLO) are evaluated: the query runner over the stored metrics under Prometheus' names. */
  promql?: PromqlEnv;
  log: Logger;
  now?: () => number;
  retention?: Retention;
  /** @default 5000: how often recent minutes are re-read from the store and recorded. */
  recordIntervalMs?: number;
  /** @default 30000: how often every SLO's alerts are evaluated (and sent). */
  evaluationIntervalMs?: number;
  /** Whether this process records and evaluates on a schedule (the lease holder among replicas). @default always */
  isLeader?: () => boolean;
  onEvaluated?: AlertTransitionListener;
  onLate?: (events: number, foundBy: 'live' | 'reconcile') => void;
  /** @default 128 MiB: old recorded minutes kept between series queries (engine/old-minutes.ts). */
  oldMinutesMaxBytes?: number;
}

const ALERT_EVENT_COLUMNS = [
  'EventTime', 'AlertKey', 'Slo', 'Service', 'Severity', 'ShortWindow', 'LongWindow', 'BurnFactor', 'Transition',
  'ShortBurnRate', 'LongBurnRate', 'Reason',
] as const;


export async function createSloEngine({
  store, registry, promql, log, now = Date.now, retention = DEFAULT_RETENTION, recordIntervalMs = 5_000, evaluationIntervalMs = 30_000,
  isLeader = () => true, onEvaluated, onLate, oldMinutesMaxBytes = 128 * 1024 * 1024,
}: EngineOptions): Promise<SloEngine> {
  let states = await loadAlertStates(store);
  const latest = new Map<string, EvaluatedSlo>();
  const running = new Map<string, Promise<SloEvaluation>>();
  const direct = new Map<string, { plan: WindowPlan; counts: SliCounts }>();
  const table: MinutesTable = createMinutesTable(store);
  const recorder: Recorder = createRecorder({ store, table, log, now, retention, ...(onLate === undefined ? {} : { onLate }) });
  const live = createLiveFeed(() => recorder.recorded(), (n) => onLate?.(n, 'live'));
  const exclusions: ExclusionIndex = createExclusionIndex({ table, log });
  const oldMinutes: OldMinutes = createOldMinutes({ table, maxBytes: oldMinutesMaxBytes });
  let syncedRevision: string | undefined;
  // Leading from the start: the alert states were just read, and the recording progress is read at the first sync.
  let wasLeader = isLeader();

  /**
   * Whether this process leads now. On becoming leader it takes over from the store what the previous
   * leader left: the alert states (its transitions are not announced twice) and how far each SLO is
   * recorded (settling continues where it stopped instead of catching up from this process's start).
   */
  let takingOver: Promise<void> | undefined;
  const leading = async (): Promise<boolean> => {
    if (!isLeader()) {
      wasLeader = false;
      return false;
    }
    if (wasLeader) return true;
    // Once, however many evaluations ask at the same moment; a failure leaves it to the next ask.
    takingOver ??= takeOver().finally(() => (takingOver = undefined));
    await takingOver;
    return true;
  };
  const takeOver = async (): Promise<void> => {
    await follow();
    log.info({ alerts: states.size }, 'leading: recording and alerting from the stored state');
    wasLeader = true;
  };

  /** What the leader recorded and stored: minutes, how far each SLO is recorded, alert states. */
  const follow = async (): Promise<void> => {
    // Progress first: the minutes it covers were written before it, so the refresh after it has them.
    const stored = await table.progress();
    await recorder.refresh();
    for (const r of recorder.recorded()) {
      const p = stored.get(versionKeyString({ slo: r.slo.name, version: r.version }));
      if (p === undefined) continue;
      r.progress.fromMinute = Math.min(r.progress.fromMinute, p.fromMinute);
      r.progress.settledThrough = Math.max(r.progress.settledThrough, p.settledThrough);
    }
    states = await loadAlertStates(store);
  };

  /** Reads the SLO files' current set into the recorder (once per revision). */
  const syncSlos = async (): Promise<void> => {
    const loaded = registry.current();
    if (loaded.revision === syncedRevision) return;
    await recorder.sync(loaded.slos);
    syncedRevision = loaded.revision;
    for (const name of latest.keys()) if (!loaded.slos.some((s) => s.name === name)) latest.delete(name);
  };
  /** After a recording job: hours it changed may need their adjustment edges read again. */
  const afterRecording = (): Promise<void> => exclusions.update(registry.current().adjustments, recorder.recorded(), now());
  /** The SLO set and their budget adjustments, current (before an evaluation). */
  const sync = async (): Promise<void> => {
    await syncSlos();
    await afterRecording();
  };

  /**
   * One evaluation per SLO at a time: a second caller waits for the one in progress and then runs
   * its own, so it still sees every export acknowledged before it asked.
   */
  const serialized = (slo: SloDefinition, run: () => Promise<SloEvaluation>): Promise<SloEvaluation> => {
    const previous = running.get(slo.name) ?? Promise.resolve(undefined);
    const next = previous.then(run, run);
    running.set(slo.name, next);
    void next.finally(() => {
      if (running.get(slo.name) === next) running.delete(slo.name);
    });
    return next;
  };

  /** Counts of an SLO at an instant: arithmetic for recorded SLOs, its own statement or PromQL for the others. */
  const countsOf = async (slo: SloDefinition, plan: WindowPlan, nowMs: number): Promise<{ counts: SliCounts; source: string }> => {
    const r = recorder.get(slo.name);
    if (r !== undefined) return { counts: countsFromLedger(exclusions.view(r), slo, plan.windows, plan.endMinuteSeconds, null), source: recordedFrom(r) };
    if (slo.sli.kind === 'promql') {
      if (promql === undefined) throw new Error('PromQL SLIs need a query runner and a series source');
      const counts = await promqlSliCounts(slo, slo.sli, plan, nowMs, promql);
      direct.set(slo.name, { plan, counts });
      return { counts, source: 'promql' };
    }
    const query = sliQuery({ slo, windows: plan.windows, endMinuteSeconds: plan.endMinuteSeconds });
    const counts = query.read(await store.query<Record<string, unknown>>(query.sql, query.params));
    direct.set(slo.name, { plan, counts });
    return { counts, source: query.source };
  };

  /** Counts to status; the leader stores and announces alert transitions, a follower only reads. */
  const evaluateOne = (slo: SloDefinition): Promise<SloEvaluation> =>
    serialized(slo, async () => {
      try {
        const leader = await leading();
        const nowMs = now();
        const plan = planWindows(slo, nowMs);
        const { counts, source } = await countsOf(slo, plan, nowMs);
        const { status, steps } = sloStatus(slo, plan, counts, states, nowMs, source);
        const r = recorder.get(slo.name);
        const evaluated: EvaluatedSlo = {
          slo, status, steps, recording: r === undefined ? null : recorder.status(r),
          adjustments: r === undefined ? [] : exclusions.inPeriod(r, plan, sloEnvironment(slo)),
        };
        if (!leader) {
          latest.set(slo.name, evaluated);
          return { ok: true, slo, value: evaluated };
        }
        const changed = steps.filter((s) => s.transition !== null);
        if (changed.length > 0) {
          await store.insertRows('tollgate_alert_events', ALERT_EVENT_COLUMNS, changed.map((s) => [
            millisToDateTime64(nowMs), s.key, slo.name, slo.service, s.rule.severity, s.status.shortWindow, s.status.longWindow,
            s.rule.burnFactor, s.transition, s.status.shortBurnRate, s.status.longBurnRate, s.status.reason,
          ]));
          for (const s of changed) log.info({ slo: slo.name, alert: s.key, transition: s.transition, reason: s.status.reason }, 'alert state changed');
        }
        for (const s of steps) states.set(s.key, s.state);
        latest.set(slo.name, evaluated);
        await onEvaluated?.(changed, evaluated);
        return { ok: true, slo, value: evaluated };
      } catch (err) {
        log.warn({ slo: slo.name, err }, 'SLO evaluation failed');
        return { ok: false, slo, error: err instanceof Error ? err.message : String(err) };
      }
    });

  const evaluateAll = async (): Promise<SloEvaluation[]> => {
    await sync();
    const out: SloEvaluation[] = [];
    for (const slo of registry.current().slos) out.push(await evaluateOne(slo));
    return out;
  };

  const reader: SloReader = {
    windowCounts(slo, windows, endMinute, environment = null) {
      const r = recorder.get(slo.name);
      if (r === undefined) return undefined;
      return countsFromLedger(exclusions.view(r), slo, windows, endMinute, environment);
    },
    adjustmentsOf: (slo) => (recorder.get(slo.name) === undefined ? [] : exclusions.applied(slo.name)),
    sources(slo, fromMinute) {
      const r = recorder.get(slo.name);
      if (r === undefined) return [];
      const out: SeenSource[] = [];
      for (const s of r.ledger.series()) {
        if (s.isEmpty() || s.lastMinute < fromMinute) continue;
        out.push({ environment: s.environment, configHash: s.configHash, firstMinute: Math.max(s.firstMinute, fromMinute), lastMinute: s.lastMinute });
      }
      return out;
    },
    latestDirect: (name) => direct.get(name),
    recording(name) {
      const r = recorder.get(name);
      return r === undefined ? undefined : recorder.status(r);
    },
    ledgerOf(slo) {
      const r = recorder.get(slo.name);
      return r === undefined ? undefined : { ledger: exclusions.view(r), environment: sloEnvironment(slo), minutesFrom: recorder.minutesHeldFrom(r) };
    },
    async ledgersFrom(asks) {
      const reads = asks.flatMap((a) => {
        const r = recorder.get(a.slo.name);
        if (r === undefined) return [];
        const boundary = recorder.minutesHeldFrom(r);
        return [{ r, fromMinute: Math.min(a.fromMinute, boundary), toMinute: boundary - 60, boundary }];
      });
      const older = await oldMinutes.ledgers(reads.filter((x) => x.fromMinute < x.boundary));
      const out = new Map<string, LedgerView>();
      for (const { r, boundary } of reads) {
        const intervals = exclusions.intervals(r.slo.name);
        const before = older.get(r.slo.name);
        // Every minute of the table's part is held, so its excluded stretches need no edges.
        out.set(r.slo.name, before === undefined ? exclusions.view(r) : stitchedLedger(excludingLedger(before, intervals), exclusions.view(r), boundary));
      }
      return out;
    },
  };

  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  let work: Promise<unknown> = Promise.resolve();
  /** Scheduled jobs run one after another, never two at once. */
  const serialize = (job: () => Promise<unknown>): Promise<unknown> => (work = work.then(job, job).catch((err: unknown) => log.warn({ err }, 'recording job failed')));
  const every = (ms: number, job: () => Promise<unknown>): void => {
    const loop = (): void => {
      if (stopped) return;
      void serialize(job).finally(() => {
        if (!stopped) timers.push(setTimeout(loop, ms));
      });
    };
    timers.push(setTimeout(loop, 0));
  };

  return {
    async evaluate(name) {
      await sync();
      const slo = registry.current().slos.find((s) => s.name === name);
      return slo === undefined ? undefined : evaluateOne(slo);
    },
    evaluateAll,
    latest: () => [...latest.values()],
    reader,
    tally: (signal, batches) => live.tally(signal, batches),
    async recordNow({ backfill = false } = {}) {
      await serialize(async () => {
        await syncSlos();
        if (await leading()) {
          await recorder.settle();
          if (backfill) while (await recorder.backfillStep());
        } else await follow();
        await afterRecording();
      });
    },
    async reconcileNow() {
      let late = 0;
      await serialize(async () => {
        late = await recorder.reconcile();
        await afterRecording();
      });
      return late;
    },
    async compactNow() {
      await serialize(async () => {
        recorder.compact();
        await afterRecording();
      });
    },
    start() {
      stopped = false;
      every(recordIntervalMs, async () => {
        // The adjustments are brought up to date once, after the recording (afterRecording).
        await syncSlos();
        if (await leading()) await recorder.settle();
        else await follow();
        await afterRecording();
      });
      // Followers evaluate too, storing and sending nothing, so /api/v1/alerts answers the same everywhere.
      every(evaluationIntervalMs, evaluateAll);
      // Backfill runs in the background, a chunk at a time between the other jobs.
      every(250, async () => {
        if (!(await leading())) return;
        let stepped = false;
        for (let i = 0; i < 8 && (await recorder.backfillStep()); i++) stepped = true;
        if (stepped) await afterRecording();
      });
      every(3_600_000, async () => {
        if (await leading()) await recorder.reconcile();
        await afterRecording();
      });
      every(600_000, async () => {
        recorder.compact();
        // Hours that just lost their minutes may be where a budget adjustment starts or ends.
        await afterRecording();
      });
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await work;
      // What the live feed counted since the last settle is written before the process goes.
      if (isLeader()) await recorder.settle().catch((err: unknown) => log.warn({ err }, 'final settle failed'));
    },
    memoryBytes: () => recorder.bytes() + oldMinutes.bytes(),
  };
}

/** Where a recorded SLO's minutes are counted from, as `sli_source` says. */
function recordedFrom(r: RecordedSlo): string {
  if (r.source === 'rollup') return 'span-rollup';
  switch (r.slo.sli.kind) {
    case 'spans':
      return 'raw-spans';
    case 'logs':
      return 'raw-logs';
    default:
      return 'metrics';
  }
}

/** The environment an SLO's numbers are read in: the one asked for, or the SLO's own (span SLIs), or all. */
function countsFromLedger(ledger: LedgerView, slo: SloDefinition, windows: readonly EvaluationWindow[], endMinute: number, environment: string | null): SliCounts {
  return ledgerCounts(ledger, windows, endMinute, sloEnvironment(slo, environment), slo.budgeting);
}


/** What is firing now, from the last transition of every alert (survives restarts). */
async function loadAlertStates(store: EngineStore): Promise<Map<string, AlertState>> {
  const rows = await store.query<{ AlertKey: string; transition: string; at: string }>(
    `SELECT AlertKey, argMax(Transition, EventTime) AS transition, toUnixTimestamp64Milli(max(EventTime)) AS at
     FROM tollgate_alert_events GROUP BY AlertKey`,
  );
  const states = new Map<string, AlertState>();
  for (const r of rows) states.set(r.AlertKey, r.transition === 'fired' ? { state: 'firing', sinceMs: Number(r.at) } : { state: 'inactive' });
  return states;
}
