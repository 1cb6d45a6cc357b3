/**
 * @module alerts/alertmanager
 * Alert instances to the body of Alertmanager's `POST /api/v2/alerts` (the `postableAlerts` array). Pure.
 *
 * Alertmanager keeps an alert active until its `endsAt`. Like Prometheus (`rules/alerting.go`, `sendAlerts`),
 * a firing alert gets `endsAt = now + 4 × resendInterval`: re-sent every interval it stays active, and if
 * Tollgate dies Alertmanager resolves it by itself after three missed sends instead of paging forever.
 * An alert that just resolved is sent once more with `endsAt = now`, which Alertmanager treats as resolved.
 */
import { alertAnnotations, alertKey, alertLabels, rfc3339, type AlertAnnotations, type AlertCause } from './alert-labels.js';
import type { AlertInstance } from './types.js';

/** One element of Alertmanager's `postableAlerts` (api/v2/openapi.yaml). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: AlertAnnotations;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export interface AlertmanagerBodyOptions {
  nowMs: number;
  /** How often the caller re-sends firing alerts; firing alerts expire after 4 of these. */
  resendIntervalMs: number;
  /** Tollgate's external URL; each alert links to `${tollgateUrl}/slos/<slo>`. */
  tollgateUrl: string;
  /**
   * `alertKey()` of each alert whose evaluation just went firing → inactive (the engine's `transition: 'resolved'`).
   * Those are sent once, resolved; other inactive alerts are not sent. A key whose instance is firing again is
   * ignored: the current state wins.
   */
  justResolved?: ReadonlySet<string>;
  /** By `alertKey()`: the top cause of a firing alert's bad events, added as `top_cause` and `attribution_url`. */
  causes?: ReadonlyMap<string, AlertCause>;
}

/** Prometheus' factor (`ValidUntil = ts + 4 × max(resendDelay, interval)`): an alert survives three lost sends. */
const RESEND_INTERVALS_BEFORE_EXPIRY = 4;

export function toAlertmanagerAlerts(
  instances: readonly AlertInstance[],
  { nowMs, resendIntervalMs, tollgateUrl, justResolved = new Set(), causes = new Map() }: AlertmanagerBodyOptions,
): AlertmanagerAlert[] {
  const out: AlertmanagerAlert[] = [];
  for (const a of instances) {
    const send = sendDecision(a, justResolved);
    if (send === 'skip') continue;
    const endsAtMs = send === 'firing' ? nowMs + RESEND_INTERVALS_BEFORE_EXPIRY * resendIntervalMs : nowMs;
    // Alertmanager rejects endsAt before startsAt. A resolved alert's sinceMs is when it stopped firing; on merge
    // Alertmanager keeps the earlier startsAt it already holds, so the original start survives.
    const startsAtMs = Math.min(a.sinceMs ?? nowMs, endsAtMs);
    out.push({
      labels: alertLabels(a),
      annotations: withCause(alertAnnotations(a), send === 'firing' ? causes.get(alertKey(a)) : undefined),
      startsAt: rfc3339(startsAtMs),
      endsAt: rfc3339(endsAtMs),
      generatorURL: generatorUrl(tollgateUrl, a.slo),
    });
  }
  return out;
}

type SendDecision = 'firing' | 'resolved' | 'skip';

function sendDecision(a: AlertInstance, justResolved: ReadonlySet<string>): SendDecision {
  switch (a.state) {
    case 'firing':
      return 'firing';
    case 'inactive':
      return justResolved.has(alertKey(a)) ? 'resolved' : 'skip';
    default:
      return assertNever(a.state);
  }
}

function withCause(annotations: AlertAnnotations, cause: AlertCause | undefined): AlertAnnotations {
  return cause === undefined ? annotations : { ...annotations, top_cause: cause.topCause, attribution_url: cause.attributionUrl };
}

export function generatorUrl(tollgateUrl: string, slo: string): string {
  return `${tollgateUrl.replace(/\/+$/, '')}/slos/${encodeURIComponent(slo)}`;
}

function assertNever(x: never): never {
  throw new Error(`unexpected alert state ${JSON.stringify(x)}`);
}
