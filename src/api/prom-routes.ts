/**
 * @module api/prom-routes
 * The Prometheus HTTP API (v1) as Grafana's Prometheus datasource calls it: query, query_range,
 * series, labels, label values, metadata, query_exemplars and status/buildinfo, over GET or POST
 * form bodies, with Prometheus' envelopes and error types (bad_data 400, execution 422, timeout
 * and unavailable 503). PromQL is parsed by promql/ and run by query/ (evaluation on worker
 * threads under the query's timeout); the series come from series/ (ClickHouse).
 */
import { Hono, type Context } from 'hono';
import type { Expr, VectorSelector } from '../promql/ast.js';
import { PromqlError } from '../promql/errors.js';
import { parsePromql } from '../promql/index.js';
import type { QueryRunner } from '../query/index.js';
import { planSelects } from '../promql/plan.js';
import { TooManySamplesError, type SeriesCatalog, type Labels } from '../series/index.js';
import { VERSION } from '../version.js';
import { StoreUnavailableError } from '../store/index.js';
import { BadDataError, mergedParams, parseDurationParamMs, parseRange, parseTimeMs, required, type RequestParams } from './prom-params.js';

/** A form body is a query and a few times; Grafana's largest are dashboards' long expressions. */
const MAX_FORM_BYTES = 256 * 1024;
const MAX_TIMEOUT_MS = 120_000;
/** Grafana lists label values without a time range; look this far back then (series are built from the data). */
const DEFAULT_LIST_RANGE_MS = 6 * 3_600_000;
const MAX_LIST_RESULTS = 10_000;
const LOOKBACK_DELTA_MS = 300_000;

export function createPromRoutes({ catalog, queries }: { catalog: SeriesCatalog; queries: QueryRunner }): Hono {
  const app = new Hono();

  const handle = (run: (params: RequestParams, c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await run(await paramsOf(c), c);
    } catch (e) {
      return errorResponse(c, e);
    }
  };

  const instant = handle(async (params, c) => {
    const query = parseQueryParam(params);
    const timeMs = parseTimeMs(params.get('time'), 'time', Date.now());
    const data = await queries.run(query, { kind: 'instant', timeMs }, catalog, { timeoutMs: timeoutOf(params), lookbackDeltaMs: LOOKBACK_DELTA_MS });
    return c.json({ status: 'success', data });
  });
  app.get('/api/v1/query', instant);
  app.post('/api/v1/query', instant);

  const range = handle(async (params, c) => {
    const query = parseQueryParam(params);
    const { startMs, endMs, stepMs } = parseRange(params);
    const data = await queries.run(query, { kind: 'range', startMs, endMs, stepMs }, catalog, { timeoutMs: timeoutOf(params), lookbackDeltaMs: LOOKBACK_DELTA_MS });
    return c.json({ status: 'success', data });
  });
  app.get('/api/v1/query_range', range);
  app.post('/api/v1/query_range', range);

  const series = handle(async (params, c) => {
    const matches = params.all('match[]');
    if (matches.length === 0) throw new BadDataError('no match[] parameter provided');
    return c.json({ status: 'success', data: await listSeries(catalog, params, matches) });
  });
  app.get('/api/v1/series', series);
  app.post('/api/v1/series', series);

  const labels = handle(async (params, c) => {
    const names = new Set<string>();
    for (const l of await listSeries(catalog, params, params.all('match[]'))) for (const k of Object.keys(l)) names.add(k);
    return c.json({ status: 'success', data: [...names].sort() });
  });
  app.get('/api/v1/labels', labels);
  app.post('/api/v1/labels', labels);

  app.get('/api/v1/label/:name/values', handle(async (params, c) => {
    const name = c.req.param('name') ?? '';
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new BadDataError(`invalid label name: "${name}"`);
    const values = new Set<string>();
    for (const l of await listSeries(catalog, params, params.all('match[]'))) {
      const v = l[name];
      if (v !== undefined && v !== '') values.add(v);
    }
    return c.json({ status: 'success', data: [...values].sort() });
  }));

  app.get('/api/v1/metadata', handle(async (params, c) => {
    const metric = params.get('metric');
    const limit = Number(params.get('limit') ?? '-1');
    const data: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    for (const m of await catalog.metadata()) {
      if (metric !== undefined && metric !== '' && m.metric !== metric) continue;
      if (limit >= 0 && Object.keys(data).length >= limit && data[m.metric] === undefined) continue;
      (data[m.metric] ??= []).push({ type: m.type, help: m.help, unit: m.unit });
    }
    return c.json({ status: 'success', data });
  }));

  const exemplars = handle(async (params, c) => {
    const expr = parsePromql(required(params, 'query'));
    const startMs = parseTimeMs(params.get('start'), 'start', Date.now() - 3_600_000);
    const endMs = parseTimeMs(params.get('end'), 'end', Date.now());
    if (endMs < startMs) throw new BadDataError('invalid parameter "end": end timestamp must not be before start time');
    const data = [];
    for (const { selector, request } of planSelects(expr, { startMs, endMs, lookbackDeltaMs: LOOKBACK_DELTA_MS })) {
      for (const s of await catalog.exemplars({ matchers: selector.matchers, startMs: Math.max(request.startMs, startMs), endMs: Math.min(request.endMs, endMs) })) {
        data.push({
          seriesLabels: s.seriesLabels,
          exemplars: s.exemplars.map((e) => ({ labels: e.labels, value: String(e.value), timestamp: e.timestampMs / 1000 })),
        });
      }
    }
    return c.json({ status: 'success', data });
  });
  app.get('/api/v1/query_exemplars', exemplars);
  app.post('/api/v1/query_exemplars', exemplars);

  // No `features` field: Grafana takes a buildinfo with one for Mimir or Cortex and changes how it asks.
  app.get('/api/v1/status/buildinfo', (c) =>
    c.json({
      status: 'success',
      data: { version: '2.42.0', revision: `tollgate-${VERSION}`, branch: 'tollgate', buildUser: 'tollgate', buildDate: '', goVersion: `node${process.versions.node}` },
    }));

  return app;
}

