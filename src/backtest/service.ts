/**
 * @module backtest/service
 * `tollgate diff` and `POST /v1/backtest`: a change to the SLO files replayed on stored data.
 *
 * - Which definitions changed is pure (changes.ts). Only SLOs that changed, or that a changed
 *   budget adjustment reaches, are replayed; and only stored gate decisions whose policy or
 *   selected SLOs the change touches.
 * - Data: each SLO version's recorded minutes (tollgate_slo_minutes) over its last period and the
 *   windows and lookback before it. An objective, window or alerting change keeps the version
 *   (engine/recorded.ts), so both sides read the same minutes and everything else is arithmetic.
 *   A version not recorded over the whole span (a changed SLI, or minutes not settled yet) is
 *   counted from the stored spans, logs or metrics for what the record lacks, as the recorder would.
 * - Each side leaves out its own budget adjustments' minutes (minute-data.ts), replays its SLOs
 *   (replay.ts) and its decisions through the gate's own `gatherEvidence` and `decide` as of the
 *   decision's instant (replay-reader.ts).
 */
import {
  countMinutes, createMinutesTable, definitionVersion, isRecorded, newRecordedSlo, type RecordedSeries, type VersionKey,
} from '../engine/index.js';
import { causesFrom, decide, decideNamingCauses, gatherEvidence, selectSlos, type Cause, type GateRequest, type GateVerdict, type Override, type StoredDecision, type StoredOverride } from '../gate/index.js';
import { appliedAdjustments, endMinuteOf, excludedIntervals, planWindows, seriesKey, type MinuteInterval, type MinuteRecord } from '../slo/evaluate/index.js';
import type { AttributionService } from '../attribution/index.js';
import type { SloReader } from '../engine/index.js';
import type { SloDefinition, SloSelection } from '../slo/spec/index.js';
import type { QueryParams } from '../store/index.js';
import { definitionChanges, selectedNames, type Changed } from './changes.js';
import { lowerBound, MinuteData, type SeriesRecords } from './minute-data.js';
import { replayFrom, replaySlo } from './replay.js';
import { replayReader } from './replay-reader.js';
import type { BacktestReport, DecisionFlip, DefinitionChange, DefinitionSet, PeriodNumbers, SloChange, Verdict } from './types.js';

const MINUTE = 60;
const DAY = 86_400;
/** The gate looks a week back for where a release ran (gate/evidence.ts), and a day more for its baseline. */
const DECISION_LOOKBACK_SECONDS = 8 * DAY;

export interface BacktestStore {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
}

/** What the service needs of the gate's stored records. */
export interface StoredGateRecords {
  list(filter: { sinceMs: number; limit: number }): Promise<StoredDecision[]>;
  listOverrides(): Promise<StoredOverride[]>;
}

export interface BacktestService {
  run(base: DefinitionSet, head: DefinitionSet): Promise<BacktestReport>;
}

