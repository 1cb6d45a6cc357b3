/**
 * @module slo/spec/model
 * The domain types the rest of Tollgate uses. Wire spellings (`min_events`, `99.9`, `"15%"`) stop at the
 * loader; here fields are camelCase, carry their unit in the name, and absent options are `null` or a default.
 */
import type { SourcePos } from './problem.js';

export interface SloDefinition {
  name: string;
  labels: Record<string, string>;
  /** Matches the resource attribute `service.name`. */
  service: string;
  description: string | null;
  /** 0 < objectivePercent < 100, e.g. 99.9. */
  objectivePercent: number;
  period: SloPeriod;
  sli: Sli;
  budgeting: Budgeting;
  alerting: Alerting;
  /** Names of other SLOs; each names a loaded or at least declared SLO, or the loader reported it. */
  dependsOn: string[];
  /** Where `metadata.name` is written: the spot that identifies the definition. */
  source: SourcePos;
  /** The format the definition was written in, and what that tool calls it. */
  origin: SloOrigin;
}

/**
 * Sloth names an SLO `<service>-<slo>` (its `sloth_id`) and labels series with the short name
 * (`sloth_slo`); a Sloth file's SLO keeps both, so dashboards built on Sloth's labels still match.
 */
export interface SloOrigin {
  /** `tollgate.dev/v1`, `prometheus/v1`, `sloth.slok.dev/v1`, `openslo/v1`. */
  spec: string;
  /** Sloth's `sloth_slo`: the SLO's name within its service. */
  shortName: string;
}

export type SloPeriod =
  | { kind: 'rolling'; days: number }
  | { kind: 'calendar'; calendar: 'month' | 'week'; timeZone: string };

export type Sli =
  | { kind: 'spans'; match: SpanMatch; bad: SpanBadCondition }
  | { kind: 'logs'; match: LogMatch; bad: LogBadCondition }
  | { kind: 'metric-ratio'; counts: 'good' | 'bad'; numerator: MetricSelector; total: MetricSelector }
  /** Good events are histogram observations at or below the threshold. */
  | { kind: 'metric-histogram'; histogram: MetricSelector; thresholdMs: number }
  /** PromQL from Sloth and OpenSLO files, evaluated by Tollgate's PromQL engine over the stored metrics. */
  | PromqlSli;

/**
 * Queries are templates: `{{.window}}` (Sloth's placeholder) stands for the window being evaluated.
 * With `totalQuery` the numerator counts good or bad events; without it the numerator is already
 * the good or bad ratio (Sloth's `raw`, OpenSLO's `raw`). Values are what the queries return: for
 * `rate()` queries events per second, so ratios are exact but event counts are rates.
 */
export interface PromqlSli {
  kind: 'promql';
  counts: 'good' | 'bad';
  numeratorQuery: string;
  totalQuery: string | null;
}

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

export interface SpanMatch {
  spanKind: SpanKind | null;
  name: NameMatch | null;
  /** Matches the resource attribute `deployment.environment(.name)`. */
  environment: string | null;
  /** Values are strings: the OTel ClickHouse schema stores attributes as Map(String, String). */
  attributes: Record<string, string>;
}

/** A name containing `*`, `?` or `[` is a glob; anything else must match exactly. */
export type NameMatch = { kind: 'exact'; name: string } | { kind: 'glob'; pattern: string };

export type SpanBadCondition =
  | { kind: 'status-error' }
  /** Inclusive ranges: `5xx` is {from: 500, to: 599}, `503` is {from: 503, to: 503}. */
  | { kind: 'http-status'; statusCodeRanges: StatusCodeRange[] }
  | { kind: 'duration-over'; durationOverMs: number };

export interface StatusCodeRange {
  from: number;
  to: number;
}

export interface LogMatch {
  /** OTel SeverityNumber: TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21. */
  severityNumberAtLeast: number | null;
  attributes: Record<string, string>;
  bodyContains: string | null;
}

export interface LogBadCondition {
  severityNumberAtLeast: number;
}

export interface MetricSelector {
  metric: string;
  /** Label name to exact value. */
  matchers: Record<string, string>;
}

export type Budgeting =
  | { kind: 'occurrences' }
  /** OpenSLO timeslices: a slice of `windowSeconds` is good when its good ratio reaches `targetFraction`. */
  | { kind: 'timeslices'; windowSeconds: number; targetFraction: number };

export interface Alerting {
  /** No alert fires on fewer events than this in the long window. */
  minEvents: number;
  /** null: use the default windows from `slo/math`. */
  customWindows: AlertWindow[] | null;
}

export interface AlertWindow {
  severity: 'page' | 'ticket';
  shortWindowSeconds: number;
  longWindowSeconds: number;
  /** Share of the whole period's error budget spent within the long window that fires the alert, 0 < x <= 100. */
  budgetPercent: number;
}

export interface GatePolicy {
  name: string;
  labels: Record<string, string>;
  app: string;
  environment: string;
  slos: SloSelection;
  /** 0..1; null: budget remaining is not checked. */
  minBudgetRemainingFraction: number | null;
  /** null: burn rate is not checked. */
  maxBurnRate: number | null;
  burnRateWindowSeconds: number;
  compare: CompareSettings;
  noData: 'allow' | 'deny' | 'wait';
  isDryRun: boolean;
  source: SourcePos;
}

export type SloSelection =
  | { kind: 'names'; names: string[] }
  | { kind: 'selector'; matchLabels: Record<string, string> };

/** Comparison of the new release's bad ratio against the previous one's. */
export interface CompareSettings {
  maxRatioIncrease: number;
  minEvents: number;
  /** p-value below which an increase counts as real. */
  significance: number;
}

/**
 * A document of another tool that Tollgate does not read (Sloth AlertWindows, OpenSLO v1alpha, ...): not an error.
 * `source` is the document's first line.
 */
export interface ForeignDocument {
  apiVersion: string;
  kind: string | null;
  document: unknown;
  source: SourcePos;
}

/**
 * A `kind: BudgetAdjustment` document: minutes whose events count neither as good nor as bad for the
 * SLOs it selects (a maintenance window, a known incident), everywhere a number is made from them.
 */
export interface BudgetAdjustment {
  name: string;
  labels: Record<string, string>;
  slos: SloSelection;
  reason: string;
  exclude: Exclusion;
  source: SourcePos;
}

/**
 * `window`: one stretch, [fromSeconds, toSeconds), whole minutes. `recurring`: a five-field cron
 * expression read in `timeZone` (`every:` forms are written as one), each occurrence lasting
 * `durationSeconds` of real time (whole minutes); `description` says it as the file wrote it.
 */
export type Exclusion =
  | { kind: 'window'; fromSeconds: number; toSeconds: number }
  | { kind: 'recurring'; cron: string; durationSeconds: number; timeZone: string; description: string };
