/**
 * @module api/app
 * The hono app on TOLLGATE_HTTP_PORT: health, Tollgate's own metrics, and (as modules land) the
 * SLO, gate, Prometheus-compatible and UI routes. Routes other modules add are mounted by the
 * wiring in server.ts, so this file knows nothing of their internals.
 *
 * Errors: every answer carries an `X-Request-Id`; an exception in any route is answered by one
 * `onError` as JSON: named errors with their status and message (errors.ts), anything else as a
 * 500 with the request id, logged with its stack (a plain-text 500 left Argo CD's hook printing no
 * reason). Unknown paths are answered 404 as JSON too.
 */
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { mapError } from './errors.js';

export interface HealthProbe {
  /** Each check names what must be true for Tollgate to serve; all must pass for 200. Answers at once: never waits on the store. */
  checks(): Record<string, boolean>;
  /** More of the body beside `status` and `checks` (e.g. who holds the evaluator lease); never decides the status. */
  details?(): Record<string, unknown>;
}

export function createApiApp({ health, registry, log }: { health: HealthProbe; registry: Registry; log: Pick<Logger, 'warn' | 'error'> }): Hono {
  const app = new Hono();
  app.use(requestId());
  app.onError((err, c) => {
    const id = requestIdOf(c.get('requestId'));
    const mapped = mapError(err);
    if (mapped.expected) {
      log.warn({ requestId: id, method: c.req.method, path: c.req.path, status: mapped.status, err }, 'request refused');
    } else {
      log.error({ requestId: id, method: c.req.method, path: c.req.path, err }, 'request failed');
    }
    c.header('X-Request-Id', id);
    if (mapped.retryAfterSeconds !== undefined) c.header('Retry-After', String(mapped.retryAfterSeconds));
    // `error` is what every Tollgate route answers; `status` and `errorType` make the same body a
    // Prometheus API error, for the routes Grafana calls.
    const message = mapped.expected ? mapped.message : `${mapped.message} (request id ${id})`;
    return c.json({ status: 'error', errorType: errorTypeOf(mapped.status), error: message, request_id: id }, mapped.status);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}`, request_id: requestIdOf(c.get('requestId')) }, 404));
  app.get('/healthz', (c) => {
    const checks = health.checks();
    const ok = Object.values(checks).every(Boolean);
    return c.json({ status: ok ? 'ok' : 'unavailable', checks, ...health.details?.() }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}

/** The Prometheus API's error type for a status (web/api/v1/api.go). */
function errorTypeOf(status: number): string {
  if (status === 404) return 'not_found';
  if (status === 422) return 'execution';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'internal';
  return 'bad_data';
}

/** `requestId()` sets a string for every request; a handler running without it still answers. */
function requestIdOf(value: unknown): string {
  return typeof value === 'string' ? value : 'unknown';
}

/**
 * A health check that runs in the background every `intervalMs` and answers from its last result,
 * so /healthz never waits on what it checks (a ping queued behind bulk inserts took seconds: issue
 * 16). A check still running after `staleAfterMs` counts as failed; before the first result, as passed
 * (what it checks was just opened).
 */
export interface HealthWatch {
  ok(): boolean;
  stop(): void;
}

export function watchHealth(check: () => Promise<boolean>, { intervalMs = 5_000, staleAfterMs = 30_000, now = Date.now }: { intervalMs?: number; staleAfterMs?: number; now?: () => number } = {}): HealthWatch {
  let lastOk = true;
  let runningSince: number | undefined;
  const run = (): void => {
    if (runningSince !== undefined) return;
    runningSince = now();
    check()
      .catch(() => false)
      .then((ok) => {
        lastOk = ok;
        runningSince = undefined;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  run();
  return {
    ok: () => lastOk && (runningSince === undefined || now() - runningSince < staleAfterMs),
    stop: () => clearInterval(timer),
  };
}
