/**
 * @module attribution/service
 * Attribution as the gate, the SLO and release pages, alerts and the API ask for it: the cause
 * statements (span-causes.ts, log-causes.ts, metric causes) for a range and its baseline, the
 * events on each side and the period's budget from the recorded minutes, ranked (rank.ts).
 * Answers are remembered for a minute: a deny is asked again while a sync is retried, and alerts
 * annotate on every evaluation.
 */
import type { SloReader } from '../engine/index.js';
import { MissingMinutesError, budgetOf, endMinuteOf, planWindows, sloEnvironment, type LedgerView, type SeriesView } from '../slo/evaluate/index.js';
import { metricBadBySeriesQuery } from '../slo/sli/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { QueryParams } from '../store/index.js';
import { logCausesQuery, type LogCauseRow } from './log-causes.js';
import { releaseMarkers, type DeployEvent, type FirstSeen, type ReleaseMarker } from './markers.js';
import { rankCauses } from './rank.js';
import type { Side } from './sides.js';
import { spanCausesQuery, type SpanCauseRow } from './span-causes.js';
import type { Attribution, AttributionRequest, Baseline, CauseCount, SliNature } from './types.js';

const MINUTE_MS = 60_000;
const HOUR = 3_600;
const WEEK_MS = 7 * 86_400_000;
const HOUR_MS = 3_600_000;

export interface AttributionStore {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
}

/** What attribution reads from the SLO engine's recorded minutes. */
export type AttributionReader = Pick<SloReader, 'windowCounts' | 'sources' | 'ledgerOf'>;

