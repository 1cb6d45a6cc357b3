/**
 * @module gate/evidence
 * Gathers what the gate decides on, from the stored data and the loaded SLO files: the target
 * environment's SLO health, where this config_hash already served traffic against the config that
 * served before it there (its baseline), whether it is a rollback, its top errors with example
 * traces and log lines, and valid overrides. I/O shell around the pure `decide`.
 */
import { planWindows, type WindowPlan } from '../engine/plan.js';
import { sloStatus } from '../engine/status.js';
import { sliQuery } from '../engine/sli.js';
import { budgetRemaining, errorBudgetFraction, formatWindow } from '../slo/math/index.js';
import { fitsSpanRollup, spanRollupQuery, type EvaluationWindow, type RollupRow, type SliCounts } from '../slo/sli/index.js';
import type { GatePolicy, SloDefinition } from '../slo/spec/index.js';
import type { Store } from '../store/index.js';
import type { Cause, GateInput, GateRequest, Override, ReleaseRecord, SloHealth } from './types.js';

/** How far back the gate looks for where a config ran and what ran before it. */
export const RELEASE_LOOKBACK_SECONDS = 7 * 86_400;

export interface Seen {
  environment: string;
  service: string;
  configHash: string;
  firstSeconds: number;
  lastSeconds: number;
}

export async function gatherEvidence({ store, slos, policies, request, nowMs }: {
  store: Store;
  slos: readonly SloDefinition[];
  policies: readonly GatePolicy[];
  request: GateRequest;
  nowMs: number;
}): Promise<GateInput> {
  const policy = policies.find((p) => p.app === request.app && p.environment === request.environment) ?? null;
  const selected = selectSlos(slos, policy, request);
  const services = [...new Set([...request.services, ...selected.map((s) => s.service)])];
  const endMinute = Math.floor(nowMs / 60_000) * 60;
  const seen = await configsSeen(store, services, endMinute);

  const burnWindowSeconds = policy?.burnRateWindowSeconds ?? 3_600;
  const ranIn = seen.filter((s) => s.configHash === request.configHash);
  const compared = ranIn.flatMap((where) =>
    selected.filter((s) => s.service === where.service && s.sli.kind === 'spans').map((slo) => ({ where, slo })));

  // Every count the decision needs, the target's health and the release's record wherever it ran, is
  // asked in one rollup statement when the SLOs allow it: chDB runs one statement at a time and each
  // costs more to plan than to read, so concurrent gate calls queue behind each other's statements.
  const healthAsks = selected.map((slo) => healthAsk(inEnvironment(slo, request.environment), burnWindowSeconds, nowMs));
  const recordAsks = compared.map(({ where, slo }) => ({
    slo: inEnvironment(slo, where.environment),
    windows: [{ key: 'lookback', startSeconds: endMinute + 60 - RELEASE_LOOKBACK_SECONDS }],
    endMinuteSeconds: endMinute,
  }));
  const counted = await countAll(store, [...healthAsks, ...recordAsks]);
  const targetHealth = healthAsks.map((ask, i) => health(ask, counted[i]!, nowMs));

  const releaseRecords: ReleaseRecord[] = compared.map(({ where, slo }, i) => {
    const counts = counted[healthAsks.length + i]!;
    const baseline = baselineOf(seen, where);
    const of = (hash: string | null) => (hash === null ? undefined : counts.byRelease.get(hash)?.['lookback']);
    return {
      environment: where.environment,
      service: where.service,
      slo: slo.name,
      sloKind: slo.sli.kind === 'spans' && slo.sli.bad.kind === 'duration-over' ? 'latency' : 'availability',
      releaseBad: of(request.configHash)?.badEvents ?? 0,
      releaseTotal: of(request.configHash)?.totalEvents ?? 0,
      baselineConfigHash: baseline?.configHash ?? null,
      baselineBad: of(baseline?.configHash ?? null)?.badEvents ?? 0,
      baselineTotal: of(baseline?.configHash ?? null)?.totalEvents ?? 0,
    };
  });

  // A rollback: this config served a service here before, another config of the same service has
  // served since (the same config still serving is a re-sync, not a rollback), and it ran healthy
  // here: its run spent no more than its share of each of the service's SLO budgets (burned at most
  // 1×). A config that burned the budget and was replaced is the cause, not the fix; as a rollback it
  // would be let back in past the budget it spent, with no baseline to fail against if it ran first.
  const ranHealthy = (mine: Seen): boolean =>
    compared.every(({ where, slo }, i) => {
      if (where !== mine) return true;
      const record = releaseRecords[i]!;
      const budget = errorBudgetFraction(slo.objectivePercent);
      // Loaded SLOs have valid objectives; were one not, health could not be shown, and a rollback needs it.
      return budget.ok && budgetRemaining({ totalEvents: record.releaseTotal, badEvents: record.releaseBad }, budget.value) >= 0;
    });
  const here = ranIn.filter((s) => s.environment === request.environment);
  const replaced = here.filter((mine) => {
    const latest = seen
      .filter((s) => s.environment === mine.environment && s.service === mine.service)
      .sort((a, b) => b.lastSeconds - a.lastSeconds)[0];
    return latest !== undefined && latest.configHash !== request.configHash && ranHealthy(mine);
  });
  const rollback =
    replaced.length > 0
      ? { configHash: request.configHash, environment: request.environment, lastHealthyAtMs: Math.max(...replaced.map((s) => s.lastSeconds)) * 1000 }
      : null;

  return {
    request,
    policy,
    nowMs,
    targetHealth,
    releaseRecords,
    rollback,
    // Only a release with failures has causes; they are looked for where and while it ran.
    causes: releaseRecords.some((r) => r.releaseBad > 0) || (ranIn.length > 0 && compared.length === 0)
      ? await topCauses(store, request.configHash, ranIn)
      : [],
    overrides: await validOverrides(store, request, nowMs),
  };
}

