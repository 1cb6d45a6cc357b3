/**
 * @module correlate/release-query
 * Releases (`config_hash`es) of a service, and one release beside its baseline: read from the
 * per-minute span rollup (see release-stats.ts for what is counted and how quantiles are made),
 * deploy events, the SLOs' counts split by release, what burned each SLO's budget (attribution,
 * against the baseline release) and the release's share of each budget. "Baseline" is the gate's
 * own (`baselineOf`), and the SLOs' counts come from the engine's recorded minutes over the gate's
 * lookback window, so this page and a gate decision always name the same baseline and numbers.
 */
import { causeWire, releaseBudgetWire, type AttributionService } from '../attribution/index.js';
import type { SloReader } from '../engine/index.js';
import { baselineOf, type Seen } from '../gate/index.js';
import { windowStartSeconds } from '../slo/evaluate/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { Store } from '../store/index.js';
import { mergeStats, type ReleaseNumbers, type ReleaseStatsRow } from './release-stats.js';

export interface Deployment {
  app: string;
  environment: string;
  service: string;
  revision: string;
  time: string;
}

export interface ReleaseListEntry extends ReleaseNumbers {
  config_hash: string;
  environment: string;
  deployments: Array<{ app: string; revision: string; time: string }>;
}

export interface ReleaseList {
  service: string;
  environment: string | null;
  since: string;
  releases: ReleaseListEntry[];
}

/** The rollup's groups for these services since `fromSeconds`, one row per (service, environment, config). */
export async function releaseStats(store: Store, { services, environment, fromSeconds }: {
  services: readonly string[];
  environment: string | null;
  fromSeconds: number;
}): Promise<ReleaseStatsRow[]> {
  if (services.length === 0) return [];
  // Inner columns are named apart from the outer aliases: ClickHouse resolves an alias anywhere in
  // the query, and `sum(n_server) AS n_server` would put an aggregate inside `groupArrayIf`.
  return store.query<ReleaseStatsRow>(
    `SELECT service, environment, config_hash,
            toUInt32(min(first_minute)) AS first, toUInt32(max(last_minute)) AS last,
            sum(n_server) AS spans, sum(n_error) AS errors,
            groupArrayIf((bucket, n_server, sum_ns), n_server > 0) AS buckets
     FROM (
       SELECT ServiceName AS service, Environment AS environment, ConfigHash AS config_hash, DurationBucketNs AS bucket,
              min(Minute) AS first_minute, max(Minute) AS last_minute,
              sumIf(Count, SpanKind = 'Server') AS n_server,
              sumIf(Count, SpanKind = 'Server' AND StatusCode = 'Error') AS n_error,
              sumIf(DurationSumNs, SpanKind = 'Server') AS sum_ns
       FROM tollgate_span_rollup_1m
       WHERE ServiceName IN {services:Array(String)} AND ConfigHash != ''
         AND ({environment:String} = '' OR Environment = {environment:String})
         AND Minute >= toDateTime({from:UInt32})
       GROUP BY service, environment, config_hash, bucket)
     GROUP BY service, environment, config_hash`,
    { services, environment: environment ?? '', from: fromSeconds },
  );
}

/** Deploy events naming these configs, oldest first. */
export async function deploymentsOf(store: Store, configHashes: readonly string[]): Promise<Array<Deployment & { config_hash: string }>> {
  if (configHashes.length === 0) return [];
  const rows = await store.query<{ app: string; environment: string; service: string; config_hash: string; revision: string; ms: string }>(
    `SELECT App AS app, Environment AS environment, Service AS service, ConfigHash AS config_hash, Revision AS revision,
            toString(toUnixTimestamp64Milli(DeployedAt)) AS ms
     FROM tollgate_deployments FINAL
     WHERE ConfigHash IN {hashes:Array(String)}
     ORDER BY DeployedAt, App, Revision
     LIMIT 1000`,
    { hashes: configHashes },
  );
  return rows.map((r) => ({ app: r.app, environment: r.environment, service: r.service, config_hash: r.config_hash, revision: r.revision, time: new Date(Number(r.ms)).toISOString() }));
}

