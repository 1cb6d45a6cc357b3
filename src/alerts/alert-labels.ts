/**
 * @module alerts/alert-labels
 * The identity of an alert outside Tollgate: one label set and one pair of annotations, shared by the
 * Alertmanager body and the Prometheus API so a silence written against one matches the other.
 */
import type { AlertInstance } from './types.js';

/** One alertname for every SLO alert; the SLO and window are labels, as in Sloth's and Pyrra's rules. */
export const ALERT_NAME = 'TollgateSLOBurnRate';

/**
 * The engine's key for an alert rule (`engine/status.ts` builds the same string from the SLO and its window),
 * so the engine can name the alerts that just resolved without knowing this module's labels.
 */
export const alertKey = (a: Pick<AlertInstance, 'slo' | 'severity' | 'shortWindow' | 'longWindow'>): string =>
  `${a.slo}/${a.severity}/${a.shortWindow}/${a.longWindow}`;

/**
 * Fixed labels first, then the SLO's labels under names Prometheus accepts. An SLO label never replaces a
 * fixed one: `severity: low` in metadata.labels must not turn a page into something routing ignores.
 */
export function alertLabels(a: AlertInstance): Record<string, string> {
  const fixed: Record<string, string> = {
    alertname: ALERT_NAME,
    severity: a.severity,
    slo: a.slo,
    service: a.service,
    long_window: a.longWindow,
    short_window: a.shortWindow,
    burn_factor: String(a.burnFactor),
  };
  const labels: Record<string, string> = { ...fixed };
  for (const [key, value] of Object.entries(a.sloLabels).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const name = labelName(key);
    // First writer wins: fixed labels, then SLO labels in name order (so `a.b` and `a_b` resolve the same way every time).
    if (name === undefined || name in labels) continue;
    labels[name] = value;
  }
  return sortedRecord(labels);
}

export interface AlertAnnotations {
  summary: string;
  description: string;
  /** The top cause of the SLO's bad events over the alert's long window, in one line (attribution). */
  top_cause?: string;
  /** Where the causes are listed: the SLO page over that window. */
  attribution_url?: string;
}

/** What the caller found burned a firing alert's SLO: added to its annotations. */
export interface AlertCause {
  topCause: string;
  attributionUrl: string;
}

export function alertAnnotations(a: AlertInstance): AlertAnnotations {
  return {
    summary: `SLO ${a.slo} (${a.service}) burns its error budget above ${a.burnFactor}× over ${a.shortWindow} and ${a.longWindow}`,
    description: a.reason,
  };
}

/**
 * Alertmanager 0.25 rejects an alert whose label name is not `[a-zA-Z_][a-zA-Z0-9_]*` ("invalid label set"),
 * and SLO labels are free-form (`app.kubernetes.io/name`), so other characters become `_` (as Prometheus'
 * OTLP translation does) and a leading digit gets a `_` in front. `undefined` for an empty name.
 */
export function labelName(key: string): string | undefined {
  if (key === '') return undefined;
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** Prometheus serialises label sets sorted by name; doing the same keeps both bodies stable to diff. */
function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** RFC 3339 in UTC with milliseconds, which Alertmanager, Prometheus clients and Grafana all parse. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString();
