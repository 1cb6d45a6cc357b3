/**
 * @module gate/release-history
 * The rules about a service's releases that the gate decides with, as pure functions over where
 * each config_hash served and when (from the recorded minutes): which SLOs a request selects, the
 * baseline a release is compared with, and whether a request is a rollback. Rules:
 * 1. a policy selects SLOs by name or by labels; without one, the SLOs of the requested services;
 * 2. a release's baseline in an environment is the config that served the same service there
 *    before the release first did, the one that served last;
 * 3. a request is a rollback when its config served the service in the target environment before,
 *    another config has served there since (the same config still serving is a re-sync), and it ran
 *    healthy there: within each of the service's SLO budgets over its run (a config that burned the
 *    budget and was replaced is the cause, not the fix).
 */
import type { GatePolicy, SloDefinition } from '../slo/spec/index.js';
import type { GateRequest } from './types.js';

/** Where a config served a service, and when (unix seconds of its first and last minute with events). */
export interface Seen {
  environment: string;
  service: string;
  configHash: string;
  firstSeconds: number;
  lastSeconds: number;
}

/** Rule 1. */
export function selectSlos(slos: readonly SloDefinition[], policy: GatePolicy | null, request: Pick<GateRequest, 'services'>): SloDefinition[] {
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

/** Rule 2. */
export function baselineOf(seen: readonly Seen[], release: Seen): Seen | undefined {
  return seen
    .filter((s) => s.environment === release.environment && s.service === release.service && s.configHash !== release.configHash && s.firstSeconds < release.firstSeconds)
    .sort((a, b) => b.lastSeconds - a.lastSeconds)[0];
}

/**
 * Rule 3. `ranHealthy` says whether the config's run in one place stayed within the budgets; the
 * rollback's time is the last minute it served healthy.
 */
export function findRollback(
  seen: readonly Seen[],
  request: Pick<GateRequest, 'configHash' | 'environment'>,
  ranHealthy: (run: Seen) => boolean,
): { configHash: string; environment: string; lastHealthyAtMs: number } | null {
  const here = seen.filter((s) => s.configHash === request.configHash && s.environment === request.environment);
  const replaced = here.filter((mine) => {
    const latest = seen
      .filter((s) => s.environment === mine.environment && s.service === mine.service)
      .sort((a, b) => b.lastSeconds - a.lastSeconds)[0];
    return latest !== undefined && latest.configHash !== request.configHash && ranHealthy(mine);
  });
  if (replaced.length === 0) return null;
  return { configHash: request.configHash, environment: request.environment, lastHealthyAtMs: Math.max(...replaced.map((s) => s.lastSeconds)) * 1000 };
}
