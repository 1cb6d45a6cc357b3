/**
 * Scope checks on API routes: a token with any one of a route's scopes passes, and a 403 names
 * the scopes that would do, so an operator grants the right one.
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requireScope } from '../../src/api/auth.js';
import { createTokenVerifier, hashToken } from '../../src/auth/index.js';

describe('scopes', () => {
  const tokens = createTokenVerifier([
    { name: 'ci', hash: Buffer.from(hashToken('ci-secret'), 'hex'), scopes: new Set(['ingest'] as const) },
    { name: 'grafana', hash: Buffer.from(hashToken('grafana-secret'), 'hex'), scopes: new Set(['read'] as const) },
  ]);
  const app = new Hono();
  app.get('/read', requireScope(tokens, 'read', 'gate'), (c) => c.text('ok'));
  app.get('/gate', requireScope(tokens, 'gate'), (c) => c.text('ok'));
  const get = (path: string, token: string) => app.request(path, { headers: { authorization: `Bearer ${token}` } });

  it('names every scope that would do when a route takes several', async () => {
    const res = await get('/read', 'ci-secret');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('token "ci" lacks a scope this needs: "read" or "gate" (it has "ingest")');
  });

  it('names the one scope a route needs', async () => {
    const res = await get('/gate', 'grafana-secret');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('token "grafana" lacks the "gate" scope (it has "read")');
  });

  it('lets a token with any one of the scopes through', async () => {
    expect((await get('/read', 'grafana-secret')).status).toBe(200);
  });
});
