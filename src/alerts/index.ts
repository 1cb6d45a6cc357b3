/**
 * @module alerts
 * What leaves Tollgate about its burn-rate alerts: Alertmanager pushes (pure body + notifier shell) and the
 * Prometheus-compatible `/api/v1/alerts` and `/api/v1/rules`.
 */
export type { AlertInstance } from './types.js';
export { ALERT_NAME, alertKey, alertLabels, alertAnnotations } from './alert-labels.js';
export type { AlertAnnotations } from './alert-labels.js';
export { toAlertmanagerAlerts } from './alertmanager.js';
export type { AlertmanagerAlert, AlertmanagerBodyOptions } from './alertmanager.js';
export { createAlertmanagerNotifier, alertmanagerEndpoint, AlertmanagerUrlError } from './notifier.js';
export type { AlertmanagerNotifier, AlertmanagerNotifierOptions, AlertmanagerEndpoint, SendOutcome, WarnLogger, FetchLike } from './notifier.js';
export { prometheusAlertsBody, prometheusRulesBody, burnRateQuery } from './prometheus-api.js';
export type {
  PrometheusAlert,
  PrometheusAlertingRule,
  PrometheusRuleGroup,
  PrometheusAlertsBody,
  PrometheusRulesBody,
  PrometheusRulesOptions,
} from './prometheus-api.js';
export { createAlertRoutes } from './routes.js';
export type { AlertRoutesOptions } from './routes.js';
