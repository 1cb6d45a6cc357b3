/**
 * @module series/types
 * What the PromQL evaluator asks of storage: the series whose labels match, with their samples in a
 * time window. The same shapes as promql's SeriesSource, declared here so that storage does not
 * depend on the evaluator.
 */
export interface LabelMatcher {
  name: string;
  type: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface SelectRequest {
  /** Includes `__name__` when the selector names a metric. */
  matchers: LabelMatcher[];
  /** Sample timestamps needed, both ends inclusive. */
  startMs: number;
  endMs: number;
  /** Set when only the latest sample at or before each step time startMs + k·stepMs is read (a range query's steps). */
  steps?: { startMs: number; stepMs: number };
}

export type Labels = Record<string, string>;

export interface Series {
  labels: Labels;
  timestampsMs: number[];
  values: number[];
}

export interface Exemplar {
  labels: Labels;
  value: number;
  timestampMs: number;
}

export interface SeriesExemplars {
  seriesLabels: Labels;
  exemplars: Exemplar[];
}

/** One family of series (OTLP metrics, span-derived RED metrics, SLO series). */
export interface SeriesProvider {
  /** Whether any series of this provider can match: a cheap look at `__name__` before any query. */
  mayMatch(matchers: readonly LabelMatcher[]): boolean;
  select(req: SelectRequest, signal?: AbortSignal): Promise<Series[]>;
  /** The label sets of the matching series (no samples): `/api/v1/series`, `/labels`, `/label/x/values`. */
  listSeries(req: SelectRequest): Promise<Labels[]>;
  /** Metric names with their Prometheus type and help, for `/api/v1/metadata`. */
  metadata(): Promise<MetricMetadata[]>;
  exemplars?(req: SelectRequest): Promise<SeriesExemplars[]>;
}

export interface MetricMetadata {
  metric: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'unknown';
  help: string;
  unit: string;
}
