import { describe, expect, it } from 'vitest';
import { loadSloSources, type Sli } from '../../../src/slo/spec/index.js';
import {
  CHECKOUT_AVAILABILITY_YAML,
  CHECKOUT_PROD_YAML,
  checkoutAvailability,
  checkoutProd,
  MINIMAL_SPEC,
  PAYMENTS_AVAILABILITY_YAML,
  paymentsAvailability,
  sloYaml,
} from './examples.js';

const loadOne = (text: string) => loadSloSources([{ path: 'demo.yaml', text }]);

/** The SLI of a one-SLO document whose spec is MINIMAL_SPEC with the `sli:` block replaced. */
function sliOf(sliBlock: string): Sli {
  const result = loadOne(sloYaml(MINIMAL_SPEC.replace(/ {2}sli:\n[\s\S]*$/, sliBlock)));
  expect(result.problems).toEqual([]);
  const [slo] = result.slos;
  if (slo === undefined) throw new Error('no SLO loaded');
  return slo.sli;
}

describe('loading the documents from the format spec', () => {
  it('loads the example SLO and GatePolicy into the expected domain objects', () => {
    const result = loadSloSources([
      { path: 'checkout.yaml', text: CHECKOUT_AVAILABILITY_YAML },
      { path: 'payments.yaml', text: PAYMENTS_AVAILABILITY_YAML },
      { path: 'policies.yaml', text: CHECKOUT_PROD_YAML },
    ]);
    expect(result).toEqual({
      slos: [checkoutAvailability(), paymentsAvailability()],
      policies: [checkoutProd()],
      adjustments: [],
      foreign: [],
      problems: [],
      revision: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
  });

  it('loads every document of a multi-document file, skipping empty ones', () => {
    const text = `${PAYMENTS_AVAILABILITY_YAML}---\n${CHECKOUT_AVAILABILITY_YAML}---\n# nothing here\n---\n${CHECKOUT_PROD_YAML}---\n`;
    const result = loadSloSources([{ path: 'all.yaml', text }]);
    expect(result.problems).toEqual([]);
    expect(result.slos.map((s) => [s.name, s.source])).toEqual([
      ['payments-availability', { file: 'all.yaml', line: 4, column: 9 }],
      ['checkout-availability', { file: 'all.yaml', line: 16, column: 9 }],
    ]);
    expect(result.policies.map((p) => [p.name, p.source])).toEqual([['checkout-prod', { file: 'all.yaml', line: 35, column: 18 }]]);
  });

  it('fills in the defaults of a minimal SLO', () => {
    const [slo] = loadOne(sloYaml(MINIMAL_SPEC)).slos;
    expect(slo).toEqual({
      name: 'demo',
      labels: {},
      service: 'checkout',
      description: null,
      objectivePercent: 99,
      period: { kind: 'rolling', days: 7 },
      sli: { kind: 'spans', match: { spanKind: null, name: null, environment: null, attributes: {} }, bad: { kind: 'status-error' } },
      budgeting: { kind: 'occurrences' },
      alerting: { minEvents: 10, customWindows: null },
      dependsOn: [],
      source: { file: 'demo.yaml', line: 4, column: 9 },
      origin: { spec: 'tollgate.dev/v1', shortName: 'demo' },
    });
  });

  it('fills in the defaults of a minimal gate policy selecting SLOs by label', () => {
    const text = `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: checkout-staging, labels: {tier: 1}}
spec:
  app: checkout
  environment: staging
  slos: {matchLabels: {team: payments}}
`;
    const result = loadSloSources([
      { path: 'checkout.yaml', text: CHECKOUT_AVAILABILITY_YAML },
      { path: 'payments.yaml', text: PAYMENTS_AVAILABILITY_YAML },
      { path: 'staging.yaml', text },
    ]);
    expect(result.problems).toEqual([]);
    expect(result.policies).toEqual([
      {
        ...checkoutProd(),
        name: 'checkout-staging',
        labels: { tier: '1' },
        environment: 'staging',
        slos: { kind: 'selector', matchLabels: { team: 'payments' } },
        minBudgetRemainingFraction: null,
        maxBurnRate: null,
        source: { file: 'staging.yaml', line: 3, column: 18 },
      },
    ]);
  });

  it('reads a gate policy with a fractional budget, a burn-rate window, partial compare settings and dry run', () => {
    const text = CHECKOUT_PROD_YAML.replace('min_budget_remaining: 15%', 'min_budget_remaining: 0.2')
      .replace('max_burn_rate: 2.5 ', 'max_burn_rate: 2.5\n  burn_rate_window: 6h')
      .replace(/compare: \{.*\}/, 'compare: {significance: 0.05}')
      .replace('no_data: allow', 'no_data: wait')
      .replace('dry_run: false', 'dry_run: true');
    const result = loadSloSources([
      { path: 'checkout.yaml', text: CHECKOUT_AVAILABILITY_YAML },
      { path: 'payments.yaml', text: PAYMENTS_AVAILABILITY_YAML },
      { path: 'policies.yaml', text },
    ]);
    expect(result.problems).toEqual([]);
    expect(result.policies).toEqual([
      {
        ...checkoutProd(),
        minBudgetRemainingFraction: 0.2,
        burnRateWindowSeconds: 21_600,
        compare: { maxRatioIncrease: 2, minEvents: 100, significance: 0.05 },
        noData: 'wait',
        isDryRun: true,
      },
    ]);
  });

  it('reads a calendar period, timeslice budgeting and custom alert windows', () => {
    const spec = MINIMAL_SPEC.replace('period: 7d', 'period: {calendar: month, timeZone: Europe/Berlin}')
      + `  budgeting: timeslices
  timeslice: {window: 1m, target: 0.95}
  alerting:
    min_events: 50
    windows:
      - {severity: page, short: 5m, long: 1h, budget_percent: 2}
      - {severity: ticket, short: 6h, long: 3d, budget_percent: 10}
`;
    const [slo] = loadOne(sloYaml(spec)).slos;
    expect(slo?.period).toEqual({ kind: 'calendar', calendar: 'month', timeZone: 'Europe/Berlin' });
    expect(slo?.budgeting).toEqual({ kind: 'timeslices', windowSeconds: 60, targetFraction: 0.95 });
    expect(slo?.alerting).toEqual({
      minEvents: 50,
      customWindows: [
        { severity: 'page', shortWindowSeconds: 300, longWindowSeconds: 3_600, budgetPercent: 2 },
        { severity: 'ticket', shortWindowSeconds: 21_600, longWindowSeconds: 259_200, budgetPercent: 10 },
      ],
    });
  });

  it('defaults a calendar period to UTC and accepts 4w as a 28-day rolling period', () => {
    const calendar = loadOne(sloYaml(MINIMAL_SPEC.replace('period: 7d', 'period: {calendar: week}')));
    const weeks = loadOne(sloYaml(MINIMAL_SPEC.replace('period: 7d', 'period: 4w')));
    expect(calendar.slos[0]?.period).toEqual({ kind: 'calendar', calendar: 'week', timeZone: 'UTC' });
    expect(weeks.slos[0]?.period).toEqual({ kind: 'rolling', days: 28 });
  });
});

describe('SLI sources', () => {
  it.each<[string, string, Sli]>([
    [
      'spans with http_status 5xx',
      '      bad: {http_status: 5xx}',
      { kind: 'spans', match: { spanKind: null, name: null, environment: null, attributes: {} }, bad: { kind: 'http-status', statusCodeRanges: [{ from: 500, to: 599 }] } },
    ],
    [
      'spans with a list of status codes and classes',
      '      bad: {http_status: [500, 503, 4xx]}',
      {
        kind: 'spans',
        match: { spanKind: null, name: null, environment: null, attributes: {} },
        bad: { kind: 'http-status', statusCodeRanges: [{ from: 500, to: 500 }, { from: 503, to: 503 }, { from: 400, to: 499 }] },
      },
    ],
    [
      'spans slower than a threshold, matched by glob name, environment and attributes',
      '      match: {kind: server, name: "POST /checkout*", environment: prod, attributes: {http.route: /checkout, retry: false}}\n      bad: {duration_over: 300ms}',
      {
        kind: 'spans',
        match: { spanKind: 'server', name: { kind: 'glob', pattern: 'POST /checkout*' }, environment: 'prod', attributes: { 'http.route': '/checkout', retry: 'false' } },
        bad: { kind: 'duration-over', durationOverMs: 300 },
      },
    ],
    [
      'spans matched by exact name',
      '      match: {name: GET /cart}\n      bad: {status: error}',
      { kind: 'spans', match: { spanKind: null, name: { kind: 'exact', name: 'GET /cart' }, environment: null, attributes: {} }, bad: { kind: 'status-error' } },
    ],
  ])('reads %s', (_, spansBody, expected) => {
    expect(sliOf(`  sli:\n    spans:\n${spansBody}\n`)).toEqual(expected);
  });

  it('reads a log SLI with severity names as OTel severity numbers', () => {
    const sli = sliOf(`  sli:
    logs:
      match: {severity_at_least: INFO, attributes: {logger: checkout}, body_contains: order}
      bad: {severity_at_least: error}
`);
    expect(sli).toEqual({
      kind: 'logs',
      match: { severityNumberAtLeast: 9, attributes: { logger: 'checkout' }, bodyContains: 'order' },
      bad: { severityNumberAtLeast: 17 },
    });
  });

  it('reads a log SLI without a match block', () => {
    expect(sliOf('  sli:\n    logs: {bad: {severity_at_least: FATAL}}\n')).toEqual({
      kind: 'logs',
      match: { severityNumberAtLeast: null, attributes: {}, bodyContains: null },
      bad: { severityNumberAtLeast: 21 },
    });
  });

  it.each<[string, string, Sli]>([
    [
      'a good/total counter ratio',
      '{good: {metric: http_requests_total, matchers: {code: "200"}}, total: {metric: http_requests_total}}',
      { kind: 'metric-ratio', counts: 'good', numerator: { metric: 'http_requests_total', matchers: { code: '200' } }, total: { metric: 'http_requests_total', matchers: {} } },
    ],
    [
      'a bad/total counter ratio',
      '{bad: {metric: orders_failed_total}, total: {metric: orders_total, matchers: {shop: eu}}}',
      { kind: 'metric-ratio', counts: 'bad', numerator: { metric: 'orders_failed_total', matchers: {} }, total: { metric: 'orders_total', matchers: { shop: 'eu' } } },
    ],
    [
      'a histogram latency SLI',
      '{histogram: {metric: http.server.request.duration, matchers: {http.route: /pay}}, threshold: 1s}',
      { kind: 'metric-histogram', histogram: { metric: 'http.server.request.duration', matchers: { 'http.route': '/pay' } }, thresholdMs: 1_000 },
    ],
  ])('reads %s', (_, metricsBody, expected) => {
    expect(sliOf(`  sli:\n    metrics: ${metricsBody}\n`)).toEqual(expected);
  });
});

describe('foreign documents', () => {
  it('returns documents of other tools as foreign results with their position, not as problems', () => {
    const sloth = `apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\nmetadata: {name: checkout}\nspec: {sloPeriod: 7d}\n`;
    const openslo = `apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: checkout}\n`;
    const result = loadSloSources([{ path: 'mixed.yaml', text: `${sloth}---\n${openslo}---\n${sloYaml(MINIMAL_SPEC)}` }]);
    expect(result.problems).toEqual([]);
    expect(result.slos.map((s) => s.name)).toEqual(['demo']);
    expect(result.foreign).toEqual([
      {
        apiVersion: 'sloth.slok.dev/v1',
        kind: 'AlertWindows',
        document: { apiVersion: 'sloth.slok.dev/v1', kind: 'AlertWindows', metadata: { name: 'checkout' }, spec: { sloPeriod: '7d' } },
        source: { file: 'mixed.yaml', line: 1, column: 1 },
      },
      {
        apiVersion: 'openslo/v1alpha',
        kind: 'SLO',
        document: { apiVersion: 'openslo/v1alpha', kind: 'SLO', metadata: { name: 'checkout' } },
        source: { file: 'mixed.yaml', line: 6, column: 1 },
      },
    ]);
  });
});