export function createBacktestService({ store, decisions, attributionFor, now = Date.now, maxDecisions = 5_000, onPhase }: {
  store: BacktestStore;
  /** Undefined: no stored decisions to replay (a store without the gate's tables). */
  decisions: StoredGateRecords | undefined;
  /** Attribution over a replay's reader as of a decision's instant: the causes a deny's summary names; without it, a replayed deny names none. */
  attributionFor?: (reader: SloReader, nowMs: number) => Pick<AttributionService, 'attribute'>;
  now?: () => number;
  maxDecisions?: number;
  /** Called after each phase with its duration (bench/diff.ts shows where the time goes). */
  onPhase?: (phase: 'decisions' | 'read' | 'count' | 'replay' | 'gate', ms: number) => void;
}): BacktestService {
  let phaseStart = performance.now();
  const phase = (name: Parameters<NonNullable<typeof onPhase>>[0]): void => {
    const t = performance.now();
    onPhase?.(name, t - phaseStart);
    phaseStart = t;
  };
  const table = createMinutesTable({ query: (sql, params) => store.query(sql, params), insertRows: () => Promise.reject(new Error('backtests only read')) });

  /** Records of every version over [from(version), end]: the table where it covers them, a count of the stored data elsewhere. */
  async function loadRecords(wanted: ReadonlyMap<string, { slo: SloDefinition; fromMinute: number }>, endMinute: number): Promise<Map<string, SeriesRecords[]>> {
    const out = new Map<string, SeriesRecords[]>();
    const byVersion = new Map<string, { slo: SloDefinition; key: VersionKey; fromMinute: number }>();
    for (const [k, w] of wanted) byVersion.set(k, { slo: w.slo, key: { slo: w.slo.name, version: definitionVersion(w.slo) }, fromMinute: w.fromMinute });
    const progress = await table.progress();
    const extra = new Map<string, MinuteRecord[]>();
    const tableKeys: Array<VersionKey & { fromMinute: number }> = [];
    /** Ranges to count from the stored data, per version. */
    const recount: Array<{ versionKey: string; slo: SloDefinition; from: number; to: number }> = [];
    let tableFrom = Infinity;
    for (const [k, v] of byVersion) {
      const p = progress.get(`${v.key.slo}\u0000${v.key.version}`);
      if (p === undefined || p.fromMinute > endMinute) {
        recount.push({ versionKey: k, slo: v.slo, from: v.fromMinute, to: endMinute });
        continue;
      }
      tableKeys.push({ ...v.key, fromMinute: v.fromMinute });
      tableFrom = Math.min(tableFrom, v.fromMinute);
      if (p.fromMinute > v.fromMinute) recount.push({ versionKey: k, slo: v.slo, from: v.fromMinute, to: p.fromMinute - MINUTE });
      if (p.settledThrough < endMinute) recount.push({ versionKey: k, slo: v.slo, from: Math.max(v.fromMinute, p.settledThrough + MINUTE), to: endMinute });
    }
    const fromTable: RecordedSeries[] = await table.loadSeries(tableKeys, tableFrom === Infinity ? endMinute : tableFrom, endMinute);
    phase('read');
    // Counted in as few statements as ranges share bounds (rollup SLOs of one range: one statement).
    const ranges = new Map<string, typeof recount>();
    for (const r of recount) ranges.set(`${r.from}:${r.to}`, [...(ranges.get(`${r.from}:${r.to}`) ?? []), r]);
    for (const group of ranges.values()) {
      const recorded = group.map((r) => newRecordedSlo(r.slo, { fromMinute: r.from, settledThrough: r.to, neededFrom: r.from }));
      const counted = await countMinutes(store, recorded, group[0]!.from, group[0]!.to, 'minute');
      group.forEach((r, i) => extra.set(r.versionKey, [...(extra.get(r.versionKey) ?? []), ...(counted.get(recorded[i]!) ?? [])]));
    }
    phase('count');
    for (const [k, v] of byVersion) {
      const p = progress.get(`${v.key.slo}\u0000${v.key.version}`);
      const settled = p === undefined || p.fromMinute > endMinute ? -Infinity : p.settledThrough;
      const mine = fromTable.filter((s) => s.slo === v.key.slo && s.version === v.key.version);
      out.set(k, mergeSeries(mine, extra.get(k) ?? [], v.fromMinute, settled, p?.fromMinute ?? Infinity));
    }
    return out;
  }

  return {
    async run(base, head) {
      phaseStart = performance.now();
      const nowMs = now();
      const endMinute = endMinuteOf(nowMs);
      const changes = definitionChanges(base, head);
      const replayedNames = new Set([...changes.slos.map((s) => s.name), ...changes.affected.keys()]);

      // Decisions whose policy or selected SLOs the change touches.
      const changedPolicies = new Set(changes.policies.map((p) => p.name));
      const periodStartOf = (slo: SloDefinition): number => planWindows(slo, nowMs).windows.find((w) => w.key === planWindows(slo, nowMs).periodKey)!.startSeconds;
      const sinceSeconds = Math.min(endMinute - 30 * DAY, ...[...replayedNames].flatMap((n) => [base, head].flatMap((side) => side.slos.filter((s) => s.name === n).map(periodStartOf))));
      const stored = decisions === undefined ? [] : await decisions.list({ sinceMs: sinceSeconds * 1000, limit: maxDecisions });
      const overrides = decisions === undefined || stored.length === 0 ? [] : await decisions.listOverrides();
      const toReplay = stored.filter((d) => {
        const request = requestOf(d);
        return [base, head].some((side) => {
          const policy = side.policies.find((p) => p.app === d.app && p.environment === d.environment) ?? null;
          if (policy !== null && changedPolicies.has(policy.name)) return true;
          return selectSlos(side.slos, policy, request).some((s) => replayedNames.has(s.name));
        }) || !sameSelection(base, head, d, request);
      });

      phase('decisions');
      // Data: each side's SLOs that are replayed or that a replayed decision selects.
      const wanted = new Map<string, { slo: SloDefinition; fromMinute: number }>();
      const want = (slo: SloDefinition, fromMinute: number): void => {
        if (!isRecorded(slo)) return;
        const key = `${slo.name}\u0000${definitionVersion(slo)}`;
        const w = wanted.get(key);
        wanted.set(key, { slo, fromMinute: Math.min(w?.fromMinute ?? Infinity, fromMinute) });
      };
      for (const side of [base, head]) {
        for (const slo of side.slos) if (replayedNames.has(slo.name)) want(slo, replayFrom(slo, nowMs));
        for (const d of toReplay) {
          const policy = side.policies.find((p) => p.app === d.app && p.environment === d.environment) ?? null;
          for (const slo of selectSlos(side.slos, policy, requestOf(d))) want(slo, Math.floor(d.decidedAtMs / 60_000) * 60 - DECISION_LOOKBACK_SECONDS);
        }
      }
      const records = await loadRecords(wanted, endMinute);
      /** Both sides share one MinuteData where the version and the excluded minutes are the same (an objective change). */
      const shared = new Map<string, MinuteData>();
      const dataFor = (side: DefinitionSet) => {
        const cache = new Map<string, { data: MinuteData; excluded: MinuteInterval[] } | undefined>();
        return (slo: SloDefinition) => {
          const own = side.slos.find((s) => s.name === slo.name) ?? slo;
          if (!cache.has(own.name)) {
            const rec = records.get(`${own.name}\u0000${definitionVersion(own)}`);
            const from = Math.min(...(rec ?? []).map((r) => r.minutes[0] ?? Infinity), replayFrom(own, nowMs));
            const excluded = excludedIntervals(appliedAdjustments(side.adjustments, own, from, (endMinute + MINUTE)));
            const key = `${own.name}\u0000${definitionVersion(own)}\u0000${JSON.stringify(excluded)}`;
            if (rec !== undefined && !shared.has(key)) shared.set(key, MinuteData.of(rec, excluded));
            cache.set(own.name, rec === undefined ? undefined : { data: shared.get(key)!, excluded });
          }
          return cache.get(own.name);
        };
      };
      const baseData = dataFor(base);
      const headData = dataFor(head);

      const replayed = (slo: SloDefinition | null, data: ReturnType<typeof baseData>): PeriodNumbers | null => {
        if (slo === null) return null;
        if (data === undefined) {
          const plan = planWindows(slo, nowMs);
          return {
            period: plan.periodKey, fromMs: periodStartOf(slo) * 1000, toMs: (endMinute + MINUTE) * 1000, total: 0, bad: 0, errorRatio: null,
            budgetRemaining: 1, alerts: [], excludedMinutes: 0,
            note: slo.sli.kind === 'promql' ? 'not replayed: a PromQL SLI is evaluated by its queries, not recorded by the minute' : 'not replayed: this SLO is not recorded by the minute',
          };
        }
        return replaySlo(slo, data.data, nowMs, data.excluded);
      };
      const sloChanges: SloChange[] = [
        ...changes.slos.map((c) => ({
          name: c.name, change: c.change, because: [], fields: c.fields,
          before: replayed(c.before, c.before === null ? undefined : baseData(c.before)),
          after: replayed(c.after, c.after === null ? undefined : headData(c.after)),
        })),
        ...[...changes.affected].map(([name, because]) => {
          const b = base.slos.find((s) => s.name === name)!;
          const a = head.slos.find((s) => s.name === name)!;
          return { name, change: 'affected' as const, because, fields: [], before: replayed(b, baseData(b)), after: replayed(a, headData(a)) };
        }),
      ].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

      phase('replay');
      // Stored decisions, replayed with each side's definitions as of their instant.
      const flips: DecisionFlip[] = [];
      for (const d of [...toReplay].sort((a, b) => a.decidedAtMs - b.decidedAtMs)) {
        const request = requestOf(d);
        const validOverrides = (t: number): Override[] => overrides.filter((o) => o.app === d.app && o.environment === d.environment && o.createdAtMs <= t && o.expiresAtMs > t);
        const replayed = async (side: DefinitionSet, data: typeof baseData) => {
          const reader = replayReader((slo) => data(slo)?.data, endMinuteOf(d.decidedAtMs));
          const sources = {
            reader,
            causes: attributionFor === undefined ? async (): Promise<Cause[]> => [] : causesFrom(attributionFor(reader, d.decidedAtMs)),
            overrides: (_r: GateRequest, t: number) => validOverrides(t),
          };
          const input = await gatherEvidence({ sources, slos: side.slos, policies: side.policies, request, nowMs: d.decidedAtMs });
          return { sources, input, verdict: decide(input) };
        };
        const before = await replayed(base, baseData);
        const after = await replayed(head, headData);
        if (before.verdict.decision === after.verdict.decision) continue;
        // The summaries of a flip name their causes, as the gate's answer would.
        const named = async (r: typeof before): Promise<GateVerdict> => (await decideNamingCauses(r.sources, r.input, r.verdict)).verdict;
        const [b, a] = [await named(before), await named(after)];
        flips.push({
          id: d.id, decidedAtMs: d.decidedAtMs, app: d.app, environment: d.environment, configHash: d.configHash, revision: d.revision,
          stored: d.answer.decision as Verdict, before: b.decision, after: a.decision, beforeSummary: b.summary, afterSummary: a.summary,
        });
      }

      phase('gate');
      return {
        generatedAtMs: nowMs,
        base: { label: base.label, revision: base.revision },
        head: { label: head.label, revision: head.revision },
        problems: head.problems,
        baseProblems: base.problems,
        slos: sloChanges,
        policies: changes.policies.map((c) => definitionChange(c, base.slos, head.slos)),
        adjustments: changes.adjustments.map((c) => definitionChange(c, base.slos, head.slos)),
        decisions: { replayed: toReplay.length, flips },
      };
    },
  };
}

