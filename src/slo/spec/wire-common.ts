/**
 * @module slo/spec/wire-common
 * Zod pieces shared by the SLO and GatePolicy file schemas. Every check carries a message a user can act on;
 * `issue-problems.ts` turns them into positioned problems.
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { MS_PER_SECOND, parseDurationMs } from './duration.js';
import { fail, ok, type Parsed } from './parsed.js';

export const API_VERSION = 'tollgate.dev/v1';
/** Any other version in Tollgate's group is a typo or a newer file, never a foreign tool's document. */
export const API_GROUP_PREFIX = 'tollgate.dev/';

/** A field whose value a plain function checks and converts (durations, percents, severities). */
export function parsedField<T>(parse: (input: unknown) => Parsed<T>) {
  return z.unknown().transform((input, ctx): T => {
    const result = parse(input);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message, path: result.path, input });
    return z.NEVER;
  });
}

/** A number checked by `check`, which returns the message for a bad value or null. */
export function checkedNumber(check: (n: number) => string | null, options: { isInteger?: boolean } = {}) {
  const base = options.isInteger === true ? z.int() : z.number();
  return base.superRefine((n, ctx) => {
    const message = check(n);
    if (message !== null) ctx.addIssue({ code: 'custom', message, input: n });
  });
}

export function nonEmptyString(field: string) {
  return z.string().superRefine((s, ctx) => {
    if (s.trim() === '') ctx.addIssue({ code: 'custom', message: `${field} must not be empty`, input: s });
  });
}

/** Positive duration in milliseconds: `duration_over: 300ms`. */
export function durationMs(field: string, example: string) {
  return parsedField((input) => parseDurationField(input, field, example));
}

/** Positive duration in whole seconds, for windows: `long: 1h`. */
export function durationSeconds(field: string, example: string) {
  return parsedField((input): Parsed<number> => {
    const ms = parseDurationField(input, field, example);
    if (!ms.ok) return ms;
    if (ms.value % MS_PER_SECOND !== 0) {
      return fail(`${field} must be whole seconds, got ${describeValue(input)}`);
    }
    return ok(ms.value / MS_PER_SECOND);
  });
}

export function parseDurationField(input: unknown, field: string, example: string): Parsed<number> {
  const ms = typeof input === 'string' ? parseDurationMs(input) : null;
  if (ms === null) {
    return fail(`${field} must be a duration like ${example} (units ms, s, m, h, d, w), got ${describeValue(input)}`);
  }
  return ok(ms);
}

// Kubernetes-style (RFC 1123 label): names end up in URLs, metric labels and decision records.
const NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export const resourceName = z.string().superRefine((s, ctx) => {
  if (!NAME.test(s)) {
    ctx.addIssue({
      code: 'custom',
      input: s,
      message: `name must be lowercase letters, digits and "-", start and end with a letter or digit, at most 63 characters (like checkout-availability), got ${describeValue(s)}`,
    });
  }
});

/**
 * Labels, attributes and matchers: string values, but `tier: 1` or `canary: true` are accepted as the strings
 * "1" and "true", since storage compares strings (the OTel ClickHouse schema keeps attributes as Map(String, String)).
 */
export const stringMap = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()], {
    // Union messages are predicates; issue-problems.ts puts the field's path in front.
    error: (issue) => `must be a string, number or true/false, got ${describeValue(issue.input)}`,
  }).transform((v) => String(v)),
);

export const metadata = z.strictObject({
  name: resourceName,
  labels: stringMap.optional(),
});

/** Exactly one of `keys` is set; the message points at the mapping holding them. */
export function exactlyOneOf(owner: string, keys: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length === 1) return;
    const got = present.length === 0 ? 'none' : present.join(', ');
    ctx.addIssue({ code: 'custom', input: value, message: `${owner} needs exactly one of ${keys.join(', ')}, got ${got}` });
  };
}