export async function listReleases(store: Store, { service, environment, sinceSeconds, since, nowMs }: {
  service: string;
  environment: string | null;
  sinceSeconds: number;
  /** `since` as asked, echoed in the answer. */
  since: string;
  nowMs: number;
}): Promise<ReleaseList> {
  const fromSeconds = endMinute(nowMs) + 60 - sinceSeconds;
  const rows = await releaseStats(store, { services: [service], environment, fromSeconds });
  const deployments = await deploymentsOf(store, [...new Set(rows.map((r) => r.config_hash))]);
  const releases = rows.map((row): ReleaseListEntry => ({
    config_hash: row.config_hash,
    environment: row.environment,
    ...mergeStats([row])!,
    deployments: deployments
      .filter((d) => d.config_hash === row.config_hash && d.environment === row.environment && (d.service === '' || d.service === service))
      .map((d) => ({ app: d.app, revision: d.revision, time: d.time })),
  }));
  releases.sort((a, b) => b.last_seen.localeCompare(a.last_seen) || b.first_seen.localeCompare(a.first_seen) || a.config_hash.localeCompare(b.config_hash));
  return { service, environment, since, releases };
}

export interface Counts {
  total: number;
  bad: number;
  ratio: number | null;
}

export interface ReleaseEnvironment extends ReleaseNumbers {
  environment: string;
  baseline: (ReleaseNumbers & { config_hash: string }) | null;
}

export interface ReleaseSli {
  slo: string;
  service: string;
  environment: string;
  release: Counts;
  baseline: (Counts & { config_hash: string }) | null;
}

export type ReleaseCause = ReturnType<typeof causeWire> & { slo: string; environment: string };

/** The release's part of an SLO's budget over the SLO's current period, in one environment. */
export type ReleaseBudgetShare = ReturnType<typeof releaseBudgetWire> & { slo: string; environment: string; period: string };

export interface ReleaseDetail {
  config_hash: string;
  since: string;
  services: string[];
  environments: ReleaseEnvironment[];
  slis: ReleaseSli[];
  /** What burned each compared SLO's budget while the release ran, against its baseline release: new and grown causes first. */
  causes: ReleaseCause[];
  /** The release's share of each compared SLO's budget. */
  budget: ReleaseBudgetShare[];
  deployments: Deployment[];
}

/**
 * One release everywhere it ran within the lookback (the gate's, 7 days, unless asked otherwise),
 * each environment beside its baseline; null when it was neither seen nor deployed.
 *
 * Per environment, the release's numbers add up all its services there. A config usually belongs
 * to one service; when it spans several, each service has its own baseline, and the environment's
 * baseline is the one of the service with the most traffic, summed over the services that share it.
 *
 * `slis` covers span SLOs of the release's services (span SLIs are the ones that split by
 * environment, and the ones the gate compares), counted over the lookback exactly as the gate
 * counts a release's record.
 */
