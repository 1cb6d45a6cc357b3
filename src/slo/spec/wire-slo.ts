/**
 * @module slo/spec/wire-slo
 * The `kind: SLO` document as written in files (snake_case, percent objectives, duration strings).
 * Strict objects throughout: a misspelt optional field would otherwise be silently ignored.
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { MS_PER_DAY, parseDurationMs } from './duration.js';
import { parseHttpStatus } from './http-status.js';
import { fail, ok, type Parsed } from './parsed.js';
import { parseSeverity } from './severity.js';
import {
  API_VERSION,
  checkedNumber,
  durationMs,
  durationSeconds,
  exactlyOneOf,
  metadata,
  nonEmptyString,
  parsedField,
  stringMap,
} from './wire-common.js';

export function checkObjective(n: number): string | null {
  // Pyrra's lesson: people coming from ratios write 0.999; read as a percent that is a 0.1 % objective.
  if (n > 0 && n < 1) {
    return `objective is a percent: ${n} means ${n} %, write ${roundForDisplay(n * 100)} for ${roundForDisplay(n * 100)} %`;
  }
  if (!(n > 0 && n < 100)) return `objective must be between 0 and 100 (exclusive), got ${n}`;
  return null;
}

/** 0.999 * 100 is 99.89999999999999 in floating point; a hint should say 99.9. */
const roundForDisplay = (n: number): number => Number(n.toPrecision(12));

export function parseRollingPeriod(input: string): Parsed<number> {
  const ms = parseDurationMs(input);
  if (ms === null) return fail(`period must be whole days like 30d, or {calendar: month|week}, got ${describeValue(input)}`);
  // Rolling windows are whole days so that every evaluation covers the same calendar-independent span.
  if (ms % MS_PER_DAY !== 0) return fail(`period must be whole days (like 7d, 28d, 30d), got ${describeValue(input)}`);
  return ok(ms / MS_PER_DAY);
}

export function checkTimeZone(timeZone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return null;
  } catch {
    return `timeZone must be an IANA time zone like UTC or Europe/Berlin, got ${describeValue(timeZone)}`;
  }
}

const calendarPeriod = z.strictObject({
  calendar: z.enum(['month', 'week']),
  timeZone: z.string().superRefine((tz, ctx) => {
    const message = checkTimeZone(tz);
    if (message !== null) ctx.addIssue({ code: 'custom', message, input: tz });
  }).optional(),
});

const period = z.union(
  [
    z.string().transform((s, ctx): number => {
      const days = parseRollingPeriod(s);
      if (days.ok) return days.value;
      ctx.addIssue({ code: 'custom', message: days.message, input: s });
      return z.NEVER;
    }),
    calendarPeriod,
  ],
  { error: (issue) => `must be whole days like 30d, or {calendar: month|week, timeZone: UTC}, got ${describeValue(issue.input)}` },
);

const severity = (field: string) => parsedField((input) => parseSeverity(input, field));

const spans = z.strictObject({
  match: z
    .strictObject({
      kind: z.enum(['server', 'client', 'producer', 'consumer', 'internal']).optional(),
      name: nonEmptyString('name').optional(),
      environment: nonEmptyString('environment').optional(),
      attributes: stringMap.optional(),
    })
    .optional(),
  bad: z
    .strictObject({
      status: z.literal('error').optional(),
      http_status: parsedField(parseHttpStatus).optional(),
      duration_over: durationMs('duration_over', '300ms').optional(),
    })
    .superRefine(exactlyOneOf('bad', ['status', 'http_status', 'duration_over'])),
});

const logs = z.strictObject({
  match: z
    .strictObject({
      severity_at_least: severity('severity_at_least').optional(),
      attributes: stringMap.optional(),
      body_contains: nonEmptyString('body_contains').optional(),
    })
    .optional(),
  bad: z.strictObject({ severity_at_least: severity('severity_at_least') }),
});

// Also the characters PromQL and SQL generation may rely on: no quotes, braces or spaces.
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:./-]*$/;