export function selectSlos(slos: readonly SloDefinition[], policy: GatePolicy | null, request: GateRequest): SloDefinition[] {
  if (policy === null) return slos.filter((s) => request.services.includes(s.service));
  const selection = policy.slos;
  return selection.kind === 'names'
    ? slos.filter((s) => selection.names.includes(s.name))
    : slos.filter((s) => Object.entries(selection.matchLabels).every(([k, v]) => s.labels[k] === v));
}

/** The SLO as it applies in one environment (span SLIs carry the environment; others are global). */
export function inEnvironment(slo: SloDefinition, environment: string): SloDefinition {
  return slo.sli.kind === 'spans' ? { ...slo, sli: { ...slo.sli, match: { ...slo.sli.match, environment } } } : slo;
}

export interface CountAsk {
  slo: SloDefinition;
  windows: EvaluationWindow[];
  endMinuteSeconds: number;
}

/** The counts for each ask, in order: the ones the rollups answer in one statement, the others one each. */
export async function countAll(store: Store, asks: readonly CountAsk[]): Promise<SliCounts[]> {
  const result: Array<SliCounts | undefined> = asks.map(() => undefined);
  const batched = asks.flatMap((ask, i) => (fitsSpanRollup(ask.slo) && ask.slo.budgeting.kind === 'occurrences' ? [i] : []));
  const first = batched[0];
  if (first !== undefined) {
    // One SLO may be asked in several environments: members are keyed by position, not by name.
    const members = batched.map((i) => ({ slo: { ...asks[i]!.slo, name: `ask-${i}` }, windows: asks[i]!.windows }));
    const query = spanRollupQuery(members, asks[first]!.endMinuteSeconds);
    const byMember = query.read(await store.query<RollupRow>(query.sql, query.params));
    for (const i of batched) result[i] = byMember.get(`ask-${i}`);
  }
  const counts: SliCounts[] = [];
  for (const [i, ask] of asks.entries()) {
    let c = result[i];
    if (c === undefined) {
      const query = sliQuery({ slo: ask.slo, windows: ask.windows, endMinuteSeconds: ask.endMinuteSeconds });
      c = query.read(await store.query<Record<string, unknown>>(query.sql, query.params));
    }
    counts.push(c);
  }
  return counts;
}

type HealthAsk = CountAsk & { plan: WindowPlan; burnKey: string };

function healthAsk(slo: SloDefinition, burnWindowSeconds: number, nowMs: number): HealthAsk {
  const plan = planWindows(slo, nowMs);
  const burnKey = formatWindow(burnWindowSeconds);
  const windows = plan.windows.some((w) => w.key === burnKey)
    ? plan.windows
    : [...plan.windows, { key: burnKey, startSeconds: plan.endMinuteSeconds + 60 - burnWindowSeconds }];
  return { slo, windows, endMinuteSeconds: plan.endMinuteSeconds, plan, burnKey };
}

function health({ slo, plan, windows, burnKey }: HealthAsk, counts: SliCounts, nowMs: number): SloHealth {
  // No previous alert state: the gate asks whether a page alert's condition holds right now.
  const { status } = sloStatus(slo, { ...plan, windows }, counts, new Map(), nowMs, '');
  return {
    slo: slo.name,
    service: slo.service,
    budgetRemaining: status.error_budget.remaining,
    burnRate: status.windows[burnKey]?.burn_rate ?? null,
    burnWindow: burnKey,
    pageAlertsFiring: status.alerts.filter((a) => a.severity === 'page' && a.state === 'firing').map((a) => a.key),
    totalEvents: status.windows[plan.periodKey]?.total ?? 0,
  };
}

