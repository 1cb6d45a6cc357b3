/**
 * @module api/gate-routes
 * `POST /v1/gate` (Argo CD PreSync, Argo Rollouts `web` metric, Flagger webhook), the stored
 * decisions, break-glass overrides and deploy events. Routes parse, call the gate service or its
 * decision log, and shape the answer; no SQL here.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Scope, TokenVerifier } from '../auth/index.js';
import type { DecisionLog, GateService, GateVerdict, StoredOverride } from '../gate/index.js';
import { requireScope } from './auth.js';

const GateRequestBody = z.strictObject({
  app: z.string().min(1).max(200),
  environment: z.string().min(1).max(200),
  service: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(50)]),
  config_hash: z.string().min(1).max(200),
  revision: z.string().max(200).optional(),
});

const OverrideBody = z.strictObject({
  app: z.string().min(1).max(200),
  environment: z.string().min(1).max(200),
  config_hash: z.string().min(1).max(200),
  reason: z.string().min(3).max(2000),
  who: z.string().min(1).max(200),
  expires_in_seconds: z.number().int().min(60).max(7 * 86_400),
});

const DeploymentBody = z.strictObject({
  app: z.string().min(1).max(200),
  environment: z.string().min(1).max(200),
  service: z.string().max(200).optional(),
  config_hash: z.string().min(1).max(200),
  revision: z.string().min(1).max(200),
  time: z.string().datetime({ offset: true }).optional(),
  source: z.string().max(100).optional(),
});

export function createGateRoutes({ gate, decisions, tokens, now = Date.now }: {
  gate: GateService;
  decisions: DecisionLog;
  tokens: TokenVerifier;
  now?: () => number;
}): Hono {
  const app = new Hono();
  const scoped = (...scopes: Scope[]) => requireScope(tokens, ...scopes);
  // A gate request or an override is a few hundred bytes; nothing larger is read.
  const small = bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json({ error: 'body over 64 KiB' }, 413) });

  app.post('/v1/gate', scoped('gate'), small, async (c) => {
    const body = await readJson(c, GateRequestBody);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const r = body.value;
    const { verdict, answer } = await gate.decide({
      app: r.app,
      environment: r.environment,
      services: Array.isArray(r.service) ? r.service : [r.service],
      configHash: r.config_hash,
      revision: r.revision ?? null,
    }, r);
    return respond(c, verdict, answer);
  });

  app.get('/v1/gate/decisions/:id', scoped('read', 'gate'), async (c) => {
    const d = await decisions.get(c.req.param('id'));
    if (d === undefined) return c.json({ error: `no decision ${c.req.param('id')}` }, 404);
    return c.json(d.answer);
  });

  app.get('/v1/gate/decisions', scoped('read', 'gate'), async (c) => {
    const list = await decisions.list({
      app: c.req.query('app') ?? '',
      environment: c.req.query('environment') ?? '',
      limit: Math.min(Number(c.req.query('limit') ?? 50) || 50, 500),
    });
    return c.json({ decisions: list.map((d) => d.answer) });
  });

  app.post('/v1/overrides', scoped('admin'), small, async (c) => {
    const body = await readJson(c, OverrideBody);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const o = body.value;
    const stored = await decisions.addOverride(
      { app: o.app, environment: o.environment, configHash: o.config_hash, who: o.who, reason: o.reason, expiresInSeconds: o.expires_in_seconds },
      randomUUID(),
      now(),
    );
    return c.json(overrideWire(stored), 201);
  });

  // Shaped for an Argo CD notifications webhook (on-deployed): idempotent, answered fast.
  app.post('/v1/deployments', scoped('gate'), small, async (c) => {
    const body = await readJson(c, DeploymentBody);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const d = body.value;
    const receivedMs = now();
    const { stored } = await decisions.recordDeployment({
      app: d.app, environment: d.environment, service: d.service ?? '', configHash: d.config_hash, revision: d.revision,
      deployedAtMs: d.time === undefined ? receivedMs : Date.parse(d.time), source: d.source ?? 'api',
    }, receivedMs);
    return c.json({ stored, duplicate: !stored }, stored ? 201 : 200);
  });

  app.get('/v1/deployments', scoped('read', 'gate'), async (c) => {
    const list = await decisions.listDeployments({ app: c.req.query('app') ?? '', environment: c.req.query('environment') ?? '' });
    return c.json({
      deployments: list.map((d) => ({
        app: d.app, environment: d.environment, service: d.service, config_hash: d.configHash, revision: d.revision,
        deployed_at: new Date(d.deployedAtMs).toISOString(), source: d.source,
      })),
    });
  });

  app.get('/v1/overrides', scoped('read', 'gate', 'admin'), async (c) => c.json({ overrides: (await decisions.listOverrides()).map(overrideWire) }));

  return app;
}

function overrideWire(o: StoredOverride) {
  return {
    id: o.id, app: o.app, environment: o.environment, config_hash: o.configHash, who: o.who, reason: o.reason,
    created_at: new Date(o.createdAtMs).toISOString(), expires_at: new Date(o.expiresAtMs).toISOString(),
  };
}

/** JSON for Argo CD and Argo Rollouts (`jsonPath: $.decision`); Flagger's webhook wants 2xx to pass. */
function respond(c: Context, verdict: GateVerdict, answer: object): Response {
  if (c.req.query('format') === 'flagger') {
    return c.text(`${verdict.summary}\n`, verdict.decision === 'allow' ? 200 : 403);
  }
  if (verdict.decision === 'wait') c.header('Retry-After', String(verdict.retryAfterSeconds));
  return c.json(answer, 200);
}

async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false, error: 'body must be JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
}