const metricSelector = z.strictObject({
  metric: z.string().superRefine((s, ctx) => {
    if (!METRIC_NAME.test(s)) {
      ctx.addIssue({ code: 'custom', input: s, message: `metric must be a metric name like http_requests_total, got ${describeValue(s)}` });
    }
  }),
  matchers: stringMap.optional(),
});

const METRIC_SHAPES = [['good', 'total'], ['bad', 'total'], ['histogram', 'threshold']] as const;

const metrics = z
  .strictObject({
    good: metricSelector.optional(),
    bad: metricSelector.optional(),
    total: metricSelector.optional(),
    histogram: metricSelector.optional(),
    threshold: durationMs('threshold', '300ms').optional(),
  })
  .superRefine((value, ctx) => {
    const present = Object.keys(value).filter((k) => value[k as keyof typeof value] !== undefined).sort();
    const isKnownShape = METRIC_SHAPES.some((shape) => [...shape].sort().join() === present.join());
    if (!isKnownShape) {
      ctx.addIssue({
        code: 'custom',
        input: value,
        message: `metrics needs {good, total}, {bad, total} or {histogram, threshold}, got {${present.join(', ')}}`,
      });
    }
  });

const sli = z
  .strictObject({ spans: spans.optional(), logs: logs.optional(), metrics: metrics.optional() })
  .superRefine(exactlyOneOf('sli', ['spans', 'logs', 'metrics']));

const timeslice = z.strictObject({
  window: durationSeconds('window', '1m'),
  target: checkedNumber((t) => {
    if (t > 1 && t < 100) return `target is a fraction (OpenSLO timeslices): write ${roundForDisplay(t / 100)} for ${t} %`;
    return t > 0 && t < 1 ? null : `target must be between 0 and 1 (exclusive), got ${t}`;
  }),
});

const alertWindow = z
  .strictObject({
    severity: z.enum(['page', 'ticket']),
    short: durationSeconds('short', '5m'),
    long: durationSeconds('long', '1h'),
    budget_percent: checkedNumber((p) => (p > 0 && p <= 100 ? null : `budget_percent must be above 0 and at most 100, got ${p}`)),
  })
  .superRefine((w, ctx) => {
    if (w.short >= w.long) {
      ctx.addIssue({ code: 'custom', path: ['short'], input: w, message: 'short window must be shorter than the long window' });
    }
  });

const alerting = z.strictObject({
  min_events: checkedNumber((n) => (n >= 0 ? null : `min_events must be 0 or more, got ${n}`), { isInteger: true }).optional(),
  windows: z
    .array(alertWindow)
    .superRefine((ws, ctx) => {
      if (ws.length === 0) ctx.addIssue({ code: 'custom', input: ws, message: 'windows must list at least one window (leave it out for the defaults)' });
    })
    .optional(),
});

const sloSpec = z
  .strictObject({
    service: nonEmptyString('service'),
    description: z.string().optional(),
    objective: checkedNumber(checkObjective),
    period,
    sli,
    budgeting: z.enum(['occurrences', 'timeslices']).optional(),
    timeslice: timeslice.optional(),
    alerting: alerting.optional(),
    depends_on: z.array(z.string()).optional(),
  })
  .superRefine((spec, ctx) => {
    // Each issue points at a field that is present, so the position is the field the user wrote.
    if (spec.budgeting === 'timeslices' && spec.timeslice === undefined) {
      ctx.addIssue({ code: 'custom', path: ['budgeting'], input: spec, message: 'budgeting: timeslices needs timeslice: {window: 1m, target: 0.95}' });
    }
    if (spec.budgeting !== 'timeslices' && spec.timeslice !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['timeslice'], input: spec, message: 'timeslice applies only with budgeting: timeslices' });
    }
  });

export const sloDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('SLO'),
  metadata,
  spec: sloSpec,
});

export type WireSlo = z.output<typeof sloDocument>;
