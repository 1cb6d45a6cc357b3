/**
 * @module slo/spec/sloth
 * Sloth's SLO files as Tollgate SLOs: the `version: prometheus/v1` file and the Kubernetes
 * `PrometheusServiceLevel` (sloth.slok.dev/v1), which differ only in spelling (snake_case vs
 * camelCase) and envelope. Each SLO becomes a Tollgate SLO named as Sloth names it
 * (`<service>-<slo>`, its sloth_id) with a PromQL SLI, Sloth's default 30-day period and
 * Sloth's default alert windows (the SRE workbook's, as Tollgate's), minus disabled ones.
 *
 * Not carried over: Sloth's alert names, labels and annotations (Tollgate's alerts are named by
 * the SLO and window) and SLI plugins (Go code Tollgate cannot run; reported as a problem).
 */
import { z } from 'zod';
import { SRE_WORKBOOK_WINDOWS } from '../math/index.js';
import { describeValue } from './describe-value.js';
import { problemsFromIssues } from './issue-problems.js';
import type { AlertWindow, SloDefinition } from './model.js';
import type { Problem } from './problem.js';
import { checkPromqlTemplate } from './promql-template.js';
import { checkObjective } from './wire-slo.js';
import { nonEmptyString, parsedField, resourceName, stringMap } from './wire-common.js';
import type { YamlLocator } from './yaml-locator.js';

export const SLOTH_FILE_VERSION = 'prometheus/v1';
export const SLOTH_K8S_API_VERSION = 'sloth.slok.dev/v1';
export const SLOTH_K8S_KIND = 'PrometheusServiceLevel';
/** Sloth's `--default-slo-period`. */
const SLOTH_PERIOD_DAYS = 30;

/** The two spellings of the same fields. */
interface Spelling {
  errorQuery: string;
  totalQuery: string;
  errorRatioQuery: string;
  pageAlert: string;
  ticketAlert: string;
  sloPlugins: string;
}
const FILE_SPELLING: Spelling = {
  errorQuery: 'error_query', totalQuery: 'total_query', errorRatioQuery: 'error_ratio_query',
  pageAlert: 'page_alert', ticketAlert: 'ticket_alert', sloPlugins: 'slo_plugins',
};
const K8S_SPELLING: Spelling = {
  errorQuery: 'errorQuery', totalQuery: 'totalQuery', errorRatioQuery: 'errorRatioQuery',
  pageAlert: 'pageAlert', ticketAlert: 'ticketAlert', sloPlugins: 'sloPlugins',
};

const promqlTemplate = parsedField((input) =>
  typeof input === 'string' ? checkPromqlTemplate(input) : { ok: false as const, message: `must be a PromQL query, got ${describeValue(input)}`, path: [] });

/** A field Sloth has and Tollgate cannot honour: named, so the problem says why rather than "unknown field". */
const unsupported = (why: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (v !== undefined) ctx.addIssue({ code: 'custom', input: v, message: why });
  }).optional();

const PLUGINS = 'Sloth SLO plugins are not supported: they are Go code run by Sloth';

function specSchema(n: Spelling) {
  const alert = z.strictObject({ disable: z.boolean().optional(), labels: stringMap.optional(), annotations: stringMap.optional() });
  const sli = z.strictObject({
    events: z.strictObject({ [n.errorQuery]: promqlTemplate, [n.totalQuery]: promqlTemplate }).optional(),
    raw: z.strictObject({ [n.errorRatioQuery]: promqlTemplate }).optional(),
    plugin: unsupported('Sloth SLI plugins are not supported: write the SLI as events (error and total queries) or raw'),
  }).superRefine((value, ctx) => {
    const present = (['events', 'raw'] as const).filter((k) => value[k] !== undefined);
    if (present.length !== 1 && value.plugin === undefined) {
      ctx.addIssue({ code: 'custom', input: value, message: `sli needs exactly one of events, raw, got ${present.length === 0 ? 'none' : present.join(', ')}` });
    }
  });
  const slo = z.strictObject({
    name: nonEmptyString('name'),
    description: z.string().optional(),
    objective: z.number().superRefine((o, ctx) => {
      const message = checkObjective(o);
      if (message !== null) ctx.addIssue({ code: 'custom', input: o, message });
    }),
    labels: stringMap.optional(),
    plugins: unsupported(PLUGINS),
    sli,
    alerting: z.strictObject({
      name: z.string().optional(),
      labels: stringMap.optional(),
      annotations: stringMap.optional(),
      [n.pageAlert]: alert.optional(),
      [n.ticketAlert]: alert.optional(),
    }).optional(),
  });
  return z.strictObject({
    service: nonEmptyString('service'),
    labels: stringMap.optional(),
    [n.sloPlugins]: unsupported(PLUGINS),
    slos: z.array(slo).min(1, 'slos must list at least one SLO'),
  });
}

