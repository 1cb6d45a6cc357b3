/**
 * Plain-data gate evidence: a factory returns a fresh object, a variant spreads it and changes a field or two.
 * The story: checkout's release 9e1c4b7d2a60 asks to go to prod; it already ran in staging beside 3b1d2e.
 */
import type { Cause, GateInput, GatePolicy, GateRequest, Override, ReleaseRecord, SloHealth } from '../../src/gate/index.js';

export const NOW_MS = Date.UTC(2026, 10, 21, 12, 0, 0);
export const HOUR_MS = 3_600_000;

/** slo-definitions/gate-policies.yaml's checkout-prod, as the loader returns it. */
export const checkoutProdPolicy = (): GatePolicy => ({
  name: 'checkout-prod',
  labels: {},
  app: 'checkout',
  environment: 'prod',
  slos: { kind: 'names', names: ['checkout-availability', 'checkout-latency'] },
  minBudgetRemainingFraction: 0.15,
  maxBurnRate: 2.5,
  burnRateWindowSeconds: 3_600,
  compare: { maxRatioIncrease: 2, minEvents: 100, significance: 0.01 },
  noData: 'wait',
  isDryRun: false,
  source: { file: 'gate-policies.yaml', line: 4, column: 11 },
});

export const checkoutRequest = (): GateRequest => ({
  app: 'checkout',
  environment: 'prod',
  services: ['checkout'],
  configHash: '9e1c4b7d2a60',
  revision: 'v2.14.0',
});

/** Healthy: most of the budget left, burning slower than 1×, nothing paging. */
export const availabilityHealth = (): SloHealth => ({
  slo: 'checkout-availability',
  service: 'checkout',
  budgetRemaining: 0.62,
  burnRate: 0.8,
  burnWindow: '1h',
  pageAlertsFiring: [],
  totalEvents: 1_250_000,
});

export const latencyHealth = (): SloHealth => ({ ...availabilityHealth(), slo: 'checkout-latency', budgetRemaining: 0.48, burnRate: 1.1 });

/** An SLO nobody has sent traffic to: engine/status reports a full budget and an unknown burn rate. */
export const quietHealth = (): SloHealth => ({ ...availabilityHealth(), budgetRemaining: 1, burnRate: null, totalEvents: 0 });

/** In staging the release failed 10 of 10,000 requests, exactly as many as its baseline: 0.1 % each. */
export const stagingRecord = (): ReleaseRecord => ({
  environment: 'staging',
  service: 'checkout',
  slo: 'checkout-availability',
  sloKind: 'availability',
  releaseBad: 10,
  releaseTotal: 10_000,
  baselineConfigHash: '3b1d2e',
  baselineBad: 10,
  baselineTotal: 10_000,
});

/** The same release failing 5.0 % in staging against the baseline's 0.1 %. */
export const worseStagingRecord = (): ReleaseRecord => ({ ...stagingRecord(), releaseBad: 500 });

/** A canary that has served only 40 events. */
export const lowTrafficCanaryRecord = (): ReleaseRecord => ({ ...stagingRecord(), environment: 'canary', releaseBad: 1, releaseTotal: 40 });

export const tokenExpiredCause = (): Cause => ({
  slo: 'checkout-availability',
  kind: 'error',
  service: 'checkout',
  operation: 'POST /charge',
  errorType: 'OAuthTokenExpiredError',
  dependency: '',
  dependencyOperation: '',
  labels: {},
  count: 412,
  share: 0.824,
  budgetShare: 0.412,
  firstSeenMs: Date.UTC(2026, 10, 20, 12, 0),
  lastSeenMs: Date.UTC(2026, 10, 20, 13, 55),
  configHashes: ['cfg-v2'],
  exampleTraceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
  exampleLogLines: ['oauth: token expired for client checkout-api'],
  timeShare: null,
  baselineCount: 0,
  change: 'new',
  headline: 'OAuthTokenExpiredError in POST /charge',
});

export const cartTimeoutCause = (): Cause => ({
  ...tokenExpiredCause(),
  operation: 'GET /cart',
  errorType: 'UpstreamTimeoutError',
  count: 61,
  share: 0.122,
  budgetShare: 0.061,
  exampleTraceIds: ['a3ce929d0e0e47364bf92f3577b34da6'],
  exampleLogLines: ['cart: upstream timed out after 2s'],
  baselineCount: 58,
  change: 'steady',
  headline: 'UpstreamTimeoutError in GET /cart',
});

export const aliceOverride = (): Override => ({
  id: 'ovr-17',
  who: 'alice',
  reason: 'INC-4711 hotfix for failing refunds',
  expiresAtMs: NOW_MS + 2 * HOUR_MS,
  configHash: '9e1c4b7d2a60',
});

/** A release going to a healthy prod, with a clean staging record. */
export const goodRelease = (): GateInput => ({
  request: checkoutRequest(),
  policy: checkoutProdPolicy(),
  nowMs: NOW_MS,
  targetHealth: [availabilityHealth(), latencyHealth()],
  releaseRecords: [stagingRecord()],
  rollback: null,
  causes: [],
  overrides: [],
});
