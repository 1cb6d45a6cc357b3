/**
 * @module api/app
 * The hono app on TOLLGATE_HTTP_PORT: health, Tollgate's own metrics, and (as modules land) the
 * SLO, gate, Prometheus-compatible and UI routes. Routes other modules add are mounted by the
 * wiring in server.ts, so this file knows nothing of their internals.
 */
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { StoreUnavailableError } from '../store/index.js';

/** pino's error method, which is all the error handler needs. */
export interface ErrorLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What an exporter or a dashboard is told to wait before asking again while the store is unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

export interface HealthProbe {
  /** Each check names what must be true for Tollgate to serve; all must pass for 200. */
  checks(): Promise<Record<string, boolean>>;
  /** More of the body beside `status` and `checks` (e.g. who holds the evaluator lease); never decides the status. */
  details?(): Record<string, unknown>;
}

export function createApiApp({ health, registry, log }: { health: HealthProbe; registry: Registry; log?: ErrorLogger }): Hono {
  const app = new Hono();
  // Named errors to their statuses; anything else is a JSON 500, logged.
  app.onError((err, c) => {
    if (err instanceof StoreUnavailableError) {
      return c.json({ error: `the store (ClickHouse) is unavailable: ${err.message}` }, 503, { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) });
    }
    log?.error({ err, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal error; see the Tollgate log' }, 500);
  });
  app.get('/healthz', async (c) => {
    const checks = await health.checks();
    const ok = Object.values(checks).every(Boolean);
    return c.json({ status: ok ? 'ok' : 'unavailable', checks, ...health.details?.() }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}
