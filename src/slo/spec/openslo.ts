/**
 * @module slo/spec/openslo
 * OpenSLO v1 documents as Tollgate SLOs. An SLO may name its SLI (`indicatorRef`) and a metric
 * source may name a DataSource (`metricSourceRef`), in any file of the directory: documents are
 * read one by one into parts, and `resolveOpenSlo` joins them once every file is read.
 *
 * What Tollgate evaluates: `ratioMetric` SLIs whose sources are Prometheus queries, run by
 * Tollgate's PromQL engine over the stored metrics. A query with Sloth's `{{.window}}` is used as
 * written; a `counter: true` query without it counts `increase` over each window; a `raw` ratio
 * without it is averaged over the window. Each objective is an SLO (`<name>-<displayName>` when
 * there are several). Rolling windows of whole days; calendar windows of one week or one month
 * (aligned to the calendar in the given time zone; `startTime` is not used). Occurrences and
 * Timeslices budgeting. Everything else (other sources, thresholdMetric, composite objectives,
 * RatioTimeslices, quarters and years) is reported at its line, not guessed at.
 * DataSource, Service and alerting kinds load without being judged; alert policies are not
 * used (Tollgate's own burn-rate windows apply).
 */
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import { parseDurationMs } from './duration.js';
import { problemsFromIssues } from './issue-problems.js';
import type { Budgeting, PromqlSli, SloDefinition, SloPeriod } from './model.js';
import type { Problem, SourcePos } from './problem.js';
import { checkPromqlTemplate, hasWindowPlaceholder, windowQuery } from './promql-template.js';
import { checkTimeZone } from './wire-slo.js';
import { resourceName } from './wire-common.js';
import type { YamlLocator, YamlPath } from './yaml-locator.js';

