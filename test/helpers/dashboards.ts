/**
 * The shipped Grafana dashboards as Grafana reads them: their panels, template variables and
 * queries, and the substitution of variables and Grafana's built-ins. Used by the dashboard test
 * and bench/mixed (which sends their queries as Grafana would).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { arr, obj, str, type Obj } from './narrow.js';
import { REPO_ROOT } from './tollgate.js';

export const DASHBOARD_DIR = path.join(REPO_ROOT, 'dashboards');
export const STEP_SECONDS = 60;
/**
 * What Grafana puts in for its built-in variables with a 1 h range, a 60 s step and the
 * datasource's scrape interval of 1m (deploy/grafana/datasources/tollgate.yaml):
 * $__rate_interval = max($__interval + scrape interval, 4 × scrape interval).
 */
export const BUILT_INS: Readonly<Record<string, string>> = { __rate_interval: '4m', __interval: '1m', __range: '1h', __range_s: '3600' };

// ---------------------------------------------------------------------------------------------

export interface Dashboard { file: string; json: Obj }
export interface Variable { name: string; query: string; allValue: string | undefined }
export interface Query { dashboard: string; where: string; expr: string; exemplar: boolean; rangeOnly: boolean }

export const dashboards: Dashboard[] = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json')).sort()
  .map((file) => ({ file, json: obj(JSON.parse(readFileSync(path.join(DASHBOARD_DIR, file), 'utf8')) as unknown, file) }));

/** Every panel, rows' nested panels included. */
export function panelsOf(d: Dashboard): Obj[] {
  return arr(d.json['panels'], `${d.file}: panels`).flatMap((p, i) => {
    const panel = obj(p, `${d.file}: panels[${i}]`);
    return [panel, ...(panel['panels'] === undefined ? [] : arr(panel['panels'], `${d.file}: panels[${i}].panels`).map((c, j) => obj(c, `${d.file}: panels[${i}].panels[${j}]`)))];
  });
}

export function variablesOf(d: Dashboard): Variable[] {
  return arr(obj(d.json['templating'], `${d.file}: templating`)['list'], `${d.file}: templating.list`).flatMap((v, i) => {
    const variable = obj(v, `${d.file}: templating.list[${i}]`);
    if (variable['type'] !== 'query') return [];
    const q = variable['query'];
    const query = typeof q === 'string' ? q : str(obj(q, `${d.file}: ${String(variable['name'])}.query`)['query'], `${d.file}: ${String(variable['name'])}.query.query`);
    const isAll = variable['includeAll'] === true;
    return [{ name: str(variable['name'], `${d.file}: templating.list[${i}].name`), query, allValue: isAll ? str(variable['allValue'], `${d.file}: ${String(variable['name'])}.allValue`) : undefined }];
  });
}

export function queriesOf(d: Dashboard): Query[] {
  const fromPanels = panelsOf(d).flatMap((p) => (p['targets'] === undefined ? [] : arr(p['targets'], `${d.file}: ${String(p['title'])}.targets`)).map((t) => {
    const target = obj(t, `${d.file}: ${String(p['title'])}`);
    return {
      dashboard: d.file,
      where: `${String(p['title'])} [${String(target['refId'])}]`,
      expr: str(target['expr'], `${d.file}: ${String(p['title'])}.expr`),
      exemplar: target['exemplar'] === true,
      rangeOnly: false,
    };
  }));
  // Grafana runs annotation queries as range queries only.
  const annotations = arr(obj(d.json['annotations'], `${d.file}: annotations`)['list'], `${d.file}: annotations.list`).map((a, i) => {
    const annotation = obj(a, `${d.file}: annotations.list[${i}]`);
    return { dashboard: d.file, where: `annotation ${String(annotation['name'])}`, expr: str(annotation['expr'], `${d.file}: annotation expr`), exemplar: false, rangeOnly: true };
  });
  return [...fromPanels, ...annotations];
}


/** A dashboard query with its template variables and Grafana's built-ins put in; throws on one left over. */
export function substitute(expr: string, vars: ReadonlyMap<string, string>): string {
  const out = expr.replace(/\$\{(\w+)(?::[^}]*)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string; // one of the two groups always matches
    return BUILT_INS[name] ?? vars.get(name) ?? whole;
  });
  if (out.includes('$')) throw new Error(`unresolved variable in ${out}`);
  return out;
}

/**
 * Grafana's `label_values(selector, label)`: the label's values among the series the selector
 * matches over the hour before `nowMs`, from Tollgate's Prometheus API at `apiUrl`.
 */
export async function labelValues(apiUrl: string, nowMs: number, query: string, vars: ReadonlyMap<string, string>): Promise<string[]> {
  const m = /^label_values\((?:(.+),\s*)?([a-zA-Z_]\w*)\)$/.exec(query.trim());
  if (m === null) throw new Error(`not a label_values() query: ${query}`);
  const params = new URLSearchParams({ start: String(nowMs / 1000 - 3_600), end: String(nowMs / 1000) });
  if (m[1] !== undefined) params.append('match[]', substitute(m[1], vars));
  const body = (await (await fetch(`${apiUrl}/api/v1/label/${m[2]}/values?${params.toString()}`)).json()) as { data?: unknown };
  return arr(body.data, `label_values ${query}`).map((v) => str(v, 'label value'));
}

/** Every variable of a dashboard as Grafana defaults it: "All" when offered (its allValue), else the first value. */
export async function defaultVariables(apiUrl: string, nowMs: number, d: Dashboard): Promise<Map<string, string>> {
  const vars = new Map<string, string>();
  for (const v of variablesOf(d)) {
    const options = await labelValues(apiUrl, nowMs, v.query, vars);
    if (options.length === 0) throw new Error(`${d.file}: no values for $${v.name} (${v.query})`);
    vars.set(v.name, v.allValue ?? (options[0] as string));
  }
  return vars;
}
