/**
 * @module series/matchers
 * Label matchers with Prometheus' semantics: a missing label is the empty string, regular
 * expressions are fully anchored RE2. The same rules in TypeScript (the final word on every series)
 * and as ClickHouse conditions pushed into the queries (ClickHouse's `match` is RE2 too, and a
 * missing Map key reads as '', so pushed conditions keep the semantics).
 */
import { matchesAll as promqlMatchesAll } from '../promql/matchers.js';
import type { Labels, LabelMatcher } from './types.js';

/** The evaluator's own matcher semantics (promql/matchers), with the selector first. */
export const matchesAll = (matchers: readonly LabelMatcher[], labels: Labels): boolean => promqlMatchesAll(labels, matchers);

/** The value a matcher on `__name__` pins, if it pins one. */
export function metricNameOf(matchers: readonly LabelMatcher[]): string | undefined {
  return matchers.find((m) => m.name === '__name__' && m.type === '=')?.value;
}

/**
 * A ClickHouse condition for one matcher on an SQL expression, with its parameter added to
 * `params` under `key`. Values are always parameters, never SQL text.
 */
export function matcherCondition(m: LabelMatcher, expression: string, params: Record<string, unknown>, key: string): string {
  switch (m.type) {
    case '=':
      params[key] = m.value;
      return `${expression} = {${key}:String}`;
    case '!=':
      params[key] = m.value;
      return `${expression} != {${key}:String}`;
    case '=~':
      params[key] = `^(?:${m.value})$`;
      return `match(${expression}, {${key}:String})`;
    case '!~':
      params[key] = `^(?:${m.value})$`;
      return `NOT match(${expression}, {${key}:String})`;
  }
}
