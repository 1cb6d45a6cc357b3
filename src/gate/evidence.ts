/**
 * @module gate/evidence
 * Gathers what the gate decides on: the target environment's SLO health, where this config_hash
 * already served against the config that served before it there (its baseline), whether it is a
 * rollback, its top causes, and valid overrides. Every count is arithmetic on the engine's recorded
 * minutes (no statement: the gate answers in milliseconds while ingest holds the store); only a
 * release with bad events asks the store, for what made them bad. The rules are pure
 * (release-history.ts, decide.ts); this is the shell that feeds them.
 */
import type { AttributionRequest, AttributionService } from '../attribution/index.js';
import type { SloReader } from '../engine/index.js';
import { budgetRemaining, parseDurationSeconds } from '../slo/math/index.js';
import { budgetOf, endMinuteOf, planWindows, sloStatus, windowStartSeconds, withWindow } from '../slo/evaluate/index.js';
import type { SliCounts } from '../slo/sli/index.js';
import type { GatePolicy, SloDefinition } from '../slo/spec/index.js';
import { decide } from './decide.js';
import { baselineOf, findRollback, inEnvironment, selectSlos, type Seen } from './release-history.js';
import type { Cause, CheckKind, GateInput, GateRequest, GateVerdict, Override, ReleaseRecord, SloHealth } from './types.js';

/** How far back the gate looks for where a config ran and what ran before it (whole hours: see slo/evaluate/windows.ts). */
export const RELEASE_LOOKBACK_SECONDS = 7 * 86_400;

export interface EvidenceSources {
  reader: SloReader;
  /** Attribution: the causes of one SLO's bad events over a range (ranked against a baseline). */
  causes(slo: SloDefinition, request: AttributionRequest): Promise<Cause[]>;
  /** Overrides for this app and environment that have not expired. */
  overrides(request: GateRequest, nowMs: number): Override[];
}

