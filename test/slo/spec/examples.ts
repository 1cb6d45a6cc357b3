/**
 * The documents from the file-format spec, verbatim, and the domain objects they must load into.
 * Factories return fresh objects; a variant spreads one and changes a field.
 */
import type { GatePolicy, SloDefinition } from '../../../src/slo/spec/index.js';

export const CHECKOUT_AVAILABILITY_YAML = `apiVersion: tollgate.dev/v1
kind: SLO
metadata:
  name: checkout-availability      # unique across the directory
  labels: {team: payments}
spec:
  service: checkout                 # resource attribute service.name
  description: Checkout requests succeed
  objective: 99.9                   # percent, 0 < objective < 100
  period: 30d                       # rolling (any whole days, e.g. 7d, 28d, 30d) — or calendar: {calendar: month|week, timeZone: UTC}
  sli:
    spans:                          # events from spans of this service
      match: {kind: server}         # optional: kind, name (exact or glob), environment, any attribute (attributes: {key: value})
      bad: {status: error}          # or {http_status: 5xx} (also 4xx, or a list like [500, 503]) or {duration_over: 300ms}
  alerting:                         # optional
    min_events: 10                  # default 10
  depends_on: [payments-availability]   # optional: names of other SLOs
`;

export const CHECKOUT_PROD_YAML = `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: checkout-prod}
spec:
  app: checkout
  environment: prod
  slos: [checkout-availability]      # a list of SLO names, or a label selector {matchLabels: {team: payments}}
  min_budget_remaining: 15%          # also accepts a number 0..1 (0.15); normalise to a fraction
  max_burn_rate: 2.5                 # over the 1h window unless \`burn_rate_window\` is given (a duration)
  compare: {max_ratio_increase: 2, min_events: 100, significance: 0.01}   # optional, these are the defaults
  no_data: allow                     # allow|deny|wait, default allow
  dry_run: false                     # default false
`;

export const PAYMENTS_AVAILABILITY_YAML = `apiVersion: tollgate.dev/v1
kind: SLO
metadata:
  name: payments-availability
spec:
  service: payments
  objective: 99.95
  period: 28d
  sli:
    spans:
      bad: {http_status: 5xx}
`;

export const checkoutAvailability = (): SloDefinition => ({
  name: 'checkout-availability',
  labels: { team: 'payments' },
  service: 'checkout',
  description: 'Checkout requests succeed',
  objectivePercent: 99.9,
  period: { kind: 'rolling', days: 30 },
  sli: {
    kind: 'spans',
    match: { spanKind: 'server', name: null, environment: null, attributes: {} },
    bad: { kind: 'status-error' },
  },
  budgeting: { kind: 'occurrences' },
  alerting: { minEvents: 10, customWindows: null },
  dependsOn: ['payments-availability'],
  source: { file: 'checkout.yaml', line: 4, column: 9 },
  origin: { spec: 'tollgate.dev/v1', shortName: 'checkout-availability' },
});

export const paymentsAvailability = (): SloDefinition => ({
  name: 'payments-availability',
  labels: {},
  service: 'payments',
  description: null,
  objectivePercent: 99.95,
  period: { kind: 'rolling', days: 28 },
  sli: {
    kind: 'spans',
    match: { spanKind: null, name: null, environment: null, attributes: {} },
    bad: { kind: 'http-status', statusCodeRanges: [{ from: 500, to: 599 }] },
  },
  budgeting: { kind: 'occurrences' },
  alerting: { minEvents: 10, customWindows: null },
  dependsOn: [],
  source: { file: 'payments.yaml', line: 4, column: 9 },
  origin: { spec: 'tollgate.dev/v1', shortName: 'payments-availability' },
});

export const checkoutProd = (): GatePolicy => ({
  name: 'checkout-prod',
  labels: {},
  app: 'checkout',
  environment: 'prod',
  slos: { kind: 'names', names: ['checkout-availability'] },
  minBudgetRemainingFraction: 0.15,
  maxBurnRate: 2.5,
  burnRateWindowSeconds: 3_600,
  compare: { maxRatioIncrease: 2, minEvents: 100, significance: 0.01 },
  noData: 'allow',
  isDryRun: false,
  source: { file: 'policies.yaml', line: 3, column: 18 },
});

/** A valid SLO document around the given `spec:` body (indented two spaces), for tests that vary one part. */
export function sloYaml(specBody: string, name = 'demo'): string {
  return `apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata:\n  name: ${name}\nspec:\n${specBody}`;
}

/** The spec lines of a minimal valid SLO; `sloYaml(MINIMAL_SPEC)` loads. */
export const MINIMAL_SPEC = `  service: checkout
  objective: 99
  period: 7d
  sli:
    spans:
      bad: {status: error}
`;
