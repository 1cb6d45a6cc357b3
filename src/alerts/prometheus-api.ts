/**
 * @module alerts/prometheus-api
 * Alert instances as the bodies of Prometheus' `GET /api/v1/alerts` and `GET /api/v1/rules`, so Grafana's
 * Prometheus data source (alert list panel, rule browser) and `amtool`-style tools read Tollgate directly. Pure.
 * Field names and order follow Prometheus' `web/api/v1/api.go` (`Alert`, `AlertingRule`, `RuleGroup`).
 */
import { ALERT_NAME, alertAnnotations, alertLabels, rfc3339, type AlertAnnotations } from './alert-labels.js';
import { complementText } from './decimal-text.js';
import type { AlertInstance } from './types.js';

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: AlertAnnotations;
  /** Tollgate has no `for:` delay, so an active alert is always firing, never pending. */
  state: 'firing';
  /** Omitted (as Prometheus' `omitempty` does) if the engine did not say when the alert started. */
  activeAt?: string;
  /** The query's sample value: the short window's error ratio, in Go's `%.10e` as Prometheus formats it. */
  value: string;
}

export interface PrometheusAlertingRule {
  state: 'firing' | 'inactive';
  name: string;
  query: string;
  /** `for:` in seconds. */
  duration: number;
  /** `keep_firing_for:` in seconds. */
  keepFiringFor: number;
  labels: Record<string, string>;
  annotations: AlertAnnotations;
  alerts: PrometheusAlert[];
  /** `unknown` until the rule has been evaluated, as in Prometheus. */
  health: 'ok' | 'unknown';
  evaluationTime: number;
  lastEvaluation: string;
  type: 'alerting';
}

export interface PrometheusRuleGroup {
  name: string;
  file: string;
  rules: PrometheusAlertingRule[];
  /** Seconds. */
  interval: number;
  /** Alert limit per rule; 0 is "none", Prometheus' default. */
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

export interface PrometheusSuccess<T> {
  status: 'success';
  data: T;
}

export type PrometheusAlertsBody = PrometheusSuccess<{ alerts: PrometheusAlert[] }>;
export type PrometheusRulesBody = PrometheusSuccess<{ groups: PrometheusRuleGroup[] }>;

export interface PrometheusRulesOptions {
  /** How often the engine evaluates, in seconds. */
  intervalSeconds: number;
  /** When the engine last evaluated; null reports Go's zero time, as Prometheus does for a group not yet run. */
  lastEvaluationMs: number | null;
  /** How long that evaluation took. @default 0 */
  evaluationTimeSeconds?: number;
  /** Grafana shows this as the rule namespace. @default 'tollgate' */
  file?: string;
}

/** Go's `time.Time{}` in JSON: what Prometheus reports for a rule that has never run. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export function prometheusAlertsBody(instances: readonly AlertInstance[]): PrometheusAlertsBody {
  return { status: 'success', data: { alerts: instances.flatMap(activeAlerts) } };
}

/** One group per SLO (in the order SLOs first appear), one rule per burn-rate window. */
export function prometheusRulesBody(
  instances: readonly AlertInstance[],
  { intervalSeconds, lastEvaluationMs, evaluationTimeSeconds = 0, file = 'tollgate' }: PrometheusRulesOptions,
): PrometheusRulesBody {
  const lastEvaluation = lastEvaluationMs === null ? GO_ZERO_TIME : rfc3339(lastEvaluationMs);
  const bySlo = new Map<string, AlertInstance[]>();
  for (const a of instances) bySlo.set(a.slo, [...(bySlo.get(a.slo) ?? []), a]);
  const groups = [...bySlo].map(([slo, rules]): PrometheusRuleGroup => ({
    name: slo,
    file,
    rules: rules.map((a) => alertingRule(a, lastEvaluation)),
    interval: intervalSeconds,
    limit: 0,
    evaluationTime: evaluationTimeSeconds,
    lastEvaluation,
  }));
  return { status: 'success', data: { groups } };
}

function alertingRule(a: AlertInstance, lastEvaluation: string): PrometheusAlertingRule {
  // A rule's own labels leave out alertname, which Prometheus adds to each alert from the rule's name.
  const { alertname: _alertname, ...labels } = alertLabels(a);
  return {
    state: a.state,
    name: ALERT_NAME,
    query: burnRateQuery(a),
    duration: 0,
    keepFiringFor: 0,
    labels,
    annotations: alertAnnotations(a),
    alerts: activeAlerts(a),
    health: a.sinceMs === null ? 'unknown' : 'ok',
    evaluationTime: 0,
    lastEvaluation,
    type: 'alerting',
  };
}

function activeAlerts(a: AlertInstance): PrometheusAlert[] {
  if (a.state !== 'firing') return [];
  return [
    {
      labels: alertLabels(a),
      annotations: alertAnnotations(a),
      state: 'firing',
      ...(a.sinceMs === null ? {} : { activeAt: rfc3339(a.sinceMs) }),
      value: goExponent(a.shortBurnRate === null ? Number.NaN : a.shortBurnRate * Number(complementText(a.objective))),
    },
  ];
}

/**
 * The condition in PromQL over Sloth's recording rules (`slo:sli_error:ratio_rate<window>`, `sloth_id` =
 * `<service>-<slo>`), so someone who runs Sloth can paste it. Tollgate itself evaluates from ClickHouse.
 */
export function burnRateQuery(a: Pick<AlertInstance, 'sloShortName' | 'service' | 'shortWindow' | 'longWindow' | 'burnFactor' | 'objective'>): string {
  const threshold = `(${a.burnFactor} * ${complementText(a.objective)})`;
  // JSON string escapes (\" \\ \n) are valid PromQL double-quoted string escapes.
  const selector = `{sloth_id=${JSON.stringify(`${a.service}-${a.sloShortName}`)}}`;
  const window = (w: string): string => `(slo:sli_error:ratio_rate${w}${selector} > ${threshold})`;
  return `${window(a.shortWindow)} and ${window(a.longWindow)}`;
}

/** Go's `strconv.FormatFloat(v, 'e', 10, 64)`, which Prometheus uses for an alert's value: `2.0100000000e-02`. */
export function goExponent(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [mantissa = '', exponent = '0'] = v.toExponential(10).split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
