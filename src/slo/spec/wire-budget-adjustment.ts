/**
 * @module slo/spec/wire-budget-adjustment
 * The `kind: BudgetAdjustment` document as written in files:
 *
 *   spec:
 *     slos: [checkout-availability]          # or {matchLabels: {team: payments}}
 *     reason: planned database migration
 *     exclude: {from: "2026-12-01T02:00:00Z", to: "2026-12-01T03:00:00Z"}
 *     #    or: {every: week, on: [sunday], at: "02:00", for: 2h, timeZone: Europe/Berlin}
 *     #    or: {cron: "0 2 * * 0", for: 2h, timeZone: Europe/Berlin}
 *
 * Every time is whole minutes, since recorded SLO numbers are minutes: a bound inside a minute would
 * have to either count or drop that minute's events, and a file should say which.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { fail, ok, type Parsed } from './parsed.js';
import { checkTimeZone } from './wire-slo.js';
import { API_VERSION, durationSeconds, metadata, nonEmptyString, stringMap } from './wire-common.js';

/** RFC 3339 with an explicit offset: a time without one would be read in whatever zone the server runs in. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Unix seconds of a whole minute, from `2026-12-01T02:00:00Z`. */
export function parseMinuteTimestamp(input: unknown, field: string): Parsed<number> {
  if (typeof input !== 'string' || !TIMESTAMP.test(input) || Number.isNaN(Date.parse(input))) {
    return fail(`${field} must be a time like "2026-12-01T02:00:00Z" (RFC 3339, with Z or an offset), got ${describeValue(input)}`);
  }
  const ms = Date.parse(input);
  if (ms % 60_000 !== 0) return fail(`${field} must be a whole minute (recorded SLO numbers are minutes), got ${describeValue(input)}`);
  return ok(ms / 1000);
}

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `"02:00"` to [hour, minute]. */
export function parseClock(input: unknown): Parsed<[number, number]> {
  const m = typeof input === 'string' ? CLOCK.exec(input) : null;
  if (m === null) return fail(`at must be a time of day like "02:00" (24-hour, quoted), got ${describeValue(input)}`);
  return ok([Number(m[1]), Number(m[2])]);
}

/** Five fields (minute hour day-of-month month day-of-week), as crontab and Kubernetes CronJobs write them. */
export function checkCron(input: string): string | null {
  const fields = input.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `cron must have five fields (minute hour day-of-month month day-of-week), like "0 2 * * 0", got ${describeValue(input)}`;
  }
  try {
    new Cron(input, { paused: true });
    return null;
  } catch (e) {
    return `cron ${describeValue(input)} is not valid: ${e instanceof Error ? e.message.replace(/^CronPattern: /, '') : String(e)}`;
  }
}

/** The longest an occurrence or a window may last: a budget adjustment is an exception, not a second period. */
export const MAX_EXCLUSION_SECONDS = 31 * 86_400;

const wholeMinutes = (field: string) =>
  durationSeconds(field, '2h').superRefine((s, ctx) => {
    if (s % 60 !== 0) ctx.addIssue({ code: 'custom', input: s, message: `${field} must be whole minutes, got ${s} s` });
    else if (s > MAX_EXCLUSION_SECONDS) ctx.addIssue({ code: 'custom', input: s, message: `${field} must be at most 31d, got ${s / 86_400} days` });
  });