export async function releaseDetail(store: Store, reader: SloReader, attribution: AttributionService, slos: readonly SloDefinition[], { configHash, environment, lookbackSeconds, since, nowMs }: {
  configHash: string;
  environment: string | null;
  lookbackSeconds: number;
  since: string;
  nowMs: number;
}): Promise<ReleaseDetail | null> {
  const end = endMinute(nowMs);
  const fromSeconds = windowStartSeconds(end, lookbackSeconds);
  const where = await store.query<{ service: string }>(
    `SELECT DISTINCT ServiceName AS service FROM tollgate_span_rollup_1m
     WHERE ConfigHash = {configHash:String} AND ({environment:String} = '' OR Environment = {environment:String})
       AND Minute >= toDateTime({from:UInt32})`,
    { configHash, environment: environment ?? '', from: fromSeconds },
  );
  const rows = await releaseStats(store, { services: where.map((w) => w.service), environment, fromSeconds });
  const deployments = (await deploymentsOf(store, [configHash])).filter((d) => environment === null || d.environment === environment);
  const mine = rows.filter((r) => r.config_hash === configHash);
  if (mine.length === 0 && deployments.length === 0) return null;

  const seen = rows.map(toSeen);
  const ranIn = mine.map(toSeen);
  const baselineFor = (s: Seen): Seen | undefined => baselineOf(seen, s);

  const environments = [...new Set(mine.map((r) => r.environment))].sort().map((env): ReleaseEnvironment => {
    const here = mine.filter((r) => r.environment === env);
    const primary = [...here].sort((a, b) => Number(b.spans) - Number(a.spans) || a.service.localeCompare(b.service))[0]!;
    const baseline = baselineFor(toSeen(primary));
    const sharing = baseline === undefined ? [] : here.filter((r) => baselineFor(toSeen(r))?.configHash === baseline.configHash).map((r) => r.service);
    const baselineRows = rows.filter((r) => r.environment === env && r.config_hash === baseline?.configHash && sharing.includes(r.service));
    const baselineNumbers = mergeStats(baselineRows);
    return {
      environment: env,
      ...mergeStats(here)!,
      baseline: baseline === undefined || baselineNumbers === null ? null : { config_hash: baseline.configHash, ...baselineNumbers },
    };
  });

  const compared = ranIn.flatMap((ran) =>
    slos.filter((slo) => slo.sli.kind === 'spans' && slo.service === ran.service).map((slo) => ({ ran, slo, baseline: baselineFor(ran) })));
  const slis = compared.map(({ ran, slo, baseline }): ReleaseSli => {
    const counted = reader.windowCounts(slo, [{ key: 'lookback', startSeconds: fromSeconds }], end, ran.environment);
    const of = (hash: string): Counts => {
      const c = counted?.byRelease.get(hash)?.['lookback'];
      const total = c?.totalEvents ?? 0;
      const bad = c?.badEvents ?? 0;
      return { total, bad, ratio: total === 0 ? null : bad / total };
    };
    return {
      slo: slo.name,
      service: slo.service,
      environment: ran.environment,
      release: of(configHash),
      baseline: baseline === undefined ? null : { config_hash: baseline.configHash, ...of(baseline.configHash) },
    };
  });
  slis.sort((a, b) => a.slo.localeCompare(b.slo) || a.environment.localeCompare(b.environment));

  const causes = (await Promise.all(compared.map(async ({ ran, slo, baseline }) => {
    const answer = await attribution.attribute(slo, {
      fromMs: ran.firstSeconds * 1000, toMs: (ran.lastSeconds + 60) * 1000, environment: ran.environment, configHash,
      baseline: baseline === undefined ? { kind: 'none' } : { kind: 'release', configHash: baseline.configHash },
    });
    return answer.causes.slice(0, 5).map((c): ReleaseCause => ({ slo: slo.name, environment: ran.environment, ...causeWire(c) }));
  }))).flat();
  const budget = compared.flatMap(({ ran, slo }) =>
    attribution.releaseBudgets(slo, ran.environment).filter((b) => b.configHash === configHash)
      .map((b): ReleaseBudgetShare => ({ slo: slo.name, environment: ran.environment, period: periodName(slo), ...releaseBudgetWire(b) })));
  return {
    config_hash: configHash,
    since,
    services: [...new Set([...mine.map((r) => r.service), ...deployments.map((d) => d.service).filter((s) => s !== '')])].sort(),
    environments,
    slis,
    causes,
    budget,
    deployments: deployments.map(({ app, environment: env, service, revision, time }) => ({ app, environment: env, service, revision, time })),
  };
}

/** "30d", "calendar month". */
const periodName = (slo: SloDefinition): string => (slo.period.kind === 'rolling' ? `${slo.period.days}d` : `calendar ${slo.period.calendar}`);

function toSeen(row: ReleaseStatsRow): Seen {
  return { environment: row.environment, service: row.service, configHash: row.config_hash, firstSeconds: Number(row.first), lastSeconds: Number(row.last) };
}

/** Unix seconds of the minute holding `nowMs`: windows are whole minutes, as the SLO engine's are. */
export function endMinute(nowMs: number): number {
  return Math.floor(nowMs / 60_000) * 60;
}