export const OPENSLO_API_VERSION = 'openslo/v1';
const OTHER_KINDS = new Set(['Service', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget']);
const DEFAULT_PERIOD_DAYS = 30;

/** OpenSLO labels may hold a list of values; Tollgate's are strings, so a list is joined with ",". */
const labels = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(',') : String(v))));
const metadata = z.strictObject({
  name: z.string().min(1),
  displayName: z.string().optional(),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const metricSource = z.strictObject({
  metricSourceRef: z.string().optional(),
  type: z.string().optional(),
  // Each source type has its own fields; Prometheus' is `query`.
  spec: z.record(z.string(), z.unknown()),
});
const metric = z.strictObject({ metricSource });
const sliSpec = z.strictObject({
  description: z.string().optional(),
  thresholdMetric: metric.optional(),
  ratioMetric: z.strictObject({
    counter: z.boolean().optional(),
    good: metric.optional(),
    bad: metric.optional(),
    total: metric.optional(),
    rawType: z.enum(['success', 'failure']).optional(),
    raw: metric.optional(),
  }).optional(),
});
const inlineSli = z.strictObject({ metadata, spec: sliSpec });
const objective = z.strictObject({
  displayName: z.string().optional(),
  op: z.enum(['lte', 'gte', 'lt', 'gt']).optional(),
  value: z.number().optional(),
  target: z.number().optional(),
  targetPercent: z.number().optional(),
  timeSliceTarget: z.number().optional(),
  timeSliceWindow: z.union([z.string(), z.number()]).optional(),
  indicator: inlineSli.optional(),
  indicatorRef: z.string().optional(),
  compositeWeight: z.number().optional(),
});
const sloDocument = z.strictObject({
  apiVersion: z.literal(OPENSLO_API_VERSION),
  kind: z.literal('SLO'),
  metadata,
  spec: z.strictObject({
    description: z.string().optional(),
    service: z.string().min(1),
    indicator: inlineSli.optional(),
    indicatorRef: z.string().optional(),
    timeWindow: z.array(z.strictObject({
      duration: z.string(),
      isRolling: z.boolean().optional(),
      calendar: z.strictObject({ startTime: z.string(), timeZone: z.string() }).optional(),
    })).length(1, 'timeWindow must hold exactly one window').optional(),
    budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices']),
    objectives: z.array(objective).min(1, 'objectives must list at least one objective'),
    alertPolicies: z.array(z.unknown()).nullish(),
  }),
});
const sliDocument = z.strictObject({ apiVersion: z.literal(OPENSLO_API_VERSION), kind: z.literal('SLI'), metadata, spec: sliSpec });
const dataSourceDocument = z.strictObject({
  apiVersion: z.literal(OPENSLO_API_VERSION),
  kind: z.literal('DataSource'),
  metadata,
  spec: z.strictObject({ description: z.string().optional(), type: z.string(), connectionDetails: z.unknown() }),
});

type WireSlo = z.infer<typeof sloDocument>;
type WireSliSpec = z.infer<typeof sliSpec>;
type WireMetric = z.infer<typeof metric>;

/** One OpenSLO document, checked on its own; `at` locates paths inside it. */
export type OpenSloPart =
  | { kind: 'slo'; wire: WireSlo; at: YamlLocator }
  | { kind: 'sli'; name: string; spec: WireSliSpec; at: YamlLocator }
  | { kind: 'data-source'; name: string; type: string }
  | { kind: 'other' };

export function openSloPart(js: Record<string, unknown>, at: YamlLocator): { ok: true; part: OpenSloPart } | { ok: false; problems: Problem[] } {
  const check = <T>(schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; problems: Problem[] } => {
    const parsed = schema.safeParse(js, { reportInput: true });
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: problemsFromIssues(parsed.error.issues, at) };
  };
  switch (js['kind']) {
    case 'SLO': {
      const r = check(sloDocument);
      return r.ok ? { ok: true, part: { kind: 'slo', wire: r.value, at } } : r;
    }
    case 'SLI': {
      const r = check(sliDocument);
      return r.ok ? { ok: true, part: { kind: 'sli', name: r.value.metadata.name, spec: r.value.spec, at } } : r;
    }
    case 'DataSource': {
      const r = check(dataSourceDocument);
      return r.ok ? { ok: true, part: { kind: 'data-source', name: r.value.metadata.name, type: r.value.spec.type } } : r;
    }
    default:
      if (typeof js['kind'] === 'string' && OTHER_KINDS.has(js['kind'])) return { ok: true, part: { kind: 'other' } };
      return {
        ok: false,
        problems: [{ ...at.valueAt(['kind']), message: `unknown OpenSLO kind ${describeValue(js['kind'])}, expected SLO, SLI, DataSource, Service, AlertPolicy, AlertCondition or AlertNotificationTarget` }],
      };
  }
}

/** The SLOs of every OpenSLO SLO document, with their SLIs and data sources looked up by name. */
export function resolveOpenSlo(parts: readonly OpenSloPart[]): { slos: SloDefinition[]; problems: Problem[] } {
  const slis = new Map<string, { spec: WireSliSpec; at: YamlLocator }>();
  const dataSources = new Map<string, string>();
  for (const p of parts) {
    if (p.kind === 'sli') slis.set(p.name, p);
    if (p.kind === 'data-source') dataSources.set(p.name, p.type);
  }
  const slos: SloDefinition[] = [];
  const problems: Problem[] = [];
  for (const p of parts) {
    if (p.kind !== 'slo') continue;
    const r = sloFromOpenSlo(p.wire, p.at, slis, dataSources);
    if (r.ok) slos.push(...r.slos);
    else problems.push(...r.problems);
  }
  return { slos, problems };
}

class Unsupported extends Error {
  constructor(readonly at: SourcePos, message: string) {
    super(message);
  }
}

function sloFromOpenSlo(
  wire: WireSlo,
  at: YamlLocator,
  slis: ReadonlyMap<string, { spec: WireSliSpec; at: YamlLocator }>,
  dataSources: ReadonlyMap<string, string>,
): { ok: true; slos: SloDefinition[] } | { ok: false; problems: Problem[] } {
  const { spec } = wire;
  const stop = (path: YamlPath, message: string, where: YamlLocator = at): never => {
    throw new Unsupported(where.valueAt(path), message);
  };
  try {
    let indicator: { spec: WireSliSpec; at: YamlLocator; path: YamlPath };
    if (spec.indicator !== undefined) indicator = { spec: spec.indicator.spec, at, path: ['spec', 'indicator', 'spec'] };
    else if (spec.indicatorRef !== undefined) {
      const found = slis.get(spec.indicatorRef) ?? stop(['spec', 'indicatorRef'], `no OpenSLO SLI named "${spec.indicatorRef}" in the SLO directory`);
      indicator = { ...found, path: ['spec'] };
    } else {
      return stop(['spec'], spec.objectives.some((o) => o.indicator !== undefined || o.indicatorRef !== undefined)
        ? 'composite SLOs (an indicator per objective) are not supported'
        : 'an SLO needs indicator or indicatorRef');
    }
    const sli = promqlSli(indicator.spec, indicator.at, indicator.path, dataSources, stop);
    const period = periodOf(spec.timeWindow?.[0], (message) => stop(['spec', 'timeWindow', 0], message));
    const many = spec.objectives.length > 1;
    const slos = spec.objectives.map((o, i): SloDefinition => {
      const path = ['spec', 'objectives', i];
      const objectivePercent = objectivePercentOf(o, (message) => stop(path, message));
      const name = many ? `${wire.metadata.name}-${slug(o.displayName) || String(i + 1)}` : wire.metadata.name;
      if (!resourceName.safeParse(name).success) stop(['metadata', 'name'], `"${name}" is not a valid Tollgate SLO name (lowercase letters, digits and "-", at most 63 characters)`);
      return {
        name,
        labels: wire.metadata.labels ?? {},
        service: spec.service,
        description: spec.description ?? null,
        objectivePercent,
        period,
        sli,
        budgeting: budgetingOf(spec.budgetingMethod, o, (message) => stop(path, message)),
        // Queries return what the source returns (often rates), so an event minimum would mean nothing.
        alerting: { minEvents: 0, customWindows: null },
        dependsOn: [],
        source: at.valueAt(['metadata', 'name']),
        origin: { spec: OPENSLO_API_VERSION, shortName: name },
      };
    });
    return { ok: true, slos };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, problems: [{ ...e.at, message: e.message }] };
    throw e;
  }
}

