import { describe, expect, it } from 'vitest';
import { decide, GATE_DEFAULTS, type Check, type GateInput, type GateVerdict } from '../../src/gate/index.js';
import { GATE_POLICY_DEFAULTS } from '../../src/slo/spec/index.js';
import {
  aliceOverride, availabilityHealth, cartTimeoutCause, checkoutProdPolicy, goodRelease, HOUR_MS, latencyHealth, lowTrafficCanaryRecord, NOW_MS,
  quietHealth, stagingRecord, tokenExpiredCause, worseStagingRecord,
} from './fixtures.js';

// Expected checks are written out, not computed: they are what a person reads in the stored decision.
const availabilityChecks = (): Check[] => [
  { slo: 'checkout-availability', check: 'budget_remaining', value: 0.62, threshold: 0.15, passed: true, detail: 'checkout-availability has 62 % of its error budget left (policy needs 15 %)' },
  { slo: 'checkout-availability', check: 'burn_rate', value: 0.8, threshold: 2.5, passed: true, detail: 'checkout-availability burns its error budget at 0.8× over 1h (policy allows up to 2.5×)' },
  { slo: 'checkout-availability', check: 'page_alert', value: 0, threshold: 0, passed: true, detail: 'checkout-availability has no page alert firing' },
];
const latencyChecks = (): Check[] => [
  { slo: 'checkout-latency', check: 'budget_remaining', value: 0.48, threshold: 0.15, passed: true, detail: 'checkout-latency has 48 % of its error budget left (policy needs 15 %)' },
  { slo: 'checkout-latency', check: 'burn_rate', value: 1.1, threshold: 2.5, passed: true, detail: 'checkout-latency burns its error budget at 1.1× over 1h (policy allows up to 2.5×)' },
  { slo: 'checkout-latency', check: 'page_alert', value: 0, threshold: 0, passed: true, detail: 'checkout-latency has no page alert firing' },
];
const stagingCheck = (): Check => ({
  slo: 'checkout-availability',
  check: 'release_vs_baseline',
  value: 0.001,
  threshold: 0.002,
  passed: true,
  detail: 'in staging this release fails 0.1 % of checkout-availability events against 0.1 % for its baseline: within 2× (two-proportion z-test, p = 0.5)',
});
const WORSE_DETAIL =
  'in staging this release fails 5.0 % of checkout-availability events against 0.1 % for its baseline: more than 2× and significant at 0.01 (two-proportion z-test, p = 2.3e-107)';
const worseStagingCheck = (): Check => ({ ...stagingCheck(), value: 0.05, passed: false, detail: WORSE_DETAIL });
const LOW_TRAFFIC_DETAIL = 'in canary (checkout-availability) this release has served 40 events and its baseline 10,000; at least 100 each are needed to compare';
const lowTrafficCheck = (): Check => ({ ...stagingCheck(), value: 0.025, threshold: null, detail: LOW_TRAFFIC_DETAIL });
const quietChecks = (): Check[] => [
  { ...availabilityChecks()[0]!, value: 1, detail: 'checkout-availability has 100 % of its error budget left (policy needs 15 %)' },
  { ...availabilityChecks()[1]!, value: null, detail: 'checkout-availability had no traffic over 1h, so no burn rate (policy allows up to 2.5×)' },
  availabilityChecks()[2]!,
];
const TOP_CAUSE_DETAIL =
  "top cause of checkout-availability's bad events: OAuthTokenExpiredError in POST /charge, 412 times (82.4 % of them, 41.2 % of its error budget); none in its baseline; example trace 4bf92f3577b34da6a3ce929d0e0e4736";
const ROLLBACK = { configHash: '7f3a9c', environment: 'prod', lastHealthyAtMs: Date.UTC(2026, 10, 20, 9, 30) };
const ROLLBACK_REASON =
  'this config (7f3a9c) ran healthy in prod until 2026-11-20 09:30 UTC: deploying it again is a rollback, and an error-budget policy halts changes, not fixes';
