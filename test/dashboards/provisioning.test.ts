/**
 * deploy/grafana/ checked without Grafana: the provisioning files parse and say what the README says,
 * and the datasource, read the way Grafana reads it (environment variables expanded, `$$` a literal
 * `$`), works against a real Tollgate with tokens: its header is accepted, its exemplar link opens
 * Tollgate's trace page.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { hashToken } from '../../src/auth/index.js';
import { REPO_ROOT, startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { obj, type Obj } from '../helpers/narrow.js';

const DIR = path.join(REPO_ROOT, 'deploy/grafana');
const READ_TOKEN = 'grafana-read-token-1';

function first(v: unknown, where: string): Obj {
  if (!Array.isArray(v) || v.length !== 1) throw new Error(`${where}: expected a list of one, got ${JSON.stringify(v)}`);
  return obj(v[0], `${where}[0]`);
}

/**
 * Grafana's provisioning expansion: `$NAME` and `${NAME}` from the environment, `$$` a literal `$`
 * (Grafana docs, "Provision Grafana": use environment variables, use of the special character $).
 */
function grafanaExpand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) =>
    whole === '$$' ? '$' : env[(braced ?? bare) as string] ?? ''); // one of the groups matches unless `$$`
}

const load = (file: string, env: Record<string, string> = {}): Obj =>
  obj(parseYaml(grafanaExpand(readFileSync(path.join(DIR, file), 'utf8'), env)) as unknown, file);

describe('provisioning files', () => {
  it('provide a Prometheus datasource for Tollgate with POST, a bearer header and exemplar links by trace_id', () => {
    const ds = first(load('datasources/tollgate.yaml', { TOLLGATE_GRAFANA_TOKEN: 't0k' })['datasources'], 'datasources');
    expect(ds).toMatchObject({ type: 'prometheus', url: 'http://tollgate:8080', access: 'proxy' });
    expect(ds['jsonData']).toMatchObject({
      httpMethod: 'POST',
      prometheusType: 'Prometheus',
      httpHeaderName1: 'Authorization',
      exemplarTraceIdDestinations: [{ name: 'trace_id', url: 'http://tollgate:8080/traces/${__value.raw}' }],
    });
    expect(ds['secureJsonData']).toEqual({ httpHeaderValue1: 'Bearer t0k' });
  });

  it('load the dashboards from where the README mounts dashboards/', () => {
    const provider = first(load('dashboards/tollgate.yaml')['providers'], 'providers');
    expect(provider).toMatchObject({ type: 'file', folder: 'Tollgate' });
    const dashboardsPath = obj(provider['options'], 'options')['path'];
    expect(readFileSync(path.join(DIR, 'README.md'), 'utf8')).toContain(`/dashboards:${String(dashboardsPath)}:ro`);
  });
});

describe('the datasource against a Tollgate with tokens', () => {
  let tg: InProcessTollgate;
  let ds: Obj;
  beforeAll(async () => {
    tg = await startInProcess({ TOLLGATE_TOKENS: JSON.stringify({ tokens: [{ name: 'grafana', sha256: hashToken(READ_TOKEN), scopes: ['read'] }] }) });
    ds = first(load('datasources/tollgate.yaml', { TOLLGATE_GRAFANA_TOKEN: READ_TOKEN })['datasources'], 'datasources');
  });
  afterAll(async () => {
    await tg?.cleanup();
  });
  /** The datasource's URL and header, pointed at this Tollgate's port. */
  const asGrafana = (route: string, form?: Record<string, string>, withHeader = true): Promise<Response> => {
    const url = String(ds['url']).replace('http://tollgate:8080', tg.apiUrl) + route;
    const jsonData = obj(ds['jsonData'], 'jsonData');
    const headers: Record<string, string> = withHeader ? { [String(jsonData['httpHeaderName1'])]: String(obj(ds['secureJsonData'], 'secureJsonData')['httpHeaderValue1']) } : {};
    if (form === undefined) return fetch(url, { headers });
    return fetch(url, { method: String(jsonData['httpMethod']), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  };

  it('queries with the provisioned header and is refused without it', async () => {
    const ok = await asGrafana('/api/v1/query', { query: 'count(sloth_slo_info)' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'success', data: { result: [{ value: [expect.any(Number), '4'] }] } });
    expect((await asGrafana('/api/v1/status/buildinfo')).status).toBe(200);
    expect((await asGrafana('/api/v1/query', { query: 'up' }, false)).status).toBe(401);
  });

  it('turns an exemplar\'s trace_id into a link to Tollgate\'s trace page', async () => {
    const destination = first(obj(ds['jsonData'], 'jsonData')['exemplarTraceIdDestinations'], 'exemplarTraceIdDestinations');
    const link = String(destination['url']).replace('${__value.raw}', '4bf92f3577b34da6a3ce929d0e0e4736').replace('http://tollgate:8080', tg.apiUrl);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