function definitionChange<T extends { slos: SloSelection }>(c: Changed<T>, before: readonly SloDefinition[], after: readonly SloDefinition[]): DefinitionChange {
  const names = new Set([...(c.before === null ? [] : selectedNames(c.before.slos, before)), ...(c.after === null ? [] : selectedNames(c.after.slos, after))]);
  return { name: c.name, change: c.change, fields: c.fields, slos: [...names].sort() };
}

/** The request a stored decision answered, as the gate's service parsed it. */
function requestOf(d: StoredDecision): GateRequest {
  const service = d.request['service'];
  const services = Array.isArray(service) ? service.filter((s): s is string => typeof s === 'string') : typeof service === 'string' ? [service] : [d.app];
  return { app: d.app, environment: d.environment, services, configHash: d.configHash, revision: d.revision };
}

/** Whether both sides select the same SLO names for a decision (a label change can move an SLO in or out). */
function sameSelection(base: DefinitionSet, head: DefinitionSet, d: StoredDecision, request: GateRequest): boolean {
  const names = (side: DefinitionSet): string => {
    const policy = side.policies.find((p) => p.app === d.app && p.environment === d.environment) ?? null;
    return selectSlos(side.slos, policy, request).map((s) => s.name).sort().join('\u0000');
  };
  return names(base) === names(head);
}