const NO_POLICY_REASON =
  'no gate policy matched checkout in prod; defaults applied: the error budget must not be spent, no page alert may fire, ' +
  'a release fails its comparison above 2× its baseline at p < 0.01 with 100 events each, and no data means allow';

const spentBudget = (): GateInput => ({ ...goodRelease(), targetHealth: [{ ...availabilityHealth(), budgetRemaining: 0.03 }, latencyHealth()] });
// Causes come ranked by attribution: the new one first, though the steady one is not far behind.
const worseInStaging = (): GateInput => ({ ...goodRelease(), releaseRecords: [worseStagingRecord()], causes: [tokenExpiredCause(), cartTimeoutCause()] });
const noDataAnywhere = (): GateInput => ({ ...goodRelease(), targetHealth: [quietHealth()], releaseRecords: [lowTrafficCanaryRecord()] });

describe('decide', () => {
  it.each<{ name: string; input: GateInput; expected: GateVerdict }>([
    {
      name: 'allows a release that matches its baseline while prod is healthy',
      input: goodRelease(),
      expected: {
        decision: 'allow',
        basis: 'checks_passed',
        summary: 'allow: this release is no worse than its baseline in staging (0.1 % vs 0.1 % of checkout-availability events); prod budgets healthy',
        reasons: ['all 7 checks passed'],
        checks: [...availabilityChecks(), ...latencyChecks(), stagingCheck()],
      },
    },
    {
      name: 'denies a release that fails 50× more often than its baseline in staging, naming the z-test, p and top cause',
      input: worseInStaging(),
      expected: {
        decision: 'deny',
        summary: 'deny: in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %); top cause OAuthTokenExpiredError in POST /charge, new in cfg-v2',
        reasons: [WORSE_DETAIL, TOP_CAUSE_DETAIL],
        checks: [...availabilityChecks(), ...latencyChecks(), worseStagingCheck()],
        topCauses: [tokenExpiredCause(), cartTimeoutCause()],
      },
    },
    {
      name: 'denies a latency regression by comparing slow events the same way',
      input: { ...goodRelease(), releaseRecords: [{ ...stagingRecord(), slo: 'checkout-latency', sloKind: 'latency', releaseBad: 600, baselineBad: 200 }] },
      expected: {
        decision: 'deny',
        summary: 'deny: in staging this release is slow on 6.0 % of checkout-latency events (baseline 2.0 %)',
        reasons: [
          'in staging this release is slow on 6.0 % of checkout-latency events against 2.0 % for its baseline: more than 2× and significant at 0.01 (two-proportion z-test, p = 1.6e-47)',
        ],
        checks: [
          ...availabilityChecks(),
          ...latencyChecks(),
          {
            slo: 'checkout-latency',
            check: 'release_vs_baseline',
            value: 0.06,
            threshold: 0.04,
            passed: false,
            detail:
              'in staging this release is slow on 6.0 % of checkout-latency events against 2.0 % for its baseline: more than 2× and significant at 0.01 (two-proportion z-test, p = 1.6e-47)',
          },
        ],
        topCauses: [],
      },
    },
    {
      name: 'does not count a canary with too little traffic against the release, but lists it',
      input: { ...goodRelease(), releaseRecords: [lowTrafficCanaryRecord()] },
      expected: {
        decision: 'allow',
        basis: 'checks_passed',
        summary: 'allow: not enough traffic yet for this release to compare; prod budgets healthy',
        reasons: ['all 7 checks passed', LOW_TRAFFIC_DETAIL],
        checks: [...availabilityChecks(), ...latencyChecks(), lowTrafficCheck()],
      },
    },
    {
      name: 'allows without data when the policy says no_data: allow',
      input: { ...noDataAnywhere(), policy: { ...checkoutProdPolicy(), noData: 'allow' }, releaseRecords: [] },
      expected: {
        decision: 'allow',
        basis: 'no_data',
        summary: 'allow: no traffic yet, for this release or in prod; policy allows without data',
        reasons: ['no events yet in prod for checkout-availability', 'this release has not served traffic anywhere yet', 'policy checkout-prod says no_data: allow'],
        checks: quietChecks(),
      },
    },
    {
      name: 'denies without data when the policy says no_data: deny',
      input: { ...noDataAnywhere(), policy: { ...checkoutProdPolicy(), noData: 'deny' } },
      expected: {
        decision: 'deny',
        summary: 'deny: no traffic yet, for this release or in prod; policy denies without data',
        reasons: ['no events yet in prod for checkout-availability', LOW_TRAFFIC_DETAIL, 'policy checkout-prod says no_data: deny'],
        checks: [...quietChecks(), lowTrafficCheck()],
        topCauses: [],
      },
    },
    {
      name: 'asks Argo CD to retry in a minute when the policy says no_data: wait, saying which data is missing',
      input: noDataAnywhere(),
      expected: {
        decision: 'wait',
        summary: 'wait: no traffic yet, for this release or in prod; retry in 60 s',
        reasons: ['no events yet in prod for checkout-availability', LOW_TRAFFIC_DETAIL, 'policy checkout-prod says no_data: wait'],
        checks: [...quietChecks(), lowTrafficCheck()],
        retryAfterSeconds: 60,
      },
    },
    {
      name: 'denies while an SLO has less budget left than the policy needs',
      input: spentBudget(),
      expected: {
        decision: 'deny',
        summary: "deny: prod has 3 % of checkout-availability's error budget left (policy needs 15 %)",
        reasons: ['checkout-availability has 3 % of its error budget left (policy needs 15 %)'],
        checks: [
          { ...availabilityChecks()[0]!, value: 0.03, passed: false, detail: 'checkout-availability has 3 % of its error budget left (policy needs 15 %)' },
          ...availabilityChecks().slice(1),
          ...latencyChecks(),
          stagingCheck(),
        ],
        topCauses: [],
      },
    },
    {
      name: 'allows a rollback while the budget is overspent: the budget policy halts changes, not fixes',
      input: { ...goodRelease(), targetHealth: [{ ...availabilityHealth(), budgetRemaining: -0.2 }, latencyHealth()], rollback: ROLLBACK },
      expected: {
        decision: 'allow',
        basis: 'rollback',
        wouldHaveBeen: 'deny',
        summary: 'allow: rollback to 7f3a9c, which ran healthy in prod until 2026-11-20; 1 failed health check waived',
        reasons: [ROLLBACK_REASON, 'waived for the rollback: checkout-availability has overspent its error budget by 20 % (policy needs 15 % left)'],
        checks: [
          { ...availabilityChecks()[0]!, value: -0.2, passed: false, detail: 'checkout-availability has overspent its error budget by 20 % (policy needs 15 % left)' },
          ...availabilityChecks().slice(1),
          ...latencyChecks(),
          stagingCheck(),
        ],
      },
    },
    {
      name: 'allows a break-glass override, naming who, why and until when, and keeps what it overrode',
      input: { ...worseInStaging(), overrides: [aliceOverride()] },
      expected: {
        decision: 'allow',
        basis: 'override',
        wouldHaveBeen: 'deny',
        overrideId: 'ovr-17',
        summary: 'allow: break-glass override by alice until 2026-11-21 14:00 UTC: INC-4711 hotfix for failing refunds',
        reasons: [
          'break-glass override ovr-17 by alice, valid until 2026-11-21 14:00 UTC: INC-4711 hotfix for failing refunds',
          'without the override: deny: in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %); top cause OAuthTokenExpiredError in POST /charge, new in cfg-v2',
        ],
        checks: [...availabilityChecks(), ...latencyChecks(), worseStagingCheck()],
      },
    },
    {
      name: 'allows in dry run and records that it would have denied',
      input: { ...worseInStaging(), policy: { ...checkoutProdPolicy(), isDryRun: true } },
      expected: {
        decision: 'allow',
        basis: 'dry_run',
        wouldHaveBeen: 'deny',
        summary:
          'dry run: would deny: in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %); top cause OAuthTokenExpiredError in POST /charge, new in cfg-v2',
        reasons: ['dry run: policy checkout-prod records this decision but does not block the release', WORSE_DETAIL, TOP_CAUSE_DETAIL],
        checks: [...availabilityChecks(), ...latencyChecks(), worseStagingCheck()],
      },
    },
    {
      name: 'applies the defaults without a policy and says so',
      input: { ...goodRelease(), policy: null },
      expected: {
        decision: 'allow',
        basis: 'checks_passed',
        summary:
          'allow: this release is no worse than its baseline in staging (0.1 % vs 0.1 % of checkout-availability events); prod budgets healthy; no gate policy matched; defaults applied',
        reasons: [NO_POLICY_REASON, 'all 5 checks passed'],
        checks: [
          { ...availabilityChecks()[0]!, threshold: 0, detail: 'checkout-availability has 62 % of its error budget left (defaults need some)' },
          availabilityChecks()[2]!,
          { ...latencyChecks()[0]!, threshold: 0, detail: 'checkout-latency has 48 % of its error budget left (defaults need some)' },
          latencyChecks()[2]!,
          stagingCheck(),
        ],
      },
    },
    {
      name: 'denies by default when a budget is spent to nothing',
      input: { ...goodRelease(), policy: null, targetHealth: [{ ...availabilityHealth(), budgetRemaining: 0 }], releaseRecords: [] },
      expected: {
        decision: 'deny',
        summary: "deny: prod has spent checkout-availability's error budget (0 % left, burning 0.8× over 1h); no gate policy matched; defaults applied",
        reasons: [NO_POLICY_REASON, 'checkout-availability has 0 % of its error budget left (defaults need some)'],
        checks: [
          { ...availabilityChecks()[0]!, value: 0, threshold: 0, passed: false, detail: 'checkout-availability has 0 % of its error budget left (defaults need some)' },
          availabilityChecks()[2]!,
        ],
        topCauses: [],
      },
    },
    {
      name: 'denies while a page alert fires in the target environment',
      input: { ...goodRelease(), targetHealth: [{ ...availabilityHealth(), pageAlertsFiring: ['checkout-availability/page/5m/1h'] }, latencyHealth()] },
      expected: {
        decision: 'deny',
        summary: 'deny: checkout-availability is paging in prod (burning 0.8× over 1h, 62 % of its budget left)',
        reasons: ['checkout-availability is paging: 1 page alert firing (checkout-availability/page/5m/1h)'],
        checks: [
          ...availabilityChecks().slice(0, 2),
          { ...availabilityChecks()[2]!, value: 1, passed: false, detail: 'checkout-availability is paging: 1 page alert firing (checkout-availability/page/5m/1h)' },
          ...latencyChecks(),
          stagingCheck(),
        ],
        topCauses: [],
      },
    },
    {
      name: 'denies a burn rate above the policy maximum',
      input: { ...goodRelease(), targetHealth: [{ ...availabilityHealth(), burnRate: 14.4 }], releaseRecords: [] },
      expected: {
        decision: 'deny',
        summary: "deny: prod burns checkout-availability's error budget at 14× over 1h (policy allows up to 2.5×)",
        reasons: ['checkout-availability burns its error budget at 14.4× over 1h (policy allows up to 2.5×)'],
        checks: [
          availabilityChecks()[0]!,
          { ...availabilityChecks()[1]!, value: 14.4, passed: false, detail: 'checkout-availability burns its error budget at 14.4× over 1h (policy allows up to 2.5×)' },
          availabilityChecks()[2]!,
        ],
        topCauses: [],
      },
    },
  ])('$name', ({ input, expected }) => {
    expect(decide(input)).toEqual(expected);
  });

  describe('summary', () => {
    it('names the release comparison first, then page alerts, then the lowest budget, then burn, and counts the rest', () => {
      const input: GateInput = {
        ...worseInStaging(),
        targetHealth: [
          { ...availabilityHealth(), budgetRemaining: 0.1, burnRate: 14.4, pageAlertsFiring: ['checkout-availability/page/5m/1h'] },
          { ...latencyHealth(), budgetRemaining: 0.05 },
        ],
      };
      const verdict = decide(input);
      expect(verdict.summary).toBe(
        'deny: in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %); top cause OAuthTokenExpiredError in POST /charge, new in cfg-v2; 4 more checks failed',
      );
      expect(verdict.reasons).toEqual([
        WORSE_DETAIL,
        'checkout-availability is paging: 1 page alert firing (checkout-availability/page/5m/1h)',
        'checkout-latency has 5 % of its error budget left (policy needs 15 %)',
        'checkout-availability has 10 % of its error budget left (policy needs 15 %)',
        'checkout-availability burns its error budget at 14.4× over 1h (policy allows up to 2.5×)',
        TOP_CAUSE_DETAIL,
      ]);
      const { targetHealth } = input;
      expect(decide({ ...input, releaseRecords: [] }).summary).toBe(
        // Every failed check of the SLO it leads with is in its one phrase; only the other SLO's check is counted.
        'deny: checkout-availability is paging in prod (burning 14× over 1h, 10 % of its budget left); top cause OAuthTokenExpiredError in POST /charge, new in cfg-v2; 1 more check failed',
      );
      expect(decide({ ...input, releaseRecords: [], targetHealth: targetHealth.map((h) => ({ ...h, pageAlertsFiring: [] })) }).summary).toBe(
        "deny: prod has 5 % of checkout-latency's error budget left (policy needs 15 %); 2 more checks failed",
      );
    });

    it("names the top cause of the SLO whose check it leads with, and a grown cause as grown", () => {
      const latencyCause = { ...cartTimeoutCause(), slo: 'checkout-latency', kind: 'slow' as const, headline: 'slow GET /cart: 91 % of its time in inventory GET /stock', change: 'new' as const };
      const input = { ...worseInStaging(), causes: [latencyCause, { ...tokenExpiredCause(), change: 'grew' as const }] };
      expect(decide(input).summary).toBe(
        'deny: in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %); top cause OAuthTokenExpiredError in POST /charge, grew',
      );
    });

    it('is a single line for every scenario', () => {
      for (const input of [goodRelease(), worseInStaging(), spentBudget(), noDataAnywhere(), { ...goodRelease(), policy: null }]) {
        expect(decide(input).summary).not.toMatch(/\n/);
      }
    });
  });

  describe('rollback', () => {
    it('says only that it is a rollback when nothing was waived', () => {
      expect(decide({ ...goodRelease(), rollback: ROLLBACK })).toMatchObject({
        decision: 'allow',
        basis: 'rollback',
        summary: 'allow: rollback to 7f3a9c, which ran healthy in prod until 2026-11-20',
        reasons: [ROLLBACK_REASON, 'all 7 checks passed'],
      });
    });

    it('denies a rollback whose own traffic is significantly worse than its baseline', () => {
      const verdict = decide({ ...worseInStaging(), rollback: ROLLBACK });
      expect(verdict).toMatchObject({
        decision: 'deny',
        summary: 'deny: in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %); top cause OAuthTokenExpiredError in POST /charge, new in cfg-v2',
        reasons: [
          WORSE_DETAIL,
          TOP_CAUSE_DETAIL,
          'this is a rollback to a config that ran healthy in prod until 2026-11-20, but a rollback goes through only when its own traffic is no worse than its baseline',
        ],
      });
    });

    it('is not held back by missing data', () => {
      expect(decide({ ...noDataAnywhere(), rollback: ROLLBACK })).toMatchObject({ decision: 'allow', basis: 'rollback', wouldHaveBeen: 'wait' });
    });
  });

  describe('overrides', () => {
    it.each([
      ['expired', { ...aliceOverride(), expiresAtMs: NOW_MS }],
      ['for another config', { ...aliceOverride(), configHash: '3b1d2e' }],
    ])('ignores an override that is %s', (_, override) => {
      expect(decide({ ...worseInStaging(), overrides: [override] }).decision).toBe('deny');
    });

    it('accepts an override for any config and prefers one for this exact config, naming the one it applied', () => {
      const anyConfig = { ...aliceOverride(), id: 'ovr-18', who: 'bob', configHash: '*', expiresAtMs: NOW_MS + 8 * HOUR_MS };
      expect(decide({ ...worseInStaging(), overrides: [anyConfig] })).toMatchObject({
        decision: 'allow',
        basis: 'override',
        overrideId: 'ovr-18',
        summary: 'allow: break-glass override by bob until 2026-11-21 20:00 UTC: INC-4711 hotfix for failing refunds',
      });
      // The `*` override comes first and lasts longer; the exact one still wins, and the verdict says which applied.
      expect(decide({ ...worseInStaging(), overrides: [anyConfig, aliceOverride()] })).toMatchObject({
        overrideId: 'ovr-17',
        summary: expect.stringMatching(/^allow: break-glass override by alice /),
      });
    });

    it('records that it overrode a wait', () => {
      expect(decide({ ...noDataAnywhere(), overrides: [aliceOverride()] })).toMatchObject({ decision: 'allow', basis: 'override', wouldHaveBeen: 'wait' });
    });

    it('leaves wouldHaveBeen out when the checks passed anyway', () => {
      expect(decide({ ...goodRelease(), overrides: [aliceOverride()] })).not.toHaveProperty('wouldHaveBeen');
    });
  });

  describe('dry run', () => {
    it('marks an allow as a dry run without a wouldHaveBeen', () => {
      const verdict = decide({ ...goodRelease(), policy: { ...checkoutProdPolicy(), isDryRun: true } });
      expect(verdict).toMatchObject({
        decision: 'allow',
        basis: 'dry_run',
        summary: 'dry run: allow: this release is no worse than its baseline in staging (0.1 % vs 0.1 % of checkout-availability events); prod budgets healthy',
      });
      expect(verdict).not.toHaveProperty('wouldHaveBeen');
    });

    it('records a wait it would have answered', () => {
      expect(decide({ ...noDataAnywhere(), policy: { ...checkoutProdPolicy(), isDryRun: true } })).toMatchObject({
        decision: 'allow',
        basis: 'dry_run',
        wouldHaveBeen: 'wait',
        summary: 'dry run: would wait: no traffic yet, for this release or in prod; retry in 60 s',
      });
    });
  });

  describe('evidence', () => {
    it("returns at most five causes, in attribution's order (new and grown first, not by count)", () => {
      const causes = [1, 50, 7, 300, 20, 4].map((count, i) => ({ ...cartTimeoutCause(), errorType: `Error${i}`, count }));
      const verdict = decide({ ...worseInStaging(), causes });
      expect(verdict.decision === 'deny' ? verdict.topCauses.map((c) => c.count) : []).toEqual([1, 50, 7, 300, 20]);
    });

    it('allows a release with no traffic anywhere yet when prod itself is healthy: prod has data', () => {
      expect(decide({ ...goodRelease(), releaseRecords: [] })).toMatchObject({
        decision: 'allow',
        basis: 'checks_passed',
        summary: 'allow: no traffic yet for this release; prod budgets healthy',
      });
    });

    it('does not fail a record without a baseline, and says there was none', () => {
      const verdict = decide({ ...goodRelease(), releaseRecords: [{ ...stagingRecord(), baselineConfigHash: null, baselineBad: 0, baselineTotal: 0 }] });
      expect(verdict).toMatchObject({ decision: 'allow', summary: 'allow: not enough traffic yet for this release to compare; prod budgets healthy' });
      expect(verdict.checks.at(-1)).toEqual({
        ...stagingCheck(),
        threshold: null,
        detail: 'in staging (checkout-availability) this release has no baseline to compare with',
      });
    });

    it('does not modify its input', () => {
      const input = worseInStaging();
      const frozen = JSON.parse(JSON.stringify(input)) as GateInput;
      Object.freeze(input.causes);
      decide(input);
      expect(input).toEqual(frozen);
    });
  });

  it('defaults to the comparison a policy without a compare block gets', () => {
    expect(GATE_DEFAULTS.compare).toEqual(GATE_POLICY_DEFAULTS.compare);
    expect(GATE_DEFAULTS.noData).toBe(GATE_POLICY_DEFAULTS.noData);
  });
});