function promqlSli(
  spec: WireSliSpec,
  at: YamlLocator,
  path: YamlPath,
  dataSources: ReadonlyMap<string, string>,
  stop: (path: YamlPath, message: string, where?: YamlLocator) => never,
): PromqlSli {
  if (spec.thresholdMetric !== undefined) return stop([...path, 'thresholdMetric'], 'thresholdMetric SLIs are not supported; use ratioMetric', at);
  const ratio = spec.ratioMetric ?? stop(path, 'the SLI needs ratioMetric', at);
  const query = (m: WireMetric, key: string, windowFn: 'increase' | 'avg_over_time' | null): string => {
    const sourcePath = [...path, 'ratioMetric', key, 'metricSource'];
    const { type: written, metricSourceRef: ref, spec: sourceSpec } = m.metricSource;
    const type = written ?? (ref === undefined ? undefined : dataSources.get(ref));
    if (type === undefined) {
      return stop(sourcePath, ref === undefined ? 'metricSource needs type or metricSourceRef' : `no OpenSLO DataSource named "${ref}" in the SLO directory`, at);
    }
    if (type.toLowerCase() !== 'prometheus') {
      return stop(sourcePath, `metricSource type "${type}" is not supported: Tollgate evaluates Prometheus (PromQL) queries over its stored metrics`, at);
    }
    const text = sourceSpec['query'];
    if (typeof text !== 'string') return stop([...sourcePath, 'spec'], 'a Prometheus metricSource needs spec.query', at);
    let checked;
    if (hasWindowPlaceholder(text)) checked = checkPromqlTemplate(text);
    else if (windowFn !== null) checked = windowQuery(text, windowFn);
    else {
      return stop([...sourcePath, 'spec', 'query'], 'a query without {{.window}} must be a counter (counter: true) so that Tollgate can count its increase over a window', at);
    }
    return checked.ok ? checked.value : stop([...sourcePath, 'spec', 'query'], checked.message, at);
  };
  const counterFn = ratio.counter === true ? 'increase' : null;
  if (ratio.raw !== undefined) {
    if (ratio.rawType === undefined) return stop([...path, 'ratioMetric'], 'raw needs rawType (success or failure)', at);
    return { kind: 'promql', counts: ratio.rawType === 'success' ? 'good' : 'bad', numeratorQuery: query(ratio.raw, 'raw', 'avg_over_time'), totalQuery: null };
  }
  const numerator = ratio.good !== undefined && ratio.bad === undefined ? { counts: 'good' as const, key: 'good', m: ratio.good }
    : ratio.bad !== undefined && ratio.good === undefined ? { counts: 'bad' as const, key: 'bad', m: ratio.bad }
    : stop([...path, 'ratioMetric'], 'ratioMetric needs exactly one of good, bad (with total), or raw', at);
  if (ratio.total === undefined) return stop([...path, 'ratioMetric'], `ratioMetric with ${numerator.key} needs total`, at);
  return { kind: 'promql', counts: numerator.counts, numeratorQuery: query(numerator.m, numerator.key, counterFn), totalQuery: query(ratio.total, 'total', counterFn) };
}