/**
 * One version's series: the table's minutes from `recordedFrom` through `settledThrough`, and the
 * counted records for the rest of [fromMinute, …] (before the record starts, after it settled).
 */
function mergeSeries(fromTable: readonly RecordedSeries[], counted: readonly MinuteRecord[], fromMinute: number, settledThrough: number, recordedFrom: number): SeriesRecords[] {
  // The table's and the counted minutes are disjoint ranges: the table's part is a slice of its
  // arrays (no copy), and the counted minutes (a tail not settled yet, or every minute of a version
  // never recorded) are added where they exist.
  const extra = new Map<string, MinuteRecord[]>();
  for (const r of counted) {
    if (r.minute < fromMinute) continue;
    const key = seriesKey(r.environment, r.configHash);
    let list = extra.get(key);
    if (list === undefined) extra.set(key, (list = []));
    list.push(r);
  }
  const out: SeriesRecords[] = [];
  const lo = Math.max(fromMinute, recordedFrom);
  for (const s of fromTable) {
    const a = lowerBound(s.minutes, lo);
    const b = lowerBound(s.minutes, settledThrough + 1);
    const key = seriesKey(s.environment, s.configHash);
    const more = extra.get(key);
    extra.delete(key);
    out.push(withExtra({ environment: s.environment, configHash: s.configHash, minutes: s.minutes.subarray(a, b), totals: s.totals.subarray(a, b), bads: s.bads.subarray(a, b) }, more));
  }
  for (const [key, more] of extra) {
    const [environment, configHash] = key.split('\u0000') as [string, string];
    out.push(withExtra({ environment, configHash, minutes: new Float64Array(0), totals: new Float64Array(0), bads: new Float64Array(0) }, more));
  }
  return out;
}

/** A series with counted minutes added, in minute order. */
function withExtra(s: { environment: string; configHash: string; minutes: Float64Array; totals: Float64Array; bads: Float64Array }, more: MinuteRecord[] | undefined): SeriesRecords {
  if (more === undefined || more.length === 0) return s;
  const all = [...Array.from(s.minutes, (m, i) => ({ minute: m, total: s.totals[i]!, bad: s.bads[i]! })), ...more].sort((a, b) => a.minute - b.minute);
  return {
    environment: s.environment, configHash: s.configHash,
    minutes: Float64Array.from(all, (x) => x.minute), totals: Float64Array.from(all, (x) => x.total), bads: Float64Array.from(all, (x) => x.bad),
  };
}
