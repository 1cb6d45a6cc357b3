/**
 * @module slo/spec/wire-gate-policy
 * The `kind: GatePolicy` document as written in files.
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { fail, ok, type Parsed } from './parsed.js';
import { API_VERSION, checkedNumber, durationSeconds, metadata, nonEmptyString, parsedField, stringMap } from './wire-common.js';

const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/** `15%` or `0.15` to 0.15. A bare 15 is refused rather than guessed: it is either 15 % or a typo. */
export function parseBudgetFraction(input: unknown): Parsed<number> {
  if (typeof input === 'number') {
    if (input >= 0 && input <= 1) return ok(input);
    if (input > 1 && input <= 100) {
      return fail(`min_budget_remaining is a fraction or a percent: write ${input}% or ${input / 100}, got ${input}`);
    }
  }
  if (typeof input === 'string') {
    const digits = PERCENT.exec(input.trim())?.[1];
    const percent = digits === undefined ? NaN : Number(digits);
    if (percent >= 0 && percent <= 100) return ok(percent / 100);
  }
  return fail(`min_budget_remaining must be a percent like 15% or a fraction from 0 to 1, got ${describeValue(input)}`);
}

const sloNames = z.array(z.string()).superRefine((names, ctx) => {
  if (names.length === 0) ctx.addIssue({ code: 'custom', input: names, message: 'slos must name at least one SLO' });
});

const sloSelector = z.strictObject({
  matchLabels: stringMap.superRefine((labels, ctx) => {
    // An empty selector would select every SLO, including ones added later by other teams.
    if (Object.keys(labels).length === 0) {
      ctx.addIssue({ code: 'custom', input: labels, message: 'matchLabels must name at least one label' });
    }
  }),
});

const compare = z.strictObject({
  max_ratio_increase: checkedNumber((r) => (r >= 1 ? null : `max_ratio_increase must be 1 or more, got ${r}`)).optional(),
  min_events: checkedNumber((n) => (n >= 0 ? null : `min_events must be 0 or more, got ${n}`), { isInteger: true }).optional(),
  significance: checkedNumber((s) => (s > 0 && s < 1 ? null : `significance must be between 0 and 1 (exclusive), got ${s}`)).optional(),
});

const policySpec = z
  .strictObject({
    app: nonEmptyString('app'),
    environment: nonEmptyString('environment'),
    slos: z.union([sloNames, sloSelector], {
      error: (issue) => `must be a list of SLO names or {matchLabels: {...}}, got ${describeValue(issue.input)}`,
    }),
    min_budget_remaining: parsedField(parseBudgetFraction).optional(),
    max_burn_rate: checkedNumber((r) => (r > 0 ? null : `max_burn_rate must be above 0, got ${r}`)).optional(),
    burn_rate_window: durationSeconds('burn_rate_window', '1h').optional(),
    compare: compare.optional(),
    no_data: z.enum(['allow', 'deny', 'wait']).optional(),
    dry_run: z.boolean().optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.burn_rate_window !== undefined && spec.max_burn_rate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['burn_rate_window'], input: spec, message: 'burn_rate_window applies only with max_burn_rate' });
    }
  });

export const gatePolicyDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('GatePolicy'),
  metadata,
  spec: policySpec,
});

export type WireGatePolicy = z.output<typeof gatePolicyDocument>;