const fileSchema = specSchema(FILE_SPELLING).extend({ version: z.literal(SLOTH_FILE_VERSION) });
const k8sSchema = z.strictObject({
  apiVersion: z.literal(SLOTH_K8S_API_VERSION),
  kind: z.literal(SLOTH_K8S_KIND),
  // Kubernetes object metadata: namespace, annotations, uid… none of it changes the SLOs.
  metadata: z.looseObject({ name: z.string() }),
  spec: specSchema(K8S_SPELLING),
  status: z.unknown().optional(),
});

interface WireSpec {
  service: string;
  labels?: Record<string, string> | undefined;
  slos: Array<{
    name: string;
    description?: string | undefined;
    objective: number;
    labels?: Record<string, string> | undefined;
    sli: { events?: Record<string, string> | undefined; raw?: Record<string, string> | undefined };
    alerting?: Record<string, unknown> | undefined;
  }>;
}

export type SlothResult = { ok: true; slos: SloDefinition[] } | { ok: false; problems: Problem[] };

/** A `version: prometheus/v1` document (`at` locates paths from its root). */
export function slothFileSlos(js: unknown, at: YamlLocator): SlothResult {
  const parsed = fileSchema.safeParse(js, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues, at) };
  // The spellings' computed keys erase the field types in zod's output; the schema has checked them.
  return toSlos(parsed.data as unknown as WireSpec, FILE_SPELLING, SLOTH_FILE_VERSION, at, []);
}

/** A `PrometheusServiceLevel` document. */
export function slothK8sSlos(js: unknown, at: YamlLocator): SlothResult {
  const parsed = k8sSchema.safeParse(js, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues, at) };
  return toSlos(parsed.data.spec as unknown as WireSpec, K8S_SPELLING, SLOTH_K8S_API_VERSION, at, ['spec']);
}

function toSlos(spec: WireSpec, n: Spelling, specName: string, at: YamlLocator, prefix: PropertyKey[]): SlothResult {
  const problems: Problem[] = [];
  const slos: SloDefinition[] = [];
  spec.slos.forEach((wire, i) => {
    const namePath = [...prefix, 'slos', i, 'name'];
    // Sloth's id is what its series and alerts are keyed by; Tollgate's SLO names must be unique the same way.
    const id = `${spec.service}-${wire.name}`;
    const checked = resourceName.safeParse(id);
    if (!checked.success) {
      problems.push({ ...at.valueAt(namePath), message: `Sloth id "${id}" (service-name) is not a valid Tollgate SLO name: ${checked.error.issues[0]?.message ?? ''}` });
      return;
    }
    const events = wire.sli.events;
    const alerting = wire.alerting ?? {};
    const disabled = (key: string): boolean => (alerting[key] as { disable?: boolean } | undefined)?.disable === true;
    slos.push({
      name: id,
      labels: { ...spec.labels, ...wire.labels },
      service: spec.service,
      description: wire.description ?? null,
      objectivePercent: wire.objective,
      period: { kind: 'rolling', days: SLOTH_PERIOD_DAYS },
      sli: events !== undefined
        ? { kind: 'promql', counts: 'bad', numeratorQuery: events[n.errorQuery]!, totalQuery: events[n.totalQuery]! }
        : { kind: 'promql', counts: 'bad', numeratorQuery: wire.sli.raw![n.errorRatioQuery]!, totalQuery: null },
      budgeting: { kind: 'occurrences' },
      // Sloth alerts on ratios alone; queries return rates, so an event minimum would mean nothing.
      alerting: { minEvents: 0, customWindows: alertWindows(disabled(n.pageAlert), disabled(n.ticketAlert)) },
      dependsOn: [],
      source: at.valueAt(namePath),
      origin: { spec: specName, shortName: wire.name },
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, slos };
}

/** null: the default windows. Sloth's page alerts are Tollgate's page rows, its tickets the ticket rows. */
function alertWindows(pageDisabled: boolean, ticketDisabled: boolean): AlertWindow[] | null {
  if (!pageDisabled && !ticketDisabled) return null;
  return SRE_WORKBOOK_WINDOWS
    .filter((w) => (w.severity === 'page' ? !pageDisabled : !ticketDisabled))
    .map((w) => ({
      severity: w.severity,
      shortWindowSeconds: w.shortWindowSeconds,
      longWindowSeconds: w.longWindowSeconds,
      budgetPercent: w.budgetConsumedFraction * 100,
    }));
}