const exclude = z
  .strictObject({
    from: z.unknown().optional(),
    to: z.unknown().optional(),
    every: z.enum(['day', 'week', 'month']).optional(),
    on: z.array(z.union([z.string(), z.number()])).optional(),
    at: z.unknown().optional(),
    cron: z.string().optional(),
    for: wholeMinutes('for').optional(),
    timeZone: z.string().optional(),
  })
  .superRefine((e, ctx) => {
    // Each issue points at a field that is present (issue-problems.ts), so the position is what the user wrote.
    const issue = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], input: e, message });
    };
    const shapes = [e.from !== undefined || e.to !== undefined ? 'from/to' : null, e.every !== undefined ? 'every' : null, e.cron !== undefined ? 'cron' : null]
      .filter((s): s is string => s !== null);
    if (shapes.length !== 1) {
      ctx.addIssue({ code: 'custom', input: e, message: `exclude needs exactly one of {from, to}, {every, at, for} or {cron, for}, got ${shapes.length === 0 ? 'none' : shapes.join(' and ')}` });
      return;
    }
    if (e.timeZone !== undefined) {
      const message = checkTimeZone(e.timeZone);
      if (message !== null) issue('timeZone', message);
    }
    if (shapes[0] === 'from/to') {
      for (const key of ['on', 'at', 'for', 'timeZone'] as const) if (e[key] !== undefined) issue(key, `${key} applies only to a recurring exclude (every or cron); from/to are exact times`);
      if (e.from === undefined) return issue('to', 'exclude with to also needs from');
      if (e.to === undefined) return issue('from', 'exclude with from also needs to');
      const from = parseMinuteTimestamp(e.from, 'from');
      const to = parseMinuteTimestamp(e.to, 'to');
      if (!from.ok) issue('from', from.message);
      if (!to.ok) issue('to', to.message);
      if (from.ok && to.ok) {
        if (to.value <= from.value) issue('to', 'to must be after from');
        else if (to.value - from.value > MAX_EXCLUSION_SECONDS) issue('to', `from/to may span at most 31 days, got ${((to.value - from.value) / 86_400).toFixed(1)}`);
      }
      return;
    }
    if (e.for === undefined) {
      ctx.addIssue({ code: 'custom', input: e, message: `a recurring exclude needs for (how long each occurrence lasts, like 2h)` });
    }
    if (shapes[0] === 'cron') {
      for (const key of ['on', 'at'] as const) if (e[key] !== undefined) issue(key, `${key} applies only to an every: exclude; a cron expression says when itself`);
      const message = checkCron(e.cron!);
      if (message !== null) issue('cron', message);
      return;
    }
    if (e.at === undefined) ctx.addIssue({ code: 'custom', input: e, message: 'exclude with every also needs at (a time of day like "02:00")' });
    else {
      const clock = parseClock(e.at);
      if (!clock.ok) issue('at', clock.message);
    }
    const on = parseOn(e.every!, e.on);
    if (!on.ok) issue(e.on === undefined ? 'every' : 'on', on.message);
  });

/** `on` for each `every`: weekdays for week (required), days of the month for month (required), nothing for day. */
export function parseOn(every: 'day' | 'week' | 'month', on: ReadonlyArray<string | number> | undefined): Parsed<string> {
  switch (every) {
    case 'day':
      return on === undefined ? ok('*') : fail('on does not apply to every: day (every day is every day)');
    case 'week': {
      if (on === undefined || on.length === 0) return fail('every: week needs on: a list of weekdays like [sunday]');
      const days: number[] = [];
      for (const d of on) {
        const i = typeof d === 'string' ? WEEKDAYS.findIndex((w) => w === d.toLowerCase() || w.slice(0, 3) === d.toLowerCase()) : -1;
        if (i < 0) return fail(`on must list weekdays (monday … sunday), got ${describeValue(d)}`);
        days.push(i);
      }
      return ok([...new Set(days)].sort((a, b) => a - b).join(','));
    }
    case 'month': {
      if (on === undefined || on.length === 0) return fail('every: month needs on: a list of days of the month like [1, 15]');
      for (const d of on) if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 31) return fail(`on must list days of the month from 1 to 31, got ${describeValue(d)}`);
      return ok([...new Set(on as number[])].sort((a, b) => a - b).join(','));
    }
    default:
      return assertNever(every);
  }
}

const sloNames = z.array(z.string()).superRefine((names, ctx) => {
  if (names.length === 0) ctx.addIssue({ code: 'custom', input: names, message: 'slos must name at least one SLO' });
});

const sloSelector = z.strictObject({
  matchLabels: stringMap.superRefine((labels, ctx) => {
    // An empty selector would exclude these minutes from every SLO, including ones added later by other teams.
    if (Object.keys(labels).length === 0) ctx.addIssue({ code: 'custom', input: labels, message: 'matchLabels must name at least one label' });
  }),
});

export const budgetAdjustmentDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('BudgetAdjustment'),
  metadata,
  spec: z.strictObject({
    slos: z.union([sloNames, sloSelector], {
      error: (issue) => `must be a list of SLO names or {matchLabels: {...}}, got ${describeValue(issue.input)}`,
    }),
    reason: nonEmptyString('reason'),
    exclude,
  }),
});

export type WireBudgetAdjustment = z.output<typeof budgetAdjustmentDocument>;

function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