export async function gatherEvidence({ sources, slos, policies, request, nowMs }: {
  sources: EvidenceSources;
  slos: readonly SloDefinition[];
  policies: readonly GatePolicy[];
  request: GateRequest;
  nowMs: number;
}): Promise<GateInput & Gathered> {
  const { reader } = sources;
  const policy = policies.find((p) => p.app === request.app && p.environment === request.environment) ?? null;
  const selected = selectSlos(slos, policy, request);
  const endMinute = endMinuteOf(nowMs);
  const lookbackStart = windowStartSeconds(endMinute, RELEASE_LOOKBACK_SECONDS);
  const seen = seenOf(reader, selected, lookbackStart);

  const burnWindowSeconds = policy?.burnRateWindowSeconds ?? 3_600;
  const targetHealth = selected.map((slo) => health(reader, slo, request.environment, burnWindowSeconds, nowMs));

  const ranIn = seen.filter((s) => s.configHash === request.configHash);
  const compared = ranIn.flatMap((where) =>
    selected.filter((s) => s.service === where.service && s.sli.kind === 'spans').map((slo) => ({ where, slo })));
  const lookback = [{ key: 'lookback', startSeconds: lookbackStart }];
  const releaseRecords: ReleaseRecord[] = compared.map(({ where, slo }) => {
    const counts = reader.windowCounts(slo, lookback, endMinute, where.environment);
    const baseline = baselineOf(seen, where);
    const of = (hash: string | null) => (hash === null ? undefined : counts?.byRelease.get(hash)?.['lookback']);
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

  // Healthy: its run spent no more than its share of each compared SLO's budget there (burned at most 1×).
  const ranHealthy = (mine: Seen): boolean =>
    compared.every(({ where, slo }, i) => {
      if (where !== mine) return true;
      const record = releaseRecords[i]!;
      return budgetRemaining({ totalEvents: record.releaseTotal, badEvents: record.releaseBad }, budgetOf(slo)) >= 0;
    });

  return {
    request,
    policy,
    nowMs,
    targetHealth,
    releaseRecords,
    rollback: findRollback(seen, request, ranHealthy),
    // Filled in by `withCauses` when the verdict is a deny: nothing else reads them.
    causes: [],
    overrides: sources.overrides(request, nowMs),
    ranIn,
    selected,
  };
}

/**
 * The causes of every failed check's bad events (the only reads a decision may need from the
 * store, made only for a deny: its words name the top cause), in the order `causeAsks` gives.
 */
async function withCauses(sources: EvidenceSources, input: GateInput & Gathered, verdict: GateVerdict): Promise<GateInput & Gathered> {
  const asks = causeAsks(input, verdict);
  const answers = await Promise.all(asks.map((a) => sources.causes(a.slo, a.request)));
  return { ...input, causes: answers.flat() };
}

/**
 * The verdict again with its causes when it is a deny (or would have been, under an override or
 * observe mode): the one place a decision reads the store, so a deny's words name the top cause.
 */
export async function decideNamingCauses(sources: EvidenceSources, input: GateInput & Gathered, verdict: GateVerdict): Promise<{ input: GateInput & Gathered; verdict: GateVerdict }> {
  if (verdict.decision !== 'deny' && !('wouldHaveBeen' in verdict && verdict.wouldHaveBeen === 'deny')) return { input, verdict };
  const withThem = await withCauses(sources, input, verdict);
  return { input: withThem, verdict: decide(withThem) };
}

/** The gate's causes from attribution: each cause with the SLO it burned. */
export function causesFrom(attribution: Pick<AttributionService, 'attribute'>): EvidenceSources['causes'] {
  return async (slo, request) => (await attribution.attribute(slo, request)).causes.map((c) => ({ ...c, slo: slo.name }));
}

/** What each failed check's causes are read over, in the summary's order of checks. */
export interface CauseAsk {
  slo: SloDefinition;
  check: CheckKind;
  request: AttributionRequest;
}

const ASK_ORDER: readonly CheckKind[] = ['release_vs_baseline', 'page_alert', 'budget_remaining', 'burn_rate'];

/**
 * Rules: a failed release comparison reads the release's events where and while it ran, against
 * its baseline release; a failed target check reads the target environment's events against the
 * week before, over the window the check judged: the period for the budget, the burn-rate window
 * for the burn rate, the long window of the first firing page alert. One ask per SLO, environment
 * and range. Pure.
 */
export function causeAsks(input: GateInput & Gathered, verdict: GateVerdict): CauseAsk[] {
  const failed = verdict.checks.filter((c) => !c.passed).sort((a, b) => ASK_ORDER.indexOf(a.check) - ASK_ORDER.indexOf(b.check));
  const asks: CauseAsk[] = [];
  const seen = new Set<string>();
  const add = (ask: CauseAsk): void => {
    const key = JSON.stringify([ask.slo.name, ask.request]);
    if (seen.has(key)) return;
    seen.add(key);
    asks.push(ask);
  };
  const endMs = (endMinuteOf(input.nowMs) + 60) * 1000;
  for (const check of failed) {
    const slo = input.selected.find((s) => s.name === check.slo);
    if (slo === undefined) continue;
    if (check.check === 'release_vs_baseline') {
      for (const record of input.releaseRecords.filter((r) => r.slo === slo.name)) {
        const where = input.ranIn.find((s) => s.environment === record.environment && s.service === record.service);
        if (where === undefined) continue;
        add({
          slo, check: check.check,
          request: {
            fromMs: where.firstSeconds * 1000, toMs: (where.lastSeconds + 60) * 1000, environment: record.environment,
            configHash: input.request.configHash,
            baseline: record.baselineConfigHash === null ? { kind: 'none' } : { kind: 'release', configHash: record.baselineConfigHash },
          },
        });
      }
      continue;
    }
    const health = input.targetHealth.find((h) => h.slo === slo.name);
    const seconds = check.check === 'budget_remaining'
      ? planWindows(slo, input.nowMs).periodSeconds
      : check.check === 'burn_rate'
        ? secondsOr(health?.burnWindow, 3_600)
        : secondsOr(health?.pageAlertsFiring[0]?.split('/').at(-1), 3_600);
    add({
      slo, check: check.check,
      request: { fromMs: endMs - seconds * 1000, toMs: endMs, environment: input.request.environment, configHash: null, baseline: 'auto' },
    });
  }
  return asks;
}

/** A window as SLO files write it (`1h`; an alert key ends with its long window), or the fallback. */
function secondsOr(text: string | undefined, fallback: number): number {
  const parsed = parseDurationSeconds(text ?? '');
  return parsed.ok ? parsed.value : fallback;
}

/** What gathering found beyond the decision's input: where the release ran and the SLOs selected. */
export interface Gathered {
  ranIn: Seen[];
  selected: SloDefinition[];
}

/** Where each selected SLO's service saw each config in the lookback, merged over the SLOs of a service. */
function seenOf(reader: SloReader, slos: readonly SloDefinition[], fromMinute: number): Seen[] {
  const byKey = new Map<string, Seen>();
  for (const slo of slos) {
    for (const s of reader.sources(slo, fromMinute)) {
      if (s.configHash === '') continue;
      const key = `${s.environment}\u0000${slo.service}\u0000${s.configHash}`;
      const prev = byKey.get(key);
      byKey.set(key, prev === undefined
        ? { environment: s.environment, service: slo.service, configHash: s.configHash, firstSeconds: s.firstMinute, lastSeconds: s.lastMinute }
        : { ...prev, firstSeconds: Math.min(prev.firstSeconds, s.firstMinute), lastSeconds: Math.max(prev.lastSeconds, s.lastMinute) });
    }
  }
  return [...byKey.values()];
}

/** The target environment's view of an SLO now: no previous alert state, so a page is "its condition holds now". */
function health(reader: SloReader, slo: SloDefinition, environment: string, burnWindowSeconds: number, nowMs: number): SloHealth {
  const here = inEnvironment(slo, environment);
  const { plan, key: burnKey } = withWindow(planWindows(here, nowMs), burnWindowSeconds);
  const counts: SliCounts =
    reader.windowCounts(here, plan.windows, plan.endMinuteSeconds, environment)
    ?? directCounts(reader, slo, plan.windows.map((w) => w.key));
  const { status } = sloStatus(here, plan, counts, new Map(), nowMs, '');
  return {
    slo: slo.name,
    service: slo.service,
    budgetRemaining: status.errorBudget.remaining,
    burnRate: status.windows[burnKey]?.burnRate ?? null,
    burnWindow: burnKey,
    pageAlertsFiring: status.alerts.filter((a) => a.severity === 'page' && a.state === 'firing').map((a) => a.key),
    totalEvents: status.windows[plan.periodKey]?.total ?? 0,
  };
}

/**
 * An SLO the engine evaluates by its own query (PromQL, slices under a minute): its latest
 * evaluation, for every environment (its queries do not keep one); windows it did not evaluate are empty.
 */
function directCounts(reader: SloReader, slo: SloDefinition, keys: readonly string[]): SliCounts {
  const latest = reader.latestDirect(slo.name);
  const total = Object.fromEntries(keys.map((k) => [k, latest?.counts.total[k] ?? { totalEvents: 0, badEvents: 0 }]));
  return { total, byRelease: latest?.counts.byRelease ?? new Map() };
}