/** OpenSLO durations add M, Q, Y to the usual units. */
function periodOf(window: { duration: string; isRolling?: boolean | undefined; calendar?: { timeZone: string } | undefined } | undefined, stop: (m: string) => never): SloPeriod {
  if (window === undefined) return { kind: 'rolling', days: DEFAULT_PERIOD_DAYS };
  const rolling = window.isRolling ?? window.calendar === undefined;
  if (rolling) {
    const ms = parseDurationMs(window.duration);
    if (ms === null || ms % 86_400_000 !== 0) return stop(`a rolling timeWindow must be whole days or weeks (like 28d or 4w), got "${window.duration}"`);
    return { kind: 'rolling', days: ms / 86_400_000 };
  }
  const calendar = window.duration === '1w' ? 'week' : window.duration === '1M' ? 'month' : stop(`a calendar timeWindow must be 1w or 1M, got "${window.duration}"`);
  const timeZone = window.calendar?.timeZone ?? 'UTC';
  const tzProblem = checkTimeZone(timeZone);
  if (tzProblem !== null) return stop(tzProblem);
  return { kind: 'calendar', calendar, timeZone };
}

function objectivePercentOf(o: z.infer<typeof objective>, stop: (m: string) => never): number {
  if ((o.target === undefined) === (o.targetPercent === undefined)) return stop('an objective needs exactly one of target, targetPercent');
  // 0.9995 * 100 is 99.94999999999999 in floating point; the file means 99.95.
  const percent = o.target !== undefined ? Number((o.target * 100).toPrecision(12)) : o.targetPercent!;
  if (!(percent > 0 && percent < 100)) return stop(`target must be above 0 and below 1 (targetPercent above 0 and below 100), got ${o.target ?? o.targetPercent}`);
  return percent;
}

function budgetingOf(method: WireSlo['spec']['budgetingMethod'], o: z.infer<typeof objective>, stop: (m: string) => never): Budgeting {
  if (method === 'Occurrences') return { kind: 'occurrences' };
  if (method === 'RatioTimeslices') return stop('budgetingMethod RatioTimeslices is not supported; use Occurrences or Timeslices');
  if (o.timeSliceTarget === undefined || o.timeSliceWindow === undefined) return stop('Timeslices budgeting needs timeSliceTarget and timeSliceWindow');
  // A bare number is minutes, as the OpenSLO spec says.
  const ms = typeof o.timeSliceWindow === 'number' ? o.timeSliceWindow * 60_000 : parseDurationMs(o.timeSliceWindow);
  if (ms === null || ms % 60_000 !== 0 || ms <= 0) return stop(`timeSliceWindow must be whole minutes like 1m or 5, got ${describeValue(o.timeSliceWindow)}`);
  if (!(o.timeSliceTarget > 0 && o.timeSliceTarget <= 1)) return stop(`timeSliceTarget must be above 0 and at most 1, got ${o.timeSliceTarget}`);
  return { kind: 'timeslices', windowSeconds: ms / 1000, targetFraction: o.timeSliceTarget };
}

const slug = (s: string | undefined): string => (s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
