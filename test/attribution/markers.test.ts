import { describe, expect, it } from 'vitest';
import { releaseMarkers, type DeployEvent, type FirstSeen, type ReleaseMarker } from '../../src/attribution/index.js';

const MIN_S = 60;
const T = 1_800_000_000; // a whole minute, in seconds

const seen = (configHash: string, firstMinute: number, over: Partial<FirstSeen> = {}): FirstSeen => ({ service: 'items', environment: 'staging', configHash, firstMinute, ...over });
const deploy = (configHash: string, deployedAtMs: number, over: Partial<DeployEvent> = {}): DeployEvent => ({
  app: 'shop', environment: 'staging', service: 'items', configHash, revision: 'r1', deployedAtMs, ...over,
});
const firstSeenMarker = (configHash: string, atMs: number, over: Partial<ReleaseMarker> = {}): ReleaseMarker => ({
  kind: 'first_seen', atMs, service: 'items', environment: 'staging', configHash, app: '', revision: '', ...over,
});
const deployMarker = (configHash: string, atMs: number, over: Partial<ReleaseMarker> = {}): ReleaseMarker => ({
  kind: 'deploy', atMs, service: 'items', environment: 'staging', configHash, app: 'shop', revision: 'r1', ...over,
});

const range = { services: ['items'], environment: null, fromMs: T * 1000, toMs: (T + 60 * MIN_S) * 1000 };

describe('releaseMarkers', () => {
  it.each<[string, { firstSeen?: FirstSeen[]; deployments?: DeployEvent[]; services?: string[]; environment?: string | null }, ReleaseMarker[]]>([
    ['a first_seen marker at the earliest minute of each service, environment and config', {
      firstSeen: [seen('v2', T + 10 * MIN_S), seen('v2', T + 5 * MIN_S), seen('v2', T + 7 * MIN_S, { environment: 'prod' })],
    }, [firstSeenMarker('v2', (T + 5 * MIN_S) * 1000), firstSeenMarker('v2', (T + 7 * MIN_S) * 1000, { environment: 'prod' })]],
    ['no marker for events without a config_hash', { firstSeen: [seen('', T)] }, []],
    ['a first minute before the range is not in it, even if the config serves on', { firstSeen: [seen('v1', T - MIN_S)] }, []],
    ['the range ends before its end', {
      firstSeen: [seen('v3', T + 60 * MIN_S)], deployments: [deploy('v3', (T + 60 * MIN_S) * 1000)],
    }, []],
    ['only the services asked about', { firstSeen: [seen('v2', T, { service: 'cart' })], deployments: [deploy('v2', T * 1000, { service: 'cart' })] }, []],
    ['only the environment asked about', {
      environment: 'prod', firstSeen: [seen('v2', T), seen('v2', T, { environment: 'prod' })], deployments: [deploy('v2', T * 1000)],
    }, [firstSeenMarker('v2', T * 1000, { environment: 'prod' })]],
    ['a deploy event without a service applies to every service asked about', {
      services: ['items', 'cart'], deployments: [deploy('v2', T * 1000 + 1_500, { service: '' })],
    }, [deployMarker('v2', T * 1000 + 1_500), deployMarker('v2', T * 1000 + 1_500, { service: 'cart' })]],
    ['by time, a deploy before a first_seen of the same instant, then by config', {
      firstSeen: [seen('v2', T + MIN_S), seen('v1', T + MIN_S)],
      deployments: [deploy('v2', (T + MIN_S) * 1000), deploy('v0', T * 1000)],
    }, [
      deployMarker('v0', T * 1000),
      deployMarker('v2', (T + MIN_S) * 1000),
      firstSeenMarker('v1', (T + MIN_S) * 1000),
      firstSeenMarker('v2', (T + MIN_S) * 1000),
    ]],
  ])('%s', (_rule, given, expected) => {
    expect(releaseMarkers({
      ...range,
      firstSeen: given.firstSeen ?? [],
      deployments: given.deployments ?? [],
      ...(given.services === undefined ? {} : { services: given.services }),
      ...(given.environment === undefined ? {} : { environment: given.environment }),
    })).toEqual(expected);
  });
});