/** One release's part of an SLO's budget over the current period. */
export interface ReleaseBudget {
  configHash: string;
  badEvents: number;
  totalEvents: number;
  /** badEvents ÷ the period's error budget in events (all releases' events × (1 − objective)); null without traffic. */
  budgetShare: number | null;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface AttributionService {
  attribute(slo: SloDefinition, request: AttributionRequest): Promise<Attribution>;
  /** Each config_hash's share of the SLO's budget over its current period, largest first. Arithmetic, no statement. */
  releaseBudgets(slo: SloDefinition, environment: string | null): ReleaseBudget[];
  /** Deploy events and first-seen minutes of the releases of these SLOs' services, for charts. */
  markers(slos: readonly SloDefinition[], range: { environment: string | null; fromMs: number; toMs: number }): Promise<ReleaseMarker[]>;
}

export function createAttributionService({ store, reader, deployments = async () => [], now = Date.now }: {
  store: AttributionStore;
  reader: AttributionReader;
  /** Deploy events posted to Tollgate (the gate's decision log owns them). */
  deployments?: (fromMs: number, toMs: number) => Promise<DeployEvent[]>;
  now?: () => number;
}): AttributionService {
  const held = new Map<string, { minute: number; answer: Promise<Attribution> }>();

  /** The SLO's events in [fromMs, toMs) from its ledger, whole hours where minutes are no longer held. */
  function eventsIn(slo: SloDefinition, fromMs: number, toMs: number, environment: string | null, configHash: string | null): number | null {
    const held = reader.ledgerOf(slo);
    if (held === undefined) return null;
    const fromMinute = Math.ceil(fromMs / MINUTE_MS) * 60;
    const toMinute = Math.ceil(toMs / MINUTE_MS) * 60 - 60;
    if (toMinute < fromMinute) return 0;
    return sumLedger(held.ledger, fromMinute, toMinute, held.minutesFrom, (s) =>
      (environment === null || s.environment === environment) && (configHash === null || s.configHash === configHash)).total;
  }

  /** The period's error budget in events, in the environment (null for timeslices: their budget is slices). */
  function budgetEvents(slo: SloDefinition, environment: string | null): number | null {
    if (slo.budgeting.kind === 'timeslices') return null;
    const plan = planWindows(slo, now());
    const period = plan.windows.find((w) => w.key === plan.periodKey);
    if (period === undefined) return null;
    const counts = reader.windowCounts(slo, [period], plan.endMinuteSeconds, environment);
    const total = counts?.total[period.key]?.totalEvents ?? 0;
    return total === 0 ? null : total * budgetOf(slo);
  }

  async function attributeNow(slo: SloDefinition, request: AttributionRequest): Promise<Attribution> {
    const environment = sloEnvironment(slo, request.environment);
    const base = {
      slo: slo.name, nature: natureOf(slo), environment, configHash: request.configHash, fromMs: request.fromMs, toMs: request.toMs,
    };
    if (slo.sli.kind === 'promql') {
      return {
        ...base, badEvents: 0, totalEvents: null, budgetEvents: null, baseline: null, causes: [], otherCauses: null,
        unsupported: 'a PromQL SLI says how many events were bad, not which: attribution needs span, log or metric SLIs',
      };
    }
    const baseline = resolveBaseline(slo, request, environment);
    const sides: Side[] = [{ name: 'target', fromMs: request.fromMs, toMs: request.toMs, configHash: request.configHash }];
    if (baseline !== null) sides.push(baselineSide(baseline, request));

    const counts = await causeCounts(slo, environment, sides);
    const target = counts.filter((c) => c.side === 'target').map((c) => c.cause);
    const before = baseline === null ? null : counts.filter((c) => c.side === 'baseline').map((c) => c.cause);
    const logLines = await exampleLogLines(target);
    const targetEvents = eventsIn(slo, request.fromMs, request.toMs, environment, request.configHash);
    const baselineSideOf = sides[1];
    const baselineEvents = baselineSideOf === undefined ? null : eventsIn(slo, baselineSideOf.fromMs, baselineSideOf.toMs, environment, baselineSideOf.configHash);
    const budget = budgetEvents(slo, environment);
    const ranked = rankCauses({ target, baseline: before, targetEvents, baselineEvents, budgetEvents: budget, logLines });
    return {
      ...base,
      badEvents: ranked.badEvents,
      totalEvents: targetEvents,
      budgetEvents: budget,
      baseline: baseline === null || baselineSideOf === undefined ? null : {
        ...baseline, badEvents: ranked.baselineBadEvents, totalEvents: baselineEvents,
      },
      causes: ranked.causes,
      otherCauses: ranked.otherCauses,
      unsupported: null,
    };
  }

  /** 'auto': the release that served before this one (same environment), or the same range a week earlier. */
  function resolveBaseline(slo: SloDefinition, request: AttributionRequest, environment: string | null): Exclude<Baseline, { kind: 'none' }> | null {
    if (request.baseline !== 'auto') return request.baseline.kind === 'none' ? null : request.baseline;
    if (request.configHash === null) {
      // A week back the recorded minutes are held as whole hours (engine/recorder.ts), so the range is
      // widened to the hours around it: its events (from those hours) and its causes (from raw
      // events) are then counted over the same range. Unaligned, the hours inside a one-hour range
      // were none, and a baseline with bad events read as one without events.
      return { kind: 'range', fromMs: Math.floor((request.fromMs - WEEK_MS) / HOUR_MS) * HOUR_MS, toMs: Math.ceil((request.toMs - WEEK_MS) / HOUR_MS) * HOUR_MS };
    }
    const seen = reader.sources(slo, 0).filter((s) => environment === null || s.environment === environment);
    const mine = seen.filter((s) => s.configHash === request.configHash);
    if (mine.length === 0) return null;
    const first = Math.min(...mine.map((s) => s.firstMinute));
    const previous = seen
      .filter((s) => s.configHash !== request.configHash && s.configHash !== '' && s.firstMinute < first)
      .sort((a, b) => b.lastMinute - a.lastMinute)[0];
    return previous === undefined ? null : { kind: 'release', configHash: previous.configHash };
  }

  async function causeCounts(slo: SloDefinition, environment: string | null, sides: readonly Side[]): Promise<{ side: Side['name']; cause: CauseCount }[]> {
    const sli = slo.sli;
    switch (sli.kind) {
      case 'spans': {
        const { sql, params } = spanCausesQuery(slo, environment, sides);
        const rows = await store.query<SpanCauseRow>(sql, params);
        return rows.map((r) => ({
          side: r.side,
          cause: {
            kind: r.kind, service: slo.service, operation: r.operation, errorType: r.error_type, dependency: r.dependency,
            dependencyOperation: r.dependency_operation, labels: {}, count: Number(r.n), firstSeenMs: Number(r.first_ms),
            lastSeenMs: Number(r.last_ms), configHashes: r.hashes, exampleTraceIds: r.traces,
            timeShare: r.time_share === null ? null : Number(r.time_share), exampleBodies: [],
          },
        }));
      }
      case 'logs': {
        const { sql, params } = logCausesQuery(slo, environment, sides);
        const rows = await store.query<LogCauseRow>(sql, params);
        return rows.map((r) => ({
          side: r.side,
          cause: {
            kind: 'log', service: slo.service, operation: r.operation, errorType: r.error_type, dependency: '', dependencyOperation: '',
            labels: {}, count: Number(r.n), firstSeenMs: Number(r.first_ms), lastSeenMs: Number(r.last_ms), configHashes: r.hashes,
            exampleTraceIds: r.traces, timeShare: null, exampleBodies: r.bodies,
          },
        }));
      }
      case 'metric-ratio':
      case 'metric-histogram': {
        const metric = sli.kind === 'metric-ratio' ? (sli.counts === 'bad' ? sli.numerator.metric : sli.total.metric) : sli.histogram.metric;
        const out: { side: Side['name']; cause: CauseCount }[] = [];
        for (const side of sides) {
          const fromMinute = Math.ceil(side.fromMs / MINUTE_MS) * 60;
          const toMinute = Math.ceil(side.toMs / MINUTE_MS) * 60 - 60;
          const { sql, params } = metricBadBySeriesQuery(slo, fromMinute, toMinute, environment, side.configHash);
          const rows = await store.query<MetricCauseRow>(sql, params);
          for (const r of rows) {
            out.push({
              side: side.name,
              cause: {
                kind: 'metric', service: slo.service, operation: metric, errorType: '', dependency: '', dependencyOperation: '',
                labels: r.labels, count: Number(r.bad), firstSeenMs: Number(r.first_minute) * 1000, lastSeenMs: Number(r.last_minute) * 1000,
                configHashes: [...r.hashes].sort((a, b) => Number(b[1]) - Number(a[1])).map((h) => h[0]).filter((h, i, all) => all.indexOf(h) === i).slice(0, 5),
                exampleTraceIds: [], timeShare: null, exampleBodies: [],
              },
            });
          }
        }
        return out;
      }
      case 'promql':
        return [];
      default:
        return assertNever(sli);
    }
  }

  /** The log lines of the example traces of the causes with the most events (at most 60 traces, one statement). */
  async function exampleLogLines(causes: readonly CauseCount[]): Promise<Map<string, string[]>> {
    const traceIds = [...causes].sort((a, b) => b.count - a.count).flatMap((c) => (c.kind === 'log' ? [] : c.exampleTraceIds)).slice(0, 60);
    const lines = new Map<string, string[]>();
    if (traceIds.length === 0) return lines;
    const rows = await store.query<{ trace: string; body: string }>(
      `SELECT TraceId AS trace, Body AS body FROM otel_logs WHERE TraceId IN {traceIds:Array(String)}
       ORDER BY SeverityNumber DESC, Timestamp LIMIT 3 BY TraceId`,
      { traceIds },
    );
    for (const r of rows) lines.set(r.trace, [...(lines.get(r.trace) ?? []), r.body]);
    return lines;
  }

  return {
    attribute(slo, request) {
      const minute = Math.floor(now() / MINUTE_MS);
      const key = JSON.stringify([slo.name, slo.objectivePercent, slo.sli, request]);
      const hit = held.get(key);
      if (hit !== undefined && hit.minute === minute) return hit.answer;
      if (held.size > 500) held.clear();
      const answer = attributeNow(slo, request);
      held.set(key, { minute, answer });
      answer.catch(() => held.delete(key));
      return answer;
    },

    async markers(slos, { environment, fromMs, toMs }) {
      const firstSeen: FirstSeen[] = slos.flatMap((slo) =>
        reader.sources(slo, 0).map((s) => ({ service: slo.service, environment: s.environment, configHash: s.configHash, firstMinute: s.firstMinute })));
      return releaseMarkers({
        firstSeen, deployments: await deployments(fromMs, toMs), services: [...new Set(slos.map((s) => s.service))], environment, fromMs, toMs,
      });
    },

    releaseBudgets(slo, environment) {
      const env = sloEnvironment(slo, environment);
      const plan = planWindows(slo, now());
      const period = plan.windows.find((w) => w.key === plan.periodKey);
      if (period === undefined) return [];
      const counts = reader.windowCounts(slo, [period], plan.endMinuteSeconds, env);
      if (counts === undefined) return [];
      const total = counts.total[period.key]?.totalEvents ?? 0;
      const budget = slo.budgeting.kind === 'timeslices' || total === 0 ? null : total * budgetOf(slo);
      const seen = reader.sources(slo, period.startSeconds).filter((s) => env === null || s.environment === env);
      const out: ReleaseBudget[] = [];
      for (const [configHash, windows] of counts.byRelease) {
        const c = windows[period.key];
        if (c === undefined || c.totalEvents === 0) continue;
        const where = seen.filter((s) => s.configHash === configHash);
        out.push({
          configHash,
          badEvents: c.badEvents,
          totalEvents: c.totalEvents,
          budgetShare: budget === null ? null : c.badEvents / budget,
          firstSeenMs: where.length === 0 ? 0 : Math.min(...where.map((s) => s.firstMinute)) * 1000,
          lastSeenMs: where.length === 0 ? 0 : (Math.max(...where.map((s) => s.lastMinute)) + 60) * 1000,
        });
      }
      return out.sort((a, b) => (b.budgetShare ?? 0) - (a.budgetShare ?? 0) || b.badEvents - a.badEvents || (a.configHash < b.configHash ? -1 : 1));
    },
  };
}

/**
 * Attribution over another reader of recorded minutes and another clock: what `tollgate diff`
 * replays a stored decision with (its causes as of the decision's instant).
 */
export const attributionOn = (store: AttributionStore) => (reader: AttributionReader, nowMs: number): AttributionService =>
  createAttributionService({ store, reader, now: () => nowMs });

interface MetricCauseRow {
  labels: Record<string, string>;
  bad: number | string;
  first_minute: number | string;
  last_minute: number | string;
  hashes: [string, number | string][];
}

export function natureOf(slo: SloDefinition): SliNature {
  switch (slo.sli.kind) {
    case 'spans':
      return slo.sli.bad.kind === 'duration-over' ? 'latency' : 'availability';
    case 'logs':
      return 'logs';
    default:
      return 'metrics';
  }
}

/** A release baseline's side: that release's events over the week before the range's end. */
function baselineSide(baseline: Exclude<Baseline, { kind: 'none' }>, request: AttributionRequest): Side {
  return baseline.kind === 'release'
    ? { name: 'baseline', fromMs: request.toMs - WEEK_MS, toMs: request.toMs, configHash: baseline.configHash }
    : { name: 'baseline', fromMs: baseline.fromMs, toMs: baseline.toMs, configHash: null };
}

/** Ledger sums over minutes, moved in to whole hours where the minutes are no longer held. */
function sumLedger(ledger: LedgerView, fromMinute: number, toMinute: number, minutesFrom: number, filter: (s: SeriesView) => boolean): { total: number } {
  let from = fromMinute;
  let to = toMinute;
  if (from < minutesFrom) from = Math.ceil(from / HOUR) * HOUR;
  if (to < minutesFrom) to = Math.floor((to + 60) / HOUR) * HOUR - 60;
  if (to < from) return { total: 0 };
  try {
    let total = 0;
    for (const s of ledger.series()) if (filter(s)) total += s.sum(from, to).total;
    return { total };
  } catch (e) {
    if (e instanceof MissingMinutesError) return { total: 0 };
    throw e;
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected SLI ${JSON.stringify(x)}`);
}

/** The current minute's end, for callers building "the period so far" requests. */
export const rangeEndMs = (nowMs: number): number => (endMinuteOf(nowMs) + 60) * 1000;
