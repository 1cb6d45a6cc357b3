/**
 * @module slo/spec/issue-problems
 * Zod issues to problems at the spot in the file: an unknown field at its key, a wrong value at the value,
 * a missing field at the mapping that lacks it.
 *
 * Rule: an issue whose path is not written in the file is about a missing field. Refinements in the
 * schemas therefore always point at a field that is present (see `wire-slo.ts`).
 */
import type { z } from 'zod';
import { describeValue } from './describe-value.js';
import type { Problem } from './problem.js';
import type { YamlLocator, YamlPath } from './yaml-locator.js';

type Issue = z.core.$ZodIssue;

export function problemsFromIssues(issues: readonly Issue[], at: YamlLocator): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) collect(issue, [], at, problems);
  return problems;
}

function collect(issue: Issue, prefix: YamlPath, at: YamlLocator, out: Problem[]): void {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) out.push({ ...at.keyAt([...path, key]), message: `unknown field "${key}"` });
    return;
  }
  if (!at.has(path)) {
    out.push({ ...at.valueAt(path), message: `missing required field "${String(path.at(-1))}"` });
    return;
  }
  if (issue.code === 'invalid_union') {
    // Nested issue paths are relative to the union. Options whose only complaint is the value's type at the
    // union's own spot did not apply; if one option applied, its complaints are the precise ones.
    const applicable = issue.errors.filter((option) => !option.every((i) => i.code === 'invalid_type' && i.path.length === 0));
    const [only] = applicable;
    if (applicable.length === 1 && only !== undefined) {
      for (const nested of only) collect(nested, path, at, out);
      return;
    }
    out.push({ ...at.valueAt(path), message: `${displayPath(path)} ${issue.message}` });
    return;
  }
  out.push({ ...at.valueAt(path), message: messageFor(issue, path) });
}

function messageFor(issue: Issue, path: YamlPath): string {
  switch (issue.code) {
    case 'invalid_type':
      return `${displayPath(path)} must be ${expectedText(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const rule = allowed.length === 1 ? `be ${allowed[0]}` : `be one of ${allowed.join(', ')}`;
      return `${displayPath(path)} must ${rule}, got ${describeValue(issue.input)}`;
    }
    case 'custom':
      // Our own refinements write whole sentences that name the field.
      return issue.message;
    default:
      return `${displayPath(path)}: ${issue.message}`;
  }
}

const EXPECTED_TEXT: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

const expectedText = (expected: string): string => EXPECTED_TEXT[expected] ?? expected;

/** `spec.sli.spans.bad.http_status[1]` */
export function displayPath(path: YamlPath): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : `${text === '' ? '' : '.'}${String(segment)}`;
  }
  return text === '' ? 'document' : text;
}
