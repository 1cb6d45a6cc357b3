/**
 * @module engine/exclusions
 * Budget adjustments as the engine applies them: for each recorded SLO, the minutes its
 * adjustments exclude over the span its ledger holds (two periods back, a day ahead), and the
 * minutes of older hours those exclusions start or end inside, read once from
 * tollgate_slo_minutes (the ledger holds only hour totals there). Every number then comes from
 * `view(r)`, the ledger without those minutes (slo/evaluate/excluding-ledger.ts).
 *
 * Expanded again when the adjustments or the recorded SLOs change, and when time runs past the
 * expansion; edge minutes are checked against the ledger's hour totals after every recording job
 * and read again where a late event changed an hour.
 */
import type { Logger } from 'pino';
import {
  appliedAdjustments, clipIntervals, edgeHoursNeeded, excludedIntervals, excludingLedger, mergeIntervals, MINUTE_EXACT_WINDOW_SECONDS, seriesKey,
  type AppliedAdjustment, type Counts, type EdgeMinutes, type LedgerView, type MinuteInterval, type WindowPlan,
} from '../slo/evaluate/index.js';
import type { BudgetAdjustment } from '../slo/spec/index.js';
import type { MinutesTable } from './minutes-table.js';
import type { RecordedSlo } from './recorded.js';
import { hoursHeldFrom } from './recorder.js';

const HOUR = 3_600;
const DAY = 86_400;

export interface ExclusionIndex {
  /** Expands again if the adjustments, the recorded SLOs or the time call for it, and reads edge minutes still missing. */
  update(adjustments: readonly BudgetAdjustment[], recorded: readonly RecordedSlo[], nowMs: number): Promise<void>;
  /** The SLO's ledger without its excluded minutes (the ledger itself when nothing is excluded). */
  view(r: RecordedSlo): LedgerView;
  /** The adjustments that apply to an SLO, with their minutes over the expanded span. */
  applied(name: string): AppliedAdjustment[];
  /** All excluded minutes of an SLO (merged). */
  intervals(name: string): MinuteInterval[];
  /** Each adjustment's minutes within the plan's period and the events it takes out of it, in `environment` (null: all). */
  inPeriod(r: RecordedSlo, plan: WindowPlan, environment: string | null): AdjustmentInPeriod[];
}

/** A budget adjustment as it applies to one SLO's current period. */
export interface AdjustmentInPeriod {
  adjustment: BudgetAdjustment;
  /** Its excluded minutes within the period. */
  intervals: MinuteInterval[];
  /** The period's events it takes out; minutes that an adjustment listed before it excludes too are counted there. */
  excluded: Counts;
}

interface Entry {
  version: string;
  applied: AppliedAdjustment[];
  intervals: MinuteInterval[];
  /** Series key → hour → minute counts. */
  edges: Map<string, Map<number, { total: Float64Array; bad: Float64Array }>>;
}


