/**
 * @module slo/spec/promql-template
 * PromQL SLI queries as Sloth writes them, with `{{.window}}` standing for the window evaluated:
 * checking them when a file loads, filling in a window when the engine evaluates, and giving
 * OpenSLO's window-less counter queries a window. Pure.
 */
import { documentedType, instantVectorSelectors, parsePromql, PromqlError, valueTypeOf } from '../../promql/index.js';
import { fail, ok, type Parsed } from './parsed.js';

/** Sloth renders the query with Go's text/template; `{{ .window }}` is the same placeholder. */
const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;
const ANY_PLACEHOLDER = /\{\{[\s\S]*?\}\}/;

export function fillWindow(template: string, window: string): string {
  return template.replace(WINDOW_PLACEHOLDER, window);
}

export function hasWindowPlaceholder(template: string): boolean {
  return template.search(WINDOW_PLACEHOLDER) !== -1;
}

/** The template as an expression Tollgate can evaluate, or what is wrong with it. */
export function checkPromqlTemplate(template: string): Parsed<string> {
  const filled = fillWindow(template, '5m');
  const other = ANY_PLACEHOLDER.exec(filled);
  if (other !== null) return fail(`only the {{.window}} placeholder is supported, found ${other[0]}`);
  let type: ReturnType<typeof valueTypeOf>;
  try {
    type = valueTypeOf(parsePromql(filled));
  } catch (e) {
    if (e instanceof PromqlError) return fail(`invalid PromQL (with {{.window}} as 5m): ${e.message}`);
    throw e;
  }
  if (type !== 'vector' && type !== 'scalar') return fail(`the query must return an instant vector or a scalar, it returns a ${documentedType(type)}`);
  return ok(template);
}

/**
 * A query without a window, as OpenSLO writes them (`sum(http_requests{code="200"})`), made into
 * a template: each selector read at an instant becomes `<fn>(<selector>[{{.window}}])`. `increase`
 * for counters keeps Prometheus' per-series reset handling, which a subquery over the sum would lose.
 */
export function windowQuery(query: string, fn: 'increase' | 'avg_over_time'): Parsed<string> {
  let selectors;
  try {
    selectors = instantVectorSelectors(parsePromql(query));
  } catch (e) {
    if (e instanceof PromqlError) return fail(`invalid PromQL: ${e.message}`);
    throw e;
  }
  if (selectors.length === 0) return fail('the query selects no series to count over a window');
  const modified = selectors.find((s) => s.offsetMs !== 0 || s.at !== undefined);
  if (modified !== undefined) {
    return fail(`cannot add a window to "${query.slice(modified.pos.start, modified.pos.end)}" (offset or @); write the query with {{.window}}`);
  }
  let out = query;
  // From the end, so earlier positions stay valid.
  for (const s of [...selectors].sort((a, b) => b.pos.start - a.pos.start)) {
    out = `${out.slice(0, s.pos.start)}${fn}(${out.slice(s.pos.start, s.pos.end)}[{{.window}}])${out.slice(s.pos.end)}`;
  }
  return checkPromqlTemplate(out);
}
