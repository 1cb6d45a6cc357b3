/**
 * @module api/app
 * The hono app on TOLLGATE_HTTP_PORT: health, Tollgate's own metrics, and (as modules land) the
 * SLO, gate, Prometheus-compatible and UI routes. Routes other modules add are mounted by the
 * wiring in server.ts, so this file knows nothing of their internals.
 */
import { Hono } from 'hono';
import type { Registry } from 'prom-client';

export interface HealthProbe {
  /** Each check names what must be true for Tollgate to serve; all must pass for 200. */
  checks(): Promise<Record<string, boolean>>;
  /** More of the body beside `status` and `checks` (e.g. who holds the evaluator lease); never decides the status. */
  details?(): Record<string, unknown>;
}

export function createApiApp({ health, registry }: { health: HealthProbe; registry: Registry }): Hono {
  const app = new Hono();
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