export function createExclusionIndex({ table, log }: { table: Pick<MinutesTable, 'loadHours'>; log: Logger }): ExclusionIndex {
  const entries = new Map<string, Entry>();
  let expandedFor: readonly BudgetAdjustment[] | undefined;
  let expandedUntil = -Infinity;
  let updating: Promise<void> = Promise.resolve();

  const edgesOf = (e: Entry): EdgeMinutes => ({
    minutes: (environment, configHash, hour) => e.edges.get(seriesKey(environment, configHash))?.get(hour),
  });

  const expand = (adjustments: readonly BudgetAdjustment[], recorded: readonly RecordedSlo[], nowMs: number): void => {
    const untilSeconds = Math.floor(nowMs / 1000 / HOUR) * HOUR + DAY;
    const next = new Map<string, Entry>();
    for (const r of recorded) {
      // What the ledger can be asked about: from the first hour it holds to a day ahead.
      const fromSeconds = hoursHeldFrom(r.slo, nowMs);
      const applied = appliedAdjustments(adjustments, r.slo, fromSeconds, untilSeconds);
      if (applied.length === 0) continue;
      const old = entries.get(r.slo.name);
      next.set(r.slo.name, { version: r.version, applied, intervals: excludedIntervals(applied), edges: old?.version === r.version ? old.edges : new Map() });
    }
    entries.clear();
    for (const [k, v] of next) entries.set(k, v);
    expandedFor = adjustments;
    expandedUntil = untilSeconds;
  };

  /** Reads the edge hours each SLO needs that are not held, or no longer add up to the ledger's totals. */
  const loadEdges = async (recorded: readonly RecordedSlo[], nowMs: number): Promise<void> => {
    // Hours older than the reconcile horizon (three days) no longer change: their edges are read
    // while the ledger still holds their minutes, before compaction drops them.
    const finalBefore = Math.floor((nowMs / 1000 - MINUTE_EXACT_WINDOW_SECONDS) / HOUR) * HOUR;
    for (const r of recorded) {
      const e = entries.get(r.slo.name);
      if (e === undefined || e.version !== r.version) continue;
      const needed = edgeHoursNeeded(r.ledger, e.intervals, finalBefore).filter((hour) => !edgeHolds(r, e, hour));
      if (needed.length === 0) continue;
      const records = await table.loadHours({ slo: r.slo.name, version: r.version }, needed);
      for (const hour of needed) for (const byHour of e.edges.values()) byHour.delete(hour);
      for (const rec of records) {
        const key = seriesKey(rec.environment, rec.configHash);
        let byHour = e.edges.get(key);
        if (byHour === undefined) e.edges.set(key, (byHour = new Map()));
        const hour = Math.floor(rec.minute / HOUR) * HOUR;
        let m = byHour.get(hour);
        if (m === undefined) byHour.set(hour, (m = { total: new Float64Array(60), bad: new Float64Array(60) }));
        const i = (rec.minute - hour) / 60;
        m.total[i] = rec.total;
        m.bad[i] = rec.bad;
      }
      log.debug({ slo: r.slo.name, hours: needed.length }, 'edge minutes of budget adjustments read back');
    }
  };

  return {
    update(adjustments, recorded, nowMs) {
      updating = updating.then(async () => {
        const isStale = adjustments !== expandedFor || nowMs / 1000 > expandedUntil - DAY / 2
          || recorded.some((r) => { const e = entries.get(r.slo.name); return e !== undefined && e.version !== r.version; })
          || [...entries.keys()].some((name) => !recorded.some((r) => r.slo.name === name));
        if (isStale) expand(adjustments, recorded, nowMs);
        await loadEdges(recorded, nowMs);
      }).catch((err: unknown) => log.warn({ err }, 'reading the minutes of budget adjustments failed'));
      return updating;
    },
    view(r) {
      const e = entries.get(r.slo.name);
      return e === undefined || e.version !== r.version ? r.ledger : excludingLedger(r.ledger, e.intervals, edgesOf(e));
    },
    applied: (name) => entries.get(name)?.applied ?? [],
    inPeriod(r, plan, environment) {
      const e = entries.get(r.slo.name);
      if (e === undefined || e.version !== r.version) return [];
      const periodStart = plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds;
      const end = plan.endMinuteSeconds;
      const edges = edgesOf(e);
      const counted: MinuteInterval[] = [];
      return e.applied.flatMap((a) => {
        const intervals = clipIntervals(a.intervals, periodStart, end);
        if (intervals.length === 0) return [];
        const own = mergeIntervals(intervals.flatMap((i) => outside(i, counted)));
        counted.push(...intervals);
        // Exact, edges included: the period with and without this adjustment's own minutes.
        const without = excludingLedger(r.ledger, own, edges);
        const excluded = { total: 0, bad: 0 };
        try {
          for (const s of r.ledger.series()) if (environment === null || s.environment === environment) add(excluded, s.sum(periodStart, end), 1);
          for (const s of without.series()) if (environment === null || s.environment === environment) add(excluded, s.sum(periodStart, end), -1);
        } catch {
          return [{ adjustment: a.adjustment, intervals, excluded: { total: NaN, bad: NaN } }];
        }
        return [{ adjustment: a.adjustment, intervals, excluded }];
      });
    },
    intervals: (name) => entries.get(name)?.intervals ?? [],
  };
}

/** Whether the edge minutes read for an hour add up to the ledger's totals for every series with events then. */
function edgeHolds(r: RecordedSlo, e: Entry, hour: number): boolean {
  for (const s of r.ledger.series()) {
    const c = s.hourCounts(hour);
    if (c.total === 0 && c.bad === 0) continue;
    const m = e.edges.get(seriesKey(s.environment, s.configHash))?.get(hour);
    if (m === undefined) return false;
    let t = 0;
    let b = 0;
    for (let i = 0; i < 60; i++) {
      t += m.total[i]!;
      b += m.bad[i]!;
    }
    if (t !== c.total || b !== c.bad) return false;
  }
  return true;
}

function add(acc: Counts, c: Counts, sign: 1 | -1): void {
  acc.total += sign * c.total;
  acc.bad += sign * c.bad;
}

/** The minutes of `i` outside every interval of `others`. */
function outside(i: MinuteInterval, others: readonly MinuteInterval[]): MinuteInterval[] {
  let parts = [i];
  for (const o of others) {
    parts = parts.flatMap((p) => {
      if (o.to < p.from || o.from > p.to) return [p];
      const out: MinuteInterval[] = [];
      if (o.from > p.from) out.push({ from: p.from, to: o.from - 60 });
      if (o.to < p.to) out.push({ from: o.to + 60, to: p.to });
      return out;
    });
  }
  return parts;
}