async function configsSeen(store: Store, services: string[], endMinuteSeconds: number): Promise<Seen[]> {
  const rows = await store.query<{ environment: string; service: string; config_hash: string; first: string; last: string }>(
    `SELECT Environment AS environment, ServiceName AS service, ConfigHash AS config_hash,
            toUInt32(min(Minute)) AS first, toUInt32(max(Minute)) AS last
     FROM tollgate_span_rollup_1m
     WHERE ServiceName IN {services:Array(String)} AND ConfigHash != ''
       AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})
     GROUP BY environment, service, config_hash`,
    { services, from: endMinuteSeconds + 60 - RELEASE_LOOKBACK_SECONDS, to: endMinuteSeconds },
  );
  return rows.map((r) => ({ environment: r.environment, service: r.service, configHash: r.config_hash, firstSeconds: Number(r.first), lastSeconds: Number(r.last) }));
}

/** The config that served the same service in the same environment before this one started there. */
export function baselineOf(seen: readonly Seen[], release: Seen): Seen | undefined {
  return seen
    .filter((s) => s.environment === release.environment && s.service === release.service && s.configHash !== release.configHash && s.firstSeconds < release.firstSeconds)
    .sort((a, b) => b.lastSeconds - a.lastSeconds)[0];
}

/** The release's failed spans grouped by cause, read only for the services and minutes where it ran. */
export async function topCauses(store: Store, configHash: string, ranIn: readonly Seen[]): Promise<Cause[]> {
  const rows = await store.query<{ service: string; span_name: string; error_type: string; n: string; traces: string[] }>(
    `SELECT ServiceName AS service, SpanName AS span_name,
            multiIf(arrayFirst(a -> a['exception.type'] != '', Events.Attributes)['exception.type'] != '',
                      arrayFirst(a -> a['exception.type'] != '', Events.Attributes)['exception.type'],
                    StatusMessage != '', StatusMessage,
                    SpanAttributes['http.response.status_code'] != '', concat('HTTP ', SpanAttributes['http.response.status_code']),
                    'error') AS error_type,
            count() AS n, arrayMap(x -> x.2, groupArraySorted(3)((Timestamp, TraceId))) AS traces
     FROM otel_traces
     WHERE ServiceName IN {services:Array(String)} AND ConfigHash = {configHash:String} AND StatusCode = 'Error'
       AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)
     GROUP BY service, span_name, error_type
     ORDER BY n DESC
     LIMIT 5`,
    {
      services: [...new Set(ranIn.map((s) => s.service))],
      configHash,
      from: Math.min(...ranIn.map((s) => s.firstSeconds)),
      to: Math.max(...ranIn.map((s) => s.lastSeconds)) + 60,
    },
  );
  const total = rows.reduce((n, r) => n + Number(r.n), 0);
  const traceIds = rows.flatMap((r) => r.traces);
  const logs = traceIds.length === 0 ? [] : await store.query<{ TraceId: string; Body: string }>(
    `SELECT TraceId, Body FROM otel_logs WHERE TraceId IN {traceIds:Array(String)} ORDER BY SeverityNumber DESC, Timestamp LIMIT 30`,
    { traceIds },
  );
  return rows.map((r) => ({
    service: r.service,
    spanName: r.span_name,
    errorType: r.error_type,
    count: Number(r.n),
    share: total === 0 ? 0 : Number(r.n) / total,
    exampleTraceIds: r.traces,
    exampleLogLines: logs.filter((l) => r.traces.includes(l.TraceId)).slice(0, 3).map((l) => l.Body),
  }));
}

async function validOverrides(store: Store, request: GateRequest, nowMs: number): Promise<Override[]> {
  const rows = await store.query<{ OverrideId: string; Who: string; Reason: string; ConfigHash: string; expires: string }>(
    `SELECT OverrideId, Who, Reason, ConfigHash, toUnixTimestamp64Milli(ExpiresAt) AS expires FROM tollgate_overrides
     WHERE App = {app:String} AND Environment = {environment:String} AND ConfigHash IN ({configHash:String}, '*')
       AND ExpiresAt > fromUnixTimestamp64Milli({now:Int64})`,
    { app: request.app, environment: request.environment, configHash: request.configHash, now: nowMs },
  );
  return rows.map((r) => ({ id: r.OverrideId, who: r.Who, reason: r.Reason, configHash: r.ConfigHash, expiresAtMs: Number(r.expires) }));
}
