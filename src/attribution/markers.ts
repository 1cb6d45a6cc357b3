/**
 * @module attribution/markers
 * When releases arrived, for charts: each deploy event, and the first minute each config_hash
 * served each service in each environment (what the recorded minutes show even when nobody
 * posted a deploy event). Pure.
 */

export interface ReleaseMarker {
  kind: 'deploy' | 'first_seen';
  atMs: number;
  service: string;
  environment: string;
  configHash: string;
  /** deploy: the Argo CD app and revision; empty for first_seen. */
  app: string;
  revision: string;
}

export interface FirstSeen {
  service: string;
  environment: string;
  configHash: string;
  /** Unix seconds of its first minute with events. */
  firstMinute: number;
}

export interface DeployEvent {
  app: string;
  environment: string;
  service: string;
  configHash: string;
  revision: string;
  deployedAtMs: number;
}

/**
 * Rules: a first_seen marker per (service, environment, config_hash) at its earliest minute; a
 * deploy marker per deploy event (a deploy event without a service applies to every service
 * asked about); only those in [fromMs, toMs) for the services asked about (and the environment,
 * when one is asked); ordered by time, first_seen after a deploy of the same minute.
 */
export function releaseMarkers({ firstSeen, deployments, services, environment, fromMs, toMs }: {
  firstSeen: readonly FirstSeen[];
  deployments: readonly DeployEvent[];
  services: readonly string[];
  environment: string | null;
  fromMs: number;
  toMs: number;
}): ReleaseMarker[] {
  const inRange = (ms: number): boolean => ms >= fromMs && ms < toMs;
  const here = (env: string): boolean => environment === null || env === environment;
  const earliest = new Map<string, FirstSeen>();
  for (const s of firstSeen) {
    if (s.configHash === '' || !services.includes(s.service) || !here(s.environment)) continue;
    const key = JSON.stringify([s.service, s.environment, s.configHash]);
    const prev = earliest.get(key);
    if (prev === undefined || s.firstMinute < prev.firstMinute) earliest.set(key, s);
  }
  const out: ReleaseMarker[] = [];
  for (const s of earliest.values()) {
    const atMs = s.firstMinute * 1000;
    if (inRange(atMs)) out.push({ kind: 'first_seen', atMs, service: s.service, environment: s.environment, configHash: s.configHash, app: '', revision: '' });
  }
  for (const d of deployments) {
    if (!inRange(d.deployedAtMs) || !here(d.environment)) continue;
    const forServices = d.service === '' ? services : services.includes(d.service) ? [d.service] : [];
    for (const service of forServices) {
      out.push({ kind: 'deploy', atMs: d.deployedAtMs, service, environment: d.environment, configHash: d.configHash, app: d.app, revision: d.revision });
    }
  }
  const order = { deploy: 0, first_seen: 1 };
  return out.sort((a, b) => a.atMs - b.atMs || order[a.kind] - order[b.kind] || (a.configHash < b.configHash ? -1 : a.configHash > b.configHash ? 1 : 0));
}
