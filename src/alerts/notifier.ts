/**
 * @module alerts/notifier
 * The I/O shell that POSTs an Alertmanager body to `<url>/api/v2/alerts`. `send` never throws: a down or slow
 * Alertmanager is an expected outcome, returned as `failed` and logged, and the next resend tries again.
 */
import type { AlertmanagerAlert } from './alertmanager.js';

export type SendOutcome =
  | { status: 'sent'; alertCount: number }
  | { status: 'failed'; reason: string };

export interface AlertmanagerNotifier {
  /** An empty list makes no request and answers `sent` with `alertCount: 0`. */
  send(alerts: readonly AlertmanagerAlert[]): Promise<SendOutcome>;
}

/** The one method used; pino's `Logger` fits. */
export interface WarnLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface AlertmanagerNotifierOptions {
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` or `http://am/prefix/`; user:password@ becomes Basic auth. */
  url: string;
  /** Bound on the whole exchange, connect to last body byte. @default 5000 */
  timeoutMs?: number;
  fetchImpl?: FetchLike;
  log: WarnLogger;
}

export class AlertmanagerUrlError extends Error {
  override readonly name = 'AlertmanagerUrlError';
  constructor(readonly url: string, readonly problem: string) {
    super(`Alertmanager URL ${JSON.stringify(url)}: ${problem}`);
  }
}

/** Where the alerts go and how to authenticate; the URL carries no credentials, so it can be logged. */
export interface AlertmanagerEndpoint {
  alertsUrl: string;
  authorization: string | undefined;
}

/**
 * `<base>/api/v2/alerts`, keeping a path prefix (`--web.route-prefix`) with or without a trailing slash.
 * Credentials move to an Authorization header: fetch refuses URLs that contain them.
 * Throws `AlertmanagerUrlError` for anything but an http(s) URL without query or fragment.
 */
export function alertmanagerEndpoint(base: string): AlertmanagerEndpoint {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new AlertmanagerUrlError(base, 'not a URL; expected e.g. http://alertmanager:9093');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AlertmanagerUrlError(base, `scheme ${url.protocol} is not http: or https:`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new AlertmanagerUrlError(base, 'must not have a query or fragment');
  }
  const authorization =
    url.username === '' && url.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return { alertsUrl: url.toString(), authorization };
}

/** Alertmanager's validation errors are short; more than this is a proxy's HTML page. */
const MAX_REASON_BODY_CHARS = 300;

export function createAlertmanagerNotifier({
  url,
  timeoutMs = 5_000,
  fetchImpl = fetch,
  log,
}: AlertmanagerNotifierOptions): AlertmanagerNotifier {
  const endpoint = alertmanagerEndpoint(url);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (endpoint.authorization !== undefined) headers['Authorization'] = endpoint.authorization;

  return {
    async send(alerts) {
      if (alerts.length === 0) return { status: 'sent', alertCount: 0 };
      const outcome = await post(fetchImpl, endpoint.alertsUrl, headers, alerts, timeoutMs);
      if (outcome.status === 'failed') {
        log.warn({ url: endpoint.alertsUrl, alertCount: alerts.length, reason: outcome.reason }, 'sending alerts to Alertmanager failed');
      }
      return outcome;
    },
  };
}

async function post(
  fetchImpl: FetchLike,
  alertsUrl: string,
  headers: Record<string, string>,
  alerts: readonly AlertmanagerAlert[],
  timeoutMs: number,
): Promise<SendOutcome> {
  // One signal for the request and the body read, so a server that sends headers and then stalls is bounded too.
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetchImpl(alertsUrl, { method: 'POST', headers, body: JSON.stringify(alerts), signal });
    const text = await res.text();
    if (res.ok) return { status: 'sent', alertCount: alerts.length };
    const body = text.trim().slice(0, MAX_REASON_BODY_CHARS);
    return { status: 'failed', reason: `Alertmanager answered ${res.status}${body === '' ? '' : `: ${body}`}` };
  } catch (err) {
    // Checked on the signal, not the error: undici reports an abort during the body read in more than one shape.
    if (signal.aborted) return { status: 'failed', reason: `no answer from Alertmanager within ${timeoutMs} ms` };
    return { status: 'failed', reason: unreachableReason(err) };
  }
}

/** Node's fetch wraps socket errors as `TypeError: fetch failed` with the useful part (`ECONNREFUSED …`) in `cause`. */
function unreachableReason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return `cannot reach Alertmanager: ${cause ?? message}`;
}
