/**
 * @module series/matchers
 * Label matchers with Prometheus' semantics: a missing label is the empty string, regular
 * expressions are fully anchored RE2. The same rules in TypeScript (the final word on every series)
 * and as ClickHouse conditions pushed into the queries (ClickHouse's `match` is RE2 too, and a
 * missing Map key reads as '', so pushed conditions keep the semantics).
 */
import type { Labels, LabelMatcher } from './types.js';

const compiled = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    // JavaScript's RegExp differs from RE2 in corners (lookarounds, backreferences) that RE2 rejects;
    // the API rejects those before they get here, so the two agree on what they both accept.
    re = new RegExp(`^(?:${pattern})$`, 's');
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

export function matches(m: LabelMatcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return anchored(m.value).test(value);
    case '!~':
      return !anchored(m.value).test(value);
  }
}

export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  return matchers.every((m) => matches(m, labels[m.name] ?? ''));
}

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
