/**
 * @module api/ui-routes
 * The web UI on the API's port: page shells (no data in them, so no token needed to load one),
 * the UI's own files and three vendor files by allow-list, and two reads only the pages need:
 * - `GET /ui/api/slos/{name}/series`: the SLO page's budget and burn-rate charts (ui/slo-series.ts,
 *   from the recorded minutes);
 * - `GET /ui/api/decisions[/{id}]`: stored gate answers with the request they answered (app,
 *   environment, config_hash, revision), which `/v1/gate/decisions` leaves out of the answer, and
 *   a `service` filter for an SLO's page.
 * Those reads need the same scopes as `/v1/slos` and `/v1/gate/decisions` (read or gate).
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { TokenVerifier } from '../auth/index.js';
import type { SloEngine, SloRegistry } from '../engine/index.js';
import type { AttributionService } from '../attribution/index.js';
import type { DecisionLog, StoredDecision } from '../gate/index.js';
import { budgetOf, planWindows } from '../slo/evaluate/index.js';
import { exclusionBands, PAGES, pageShell, seriesPlan, sloSeries, staticAssets, vendorAssets, type Asset, type AssetSource, type PageName } from '../ui/index.js';
import { requireScope } from './auth.js';

/**
 * Scripts only from Tollgate itself. Styles may be inline: uPlot positions its cursor and legend
 * with style attributes and mermaid writes a <style> into each diagram.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

const PAGE_ROUTES: ReadonlyArray<[string, PageName]> = [
  ['/', 'slo-list'],
  ['/slos/:name', 'slo-detail'],
  ['/decisions', 'decisions'],
  ['/decisions/:id', 'decision'],
  ['/releases/:configHash', 'release'],
  ['/traces/:traceId', 'trace'],
  ['/service-map', 'service-map'],
  ['/slo-graph', 'slo-graph'],
];

export function createUiRoutes({ decisions, tokens, registry, engine, attribution, now = Date.now }: {
  decisions: DecisionLog | undefined;
  /** Release markers for the charts; undefined when the SLO directory could not be read. */
  attribution: Pick<AttributionService, 'markers'> | undefined;
  tokens: TokenVerifier;
  /** Undefined when the SLO directory could not be read: the pages still load and say so. */
  registry: SloRegistry | undefined;
  engine: SloEngine | undefined;
  now?: () => number;
}): Hono {
  const app = new Hono();
  const own = staticAssets();
  const vendor = vendorAssets();
  // Changes whenever one of the UI's files does, so browsers fetch the new page scripts after an upgrade.
  const assetVersion = createHash('sha256').update(own.names().sort().map((n) => `${n}${own.get(n)?.etag ?? ''}`).join('\n')).digest('base64url').slice(0, 12);

  for (const [route, page] of PAGE_ROUTES) {
    app.get(route, async (c) => {
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      c.header('X-Content-Type-Options', 'nosniff');
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-cache');
      return c.html(await pageShell(PAGES[page], assetVersion));
    });
  }

  // Revalidated on every use (the ETag makes that a 304 without a body): the files change when
  // Tollgate is upgraded, and a page script must never meet an older uPlot or mermaid than it expects.
  app.get('/ui/static/*', (c) => serveAsset(c, own, c.req.path.slice('/ui/static/'.length)));
  app.get('/ui/vendor/:name', (c) => serveAsset(c, vendor, c.req.param('name')));

  const readScope = requireScope(tokens, 'read', 'gate');

  app.get('/ui/api/slos/:name/series', readScope, async (c) => {
    if (registry === undefined || engine === undefined) return c.json({ error: 'the SLO directory could not be read at start' }, 503);
    const name = c.req.param('name');
    const slo = registry.current().slos.find((s) => s.name === name);
    if (slo === undefined) return c.json({ error: `no SLO named "${name}"` }, 404);
    const plan = planWindows(slo, now());
    const periodWindow = plan.windows.find((w) => w.key === plan.periodKey)!; // planWindows always adds the period
    const series = seriesPlan({ periodStartSeconds: periodWindow.startSeconds, endMinuteSeconds: plan.endMinuteSeconds });
    const recorded = engine.reader.ledgerOf(slo);
    const base = { name: slo.name, period: plan.periodKey, error_budget_fraction: budgetOf(slo) };
    if (recorded === undefined) {
      return c.json({
        ...base,
        budget: { time: [], remaining: [] },
        burn: { time: [], step_seconds: series.burnStepSeconds, long_window_seconds: series.burnLongWindowSeconds, short: [], long: [] },
        note: 'this SLO is evaluated by its own queries at each evaluation, not recorded by the minute, so it has no charts',
      });
    }
    const markers = attribution === undefined ? [] : await attribution.markers([slo], {
      environment: recorded.environment, fromMs: periodWindow.startSeconds * 1000, toMs: (plan.endMinuteSeconds + 60) * 1000,
    });
    const excluded = exclusionBands(engine.reader.adjustmentsOf?.(slo) ?? [], periodWindow.startSeconds, series.endSeconds);
    return c.json({
      ...base,
      ...sloSeries(series, recorded.ledger, recorded.environment, base.error_budget_fraction),
      excluded,
      markers: markers.map((m) => ({
        kind: m.kind, time: new Date(m.atMs).toISOString(), service: m.service, environment: m.environment, config_hash: m.configHash, app: m.app, revision: m.revision,
      })),
    });
  });

  app.get('/ui/api/decisions', readScope, async (c) => {
    if (decisions === undefined) return c.json({ decisions: [] });
    const list = await decisions.list({
      app: c.req.query('app') ?? '',
      environment: c.req.query('environment') ?? '',
      service: c.req.query('service') ?? '',
      limit: Math.min(Number(c.req.query('limit') ?? 50) || 50, 500),
    });
    return c.json({ decisions: list.map(decisionView) });
  });

  app.get('/ui/api/decisions/:id', readScope, async (c) => {
    const d = decisions === undefined ? undefined : await decisions.get(c.req.param('id'));
    if (d === undefined) return c.json({ error: `no decision ${c.req.param('id')}` }, 404);
    return c.json(decisionView(d));
  });

  return app;
}

/** The stored answer as `/v1/gate/decisions/{id}` gives it, with what was asked beside it. */
function decisionView(d: StoredDecision): Record<string, unknown> {
  const service = d.request['service'];
  return {
    ...d.answer,
    app: d.app,
    environment: d.environment,
    config_hash: d.configHash,
    revision: d.revision,
    services: Array.isArray(service) ? service : [service],
  };
}

function serveAsset(c: Context, source: AssetSource, name: string): Response {
  const asset: Asset | undefined = source.get(name);
  if (asset === undefined) return c.text('not found', 404);
  const headers: Record<string, string> = {
    'Content-Type': asset.contentType,
    'Cache-Control': 'no-cache',
    ETag: asset.etag,
    'X-Content-Type-Options': 'nosniff',
    Vary: 'Accept-Encoding',
  };
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
  if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
    return c.body(bytes(asset.gzipped), 200, { ...headers, 'Content-Encoding': 'gzip' });
  }
  return c.body(bytes(asset.body), 200, headers);
}

/** Buffers from readFileSync and gzipSync always sit on a plain ArrayBuffer, which is what a body takes. */
const bytes = (b: Buffer): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>;
