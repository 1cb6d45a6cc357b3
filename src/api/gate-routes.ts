/**
 * @module api/gate-routes
 * `POST /v1/gate` (Argo CD PreSync, Argo Rollouts `web` metric, Flagger webhook), the stored
 * decisions, and break-glass overrides. Every decision is stored with its request, the policy and
 * SLO revision it used, and the full answer.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Scope, TokenVerifier } from '../auth/index.js';
import type { SloRegistry } from '../engine/slo-registry.js';
import { decide, type GateVerdict } from '../gate/index.js';
import { gatherEvidence } from '../gate/evidence.js';
import { millisToDateTime64, type Store } from '../store/index.js';
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

const DECISION_COLUMNS = [
  'DecisionId', 'DecidedAt', 'App', 'Environment', 'ConfigHash', 'Revision', 'Decision', 'Summary', 'Policy', 'SloRevision',
  'DryRun', 'Override', 'Request', 'Answer',
] as const;

export function createGateRoutes({ store, registry, tokens, publicUrl, now = Date.now }: {
  store: Store;
  registry: SloRegistry;
  tokens: TokenVerifier;
  publicUrl: string;
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
    const request = {
      app: r.app,
      environment: r.environment,
      services: Array.isArray(r.service) ? r.service : [r.service],
      configHash: r.config_hash,
      revision: r.revision ?? null,
    };
    const loaded = registry.current();
    const nowMs = now();
    const input = await gatherEvidence({ store, slos: loaded.slos, policies: loaded.policies, request, nowMs });
    const verdict = decide(input);
    const decisionId = randomUUID();
    const answer = {
      decision: verdict.decision,
      summary: verdict.summary,
      reasons: verdict.reasons,
      checks: verdict.checks,
      evidence: {
        environment: request.environment,
        baseline_config_hash: input.releaseRecords.find((x) => x.baselineConfigHash !== null)?.baselineConfigHash ?? null,
        release_records: input.releaseRecords,
        rollback: input.rollback,
        top_causes: (verdict.decision === 'deny' ? verdict.topCauses : input.causes).map((x) => ({
          service: x.service, span_name: x.spanName, error_type: x.errorType, count: x.count, share: x.share,
          example_trace_ids: x.exampleTraceIds, example_log_lines: x.exampleLogLines,
        })),
      },
      policy: input.policy?.name ?? null,
      slo_revision: loaded.revision,
      dry_run: input.policy?.isDryRun ?? false,
      // An allow given by an override, a rollback or a dry run also says what the checks alone answered:
      // a dry run exists to show that, and an audit of overrides needs to see what was overridden.
      ...(verdict.decision === 'allow' ? { basis: verdict.basis } : {}),
      ...(verdict.decision === 'allow' && verdict.wouldHaveBeen !== undefined ? { would_have_been: verdict.wouldHaveBeen } : {}),
      ...(verdict.decision === 'wait' ? { retry_after_seconds: verdict.retryAfterSeconds } : {}),
      decision_id: decisionId,
      url: `${publicUrl}/decisions/${decisionId}`,
      decided_at: new Date(nowMs).toISOString(),
    };
    await store.insertRows('tollgate_gate_decisions', DECISION_COLUMNS, [[
      decisionId, millisToDateTime64(nowMs), request.app, request.environment, request.configHash, request.revision ?? '',
      verdict.decision, verdict.summary, input.policy?.name ?? '', loaded.revision, input.policy?.isDryRun ?? false,
      verdict.decision === 'allow' ? (verdict.overrideId ?? '') : '',
      JSON.stringify(r), JSON.stringify(answer),
    ]]);
    return respond(c, verdict, answer);
  });

  app.get('/v1/gate/decisions/:id', scoped('read', 'gate'), async (c) => {
    const rows = await store.query<{ Answer: string }>(`SELECT Answer FROM tollgate_gate_decisions WHERE DecisionId = {id:String} LIMIT 1`, { id: c.req.param('id') });
    const row = rows[0];
    if (row === undefined) return c.json({ error: `no decision ${c.req.param('id')}` }, 404);
    return c.json(JSON.parse(row.Answer) as unknown);
  });

  app.get('/v1/gate/decisions', scoped('read', 'gate'), async (c) => {
    const rows = await store.query<{ Answer: string }>(
      `SELECT Answer FROM tollgate_gate_decisions
       WHERE ({app:String} = '' OR App = {app:String}) AND ({environment:String} = '' OR Environment = {environment:String})
       ORDER BY DecidedAt DESC LIMIT {limit:UInt32}`,
      { app: c.req.query('app') ?? '', environment: c.req.query('environment') ?? '', limit: Math.min(Number(c.req.query('limit') ?? 50) || 50, 500) },
    );
    return c.json({ decisions: rows.map((r) => JSON.parse(r.Answer) as unknown) });
  });

  app.post('/v1/overrides', scoped('admin'), small, async (c) => {
    const body = await readJson(c, OverrideBody);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const o = body.value;
    const id = randomUUID();
    const createdMs = now();
    await store.insertRows('tollgate_overrides', ['OverrideId', 'CreatedAt', 'App', 'Environment', 'ConfigHash', 'Who', 'Reason', 'ExpiresAt'], [[
      id, millisToDateTime64(createdMs), o.app, o.environment, o.config_hash, o.who, o.reason, millisToDateTime64(createdMs + o.expires_in_seconds * 1000),
    ]]);
    return c.json({ id, app: o.app, environment: o.environment, config_hash: o.config_hash, who: o.who, reason: o.reason, expires_at: new Date(createdMs + o.expires_in_seconds * 1000).toISOString() }, 201);
  });

  // Shaped for an Argo CD notifications webhook (on-deployed): idempotent, answered fast.
  app.post('/v1/deployments', scoped('gate'), small, async (c) => {
    const body = await readJson(c, DeploymentBody);
    if (!body.ok) return c.json({ error: body.error }, 400);
    const d = body.value;
    const key = { app: d.app, environment: d.environment, revision: d.revision, configHash: d.config_hash };
    const existing = await store.query<{ n: string }>(
      `SELECT count() AS n FROM tollgate_deployments
       WHERE App = {app:String} AND Environment = {environment:String} AND Revision = {revision:String} AND ConfigHash = {configHash:String}`,
      key,
    );
    if (Number(existing[0]?.n ?? 0) > 0) return c.json({ stored: false, duplicate: true }, 200);
    const receivedMs = now();
    await store.insertRows('tollgate_deployments', ['App', 'Environment', 'Service', 'ConfigHash', 'Revision', 'DeployedAt', 'ReceivedAt', 'Source'], [[
      d.app, d.environment, d.service ?? '', d.config_hash, d.revision,
      millisToDateTime64(d.time === undefined ? receivedMs : Date.parse(d.time)), millisToDateTime64(receivedMs), d.source ?? 'api',
    ]]);
    return c.json({ stored: true, duplicate: false }, 201);
  });

  app.get('/v1/deployments', scoped('read', 'gate'), async (c) => {
    const rows = await store.query<Record<string, string>>(
      `SELECT App AS app, Environment AS environment, Service AS service, ConfigHash AS config_hash, Revision AS revision,
              toString(DeployedAt) AS deployed_at, Source AS source
       FROM tollgate_deployments FINAL
       WHERE ({app:String} = '' OR App = {app:String}) AND ({environment:String} = '' OR Environment = {environment:String})
       ORDER BY DeployedAt DESC LIMIT 200`,
      { app: c.req.query('app') ?? '', environment: c.req.query('environment') ?? '' },
    );
    return c.json({ deployments: rows });
  });

  app.get('/v1/overrides', scoped('read', 'gate', 'admin'), async (c) => {
    const rows = await store.query<Record<string, string>>(
      `SELECT OverrideId AS id, App AS app, Environment AS environment, ConfigHash AS config_hash, Who AS who, Reason AS reason,
              toString(CreatedAt) AS created_at, toString(ExpiresAt) AS expires_at
       FROM tollgate_overrides ORDER BY CreatedAt DESC LIMIT 200`,
    );
    return c.json({ overrides: rows });
  });

  return app;
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
