/** Label matcher semantics (Prometheus labels.Matcher): a missing label matches as "". */
import type { LabelMatcher } from './ast.js';
import { compileAnchored } from './regex.js';

export function matches(m: LabelMatcher, value: string): boolean {
  switch (m.type) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return compileAnchored(m.value).test(value);
    case '!~':
      return !compileAnchored(m.value).test(value);
  }
}

export const matchesAll = (labels: Readonly<Record<string, string>>, matchers: readonly LabelMatcher[]): boolean =>
  matchers.every((m) => matches(m, labels[m.name] ?? ''));

/** Whether a matcher also selects series that lack the label (Prometheus' Matcher.Matches("")). */
export const matchesEmpty = (m: LabelMatcher): boolean => matches(m, '');
