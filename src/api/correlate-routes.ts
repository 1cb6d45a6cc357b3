/**
 * @module api/correlate-routes
 * `GET /v1/traces/{trace_id}`, `GET /v1/releases`, `GET /v1/releases/{config_hash}`,
 * `GET /v1/service-map`, `GET /v1/slo-graph`: what the UI's trace, release, service-map and
 * SLO-graph pages draw, as JSON (snake_case; times as ISO strings, exact ones also as unix
 * nanoseconds in strings). Scope `read` or `gate` when tokens are configured.
 */
import { Hono } from 'hono';
import type { AttributionService } from '../attribution/index.js';
import type { Scope, TokenVerifier } from '../auth/index.js';
import {
  isTraceId, listReleases, parseSince, readServiceMap, readSloGraph, readTrace, releaseDetail,
} from '../correlate/index.js';
import type { SloEngine, SloRegistry } from '../engine/index.js';
import { RELEASE_LOOKBACK_SECONDS } from '../gate/index.js';
import type { Store } from '../store/index.js';
import { requireScope } from './auth.js';
import { nonEmpty, tooLong } from './query-params.js';

const DAY = 86_400;

export function createCorrelateRoutes({ store, registry, engine, attribution, tokens, now = Date.now }: {
  store: Store;
  attribution: AttributionService;
  registry: SloRegistry;
  engine: Pick<SloEngine, 'evaluateAll' | 'reader'>;
  tokens: TokenVerifier;
  now?: () => number;
}): Hono {
  const app = new Hono();
  const scoped = (...scopes: Scope[]) => requireScope(tokens, ...scopes);
  const readers = scoped('read', 'gate');

  app.get('/v1/traces/:trace_id', readers, async (c) => {
    const traceId = c.req.param('trace_id');
    if (!isTraceId(traceId)) return c.json({ error: `trace_id must be 32 lowercase hex digits, not all zero; got ${JSON.stringify(traceId.slice(0, 64))}` }, 400);
    const trace = await readTrace(store, traceId, now());
    if (trace === null) return c.json({ error: `no spans or logs stored for trace ${traceId}` }, 404);
    return c.json(trace);
  });

  app.get('/v1/releases', readers, async (c) => {
    const service = c.req.query('service');
    if (service === undefined || service === '') return c.json({ error: 'service is required, e.g. /v1/releases?service=checkout' }, 400);
    const bad = tooLong(c, { service, environment: c.req.query('environment') });
    if (bad !== undefined) return bad;
    const since = parseSince(c.req.query('since'), 7 * DAY, 31 * DAY);
    if (!since.ok) return c.json({ error: since.error }, 400);
    return c.json(await listReleases(store, {
      service,
      environment: nonEmpty(c.req.query('environment')),
      sinceSeconds: since.seconds,
      since: c.req.query('since') || '7d',
      nowMs: now(),
    }));
  });

  app.get('/v1/releases/:config_hash', readers, async (c) => {
    const configHash = c.req.param('config_hash');
    const bad = tooLong(c, { config_hash: configHash, environment: c.req.query('environment') });
    if (bad !== undefined) return bad;
    // The gate's lookback by default, so the baseline named here is the one a gate decision names.
    const lookback = parseSince(c.req.query('since'), RELEASE_LOOKBACK_SECONDS, 31 * DAY);
    if (!lookback.ok) return c.json({ error: lookback.error }, 400);
    const detail = await releaseDetail(store, engine.reader, attribution, registry.current().slos, {
      configHash,
      environment: nonEmpty(c.req.query('environment')),
      lookbackSeconds: lookback.seconds,
      since: c.req.query('since') || '7d',
      nowMs: now(),
    });
    if (detail === null) return c.json({ error: `config_hash ${JSON.stringify(configHash)} has no spans and no deploy events in the lookback` }, 404);
    return c.json(detail);
  });

  app.get('/v1/service-map', readers, async (c) => {
    const bad = tooLong(c, { environment: c.req.query('environment') });
    if (bad !== undefined) return bad;
    const since = parseSince(c.req.query('since'), 3_600, 7 * DAY);
    if (!since.ok) return c.json({ error: since.error }, 400);
    return c.json(await readServiceMap(store, {
      environment: nonEmpty(c.req.query('environment')),
      sinceSeconds: since.seconds,
      since: c.req.query('since') || '1h',
      nowMs: now(),
    }));
  });

  app.get('/v1/slo-graph', readers, async (c) => c.json(await readSloGraph(engine)));

  return app;
}