async function paramsOf(c: Context): Promise<RequestParams> {
  const url = new URL(c.req.url).searchParams;
  if (c.req.method !== 'POST') return mergedParams(url, undefined);
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    if (type === '') return mergedParams(url, undefined);
    throw new BadDataError(`unsupported content type "${type}": send application/x-www-form-urlencoded`);
  }
  const length = Number(c.req.header('content-length') ?? '0');
  if (length > MAX_FORM_BYTES) throw new BadDataError(`request body larger than ${MAX_FORM_BYTES} bytes`);
  const text = await c.req.text();
  if (text.length > MAX_FORM_BYTES) throw new BadDataError(`request body larger than ${MAX_FORM_BYTES} bytes`);
  return mergedParams(url, new URLSearchParams(text));
}

/** Prometheus' `timeout` parameter, capped; a query without one gets the runner's default (TOLLGATE_QUERY_TIMEOUT_MS). */
function timeoutOf(params: RequestParams): number | undefined {
  const asked = params.get('timeout');
  return asked === undefined ? undefined : Math.min(MAX_TIMEOUT_MS, parseDurationParamMs(asked, 'timeout'));
}

async function listSeries(catalog: SeriesCatalog, params: RequestParams, matches: readonly string[]): Promise<Labels[]> {
  const endMs = parseTimeMs(params.get('end'), 'end', Date.now());
  const startMs = parseTimeMs(params.get('start'), 'start', endMs - DEFAULT_LIST_RANGE_MS);
  const selectors: Array<VectorSelector['matchers']> = matches.length === 0 ? [[{ name: '__name__', type: '=~', value: '.+' }]] : matches.map(selectorMatchers);
  const out = new Map<string, Labels>();
  for (const matchers of selectors) {
    for (const labels of await catalog.listSeries({ matchers, startMs, endMs })) {
      out.set(JSON.stringify(Object.entries(labels).sort()), labels);
      if (out.size >= MAX_LIST_RESULTS) break;
    }
  }
  return [...out.values()];
}

/**
 * The query text, checked here so that a parse error carries the parameter's name in front, as
 * Prometheus' API does (evaluation errors do not); the runner parses it again for its worker.
 */
function parseQueryParam(params: RequestParams): string {
  const query = required(params, 'query');
  try {
    parsePromql(query);
    return query;
  } catch (e) {
    if (e instanceof PromqlError && e.type === 'bad_data') throw new PromqlError('bad_data', `invalid parameter "query": ${e.message}`);
    throw e;
  }
}

function selectorMatchers(text: string): VectorSelector['matchers'] {
  const expr: Expr = parsePromql(text);
  if (expr.kind !== 'vectorSelector') throw new BadDataError(`invalid parameter "match[]": "${text}" is not a series selector`);
  return expr.matchers;
}

function errorResponse(c: Context, e: unknown): Response {
  if (e instanceof BadDataError) return c.json({ status: 'error', errorType: 'bad_data', error: e.message }, 400);
  if (e instanceof TooManySamplesError) return c.json({ status: 'error', errorType: 'execution', error: e.message }, 422);
  if (e instanceof PromqlError) {
    const status = e.type === 'bad_data' ? 400 : e.type === 'timeout' || e.type === 'unavailable' ? 503 : 422;
    return c.json({ status: 'error', errorType: e.type, error: e.message }, status);
  }
  if (e instanceof StoreUnavailableError) return c.json({ status: 'error', errorType: 'unavailable', error: `the store (ClickHouse) is unavailable: ${e.message}` }, 503);
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return c.json({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }, 503);
  }
  return c.json({ status: 'error', errorType: 'execution', error: e instanceof Error ? e.message : String(e) }, 422);
}
