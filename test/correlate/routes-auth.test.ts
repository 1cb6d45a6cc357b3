/**
 * The correlate routes ask for a `read` or `gate` token when tokens are configured (through
 * app.request(), with a store that has no rows: only the scope check is under test here).
 */
import { describe, expect, it } from 'vitest';
import { createCorrelateRoutes } from '../../src/api/correlate-routes.js';
import { createAttributionService } from '../../src/attribution/index.js';
import { hashToken, loadTokens } from '../../src/auth/index.js';
import type { SloReader, SloRegistry } from '../../src/engine/index.js';
import type { Store } from '../../src/store/index.js';

const tokens = loadTokens({
  file: undefined,
  inline: JSON.stringify({ tokens: [
    { name: 'reader', sha256: hashToken('r-token'), scopes: ['read'] },
    { name: 'argo', sha256: hashToken('g-token'), scopes: ['gate'] },
    { name: 'collector', sha256: hashToken('i-token'), scopes: ['ingest'] },
  ] }),
});
const emptyStore = { query: async () => [] } as unknown as Store;
const registry = { current: () => ({ slos: [] }) } as unknown as SloRegistry;
/** No SLOs recorded: every read answers nothing. */
const reader: SloReader = {
  windowCounts: () => undefined,
  sources: () => [],
  latestDirect: () => undefined,
  recording: () => undefined,
  ledgerOf: () => undefined,
  ledgersFrom: async () => new Map(),
};
const attribution = createAttributionService({ store: emptyStore, reader });
const app = createCorrelateRoutes({ store: emptyStore, registry, engine: { evaluateAll: async () => [], reader }, attribution, tokens });
const ask = (path: string, token?: string) =>
  app.request(path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

describe('correlate routes and tokens', () => {
  const routes = ['/v1/traces/5b8efff798038103d269b633813fc60c', '/v1/releases?service=checkout', '/v1/releases/cfg', '/v1/service-map', '/v1/slo-graph'];

  it('refuses a request without a token (401) or with only the ingest scope (403)', async () => {
    for (const route of routes) {
      expect((await ask(route)).status, route).toBe(401);
      expect((await ask(route, 'i-token')).status, route).toBe(403);
    }
  });

  it('lets read and gate tokens through', async () => {
    for (const token of ['r-token', 'g-token']) {
      expect((await ask(routes[0]!, token)).status).toBe(404); // no such trace in an empty store
      expect((await ask(routes[1]!, token)).status).toBe(200);
      expect((await ask(routes[2]!, token)).status).toBe(404);
      expect((await ask(routes[3]!, token)).status).toBe(200);
      expect(await (await ask(routes[4]!, token)).json()).toEqual({ nodes: [], edges: [], problems: [], mermaid: 'flowchart LR\n' });
    }
  });
});
