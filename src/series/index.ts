/**
 * @module series
 * Everything the Prometheus-compatible API can select, from ClickHouse: the applications' OTLP
 * metrics, RED series derived from spans, and the SLO series with Sloth's names. One source for
 * the PromQL evaluator; each selector goes to the providers whose names it can match.
 */
import type { ReleaseMarker } from '../attribution/index.js';
import type { SloEngine, SloRegistry } from '../engine/index.js';
import type { Store } from '../store/index.js';
import type { QueryRunner } from '../query/index.js';
import { metricNameOf } from './matchers.js';
import { createOtlpMetricsProvider } from './otlp-metrics.js';
import { createReleaseMarkerProvider, RELEASE_MARKER_NAME } from './release-markers.js';
import { createSloSeriesProvider, isSloSeriesName } from './slo-series.js';
import { createSpanMetricsProvider, SPAN_METRICS_PREFIX } from './span-metrics.js';
import type { Labels, LabelMatcher, MetricMetadata, SelectRequest, Series, SeriesExemplars, SeriesProvider } from './types.js';

export type { Labels, LabelMatcher, MetricMetadata, SelectRequest, Series, SeriesExemplars, SeriesProvider } from './types.js';
export { TooManySamplesError } from './errors.js';
export { prometheusLabelName, prometheusMetricName } from './naming.js';

export interface SeriesCatalog {
  select(req: SelectRequest, signal?: AbortSignal): Promise<Series[]>;
  listSeries(req: SelectRequest): Promise<Labels[]>;
  metadata(): Promise<MetricMetadata[]>;
  exemplars(req: SelectRequest): Promise<SeriesExemplars[]>;
}

export function createSeriesCatalog({ store, registry, engine, runner, markers }: {
  store: Store;
  registry: SloRegistry | undefined;
  engine: SloEngine | undefined;
  /** Evaluates PromQL SLIs for the SLO series over a range. */
  runner?: QueryRunner;
  /** Release markers between two instants (`tollgate_release_marker`, for Grafana's annotations). */
  markers?: (fromMs: number, toMs: number) => Promise<ReleaseMarker[]>;
}): SeriesCatalog {
  const otlp = createOtlpMetricsProvider(store);
  const derived: SeriesProvider[] = [createSpanMetricsProvider(store)];
  if (markers !== undefined) derived.push(createReleaseMarkerProvider(markers));
  if (registry !== undefined && engine !== undefined && runner !== undefined) {
    // PromQL SLIs read the applications' metrics and the span series, never the SLO series themselves.
    const metrics = createSeriesCatalog({ store, registry: undefined, engine: undefined });
    derived.push(createSloSeriesProvider({ registry, engine, promql: { runner, source: metrics } }));
  }

  /** A selector pinned to a derived family's name never reads the OTLP metric tables. */
  const providersFor = (matchers: readonly LabelMatcher[]): SeriesProvider[] => {
    const name = metricNameOf(matchers);
    const pinnedToDerived = name !== undefined && (name.startsWith(SPAN_METRICS_PREFIX) || isSloSeriesName(name) || name === RELEASE_MARKER_NAME);
    return [...derived.filter((p) => p.mayMatch(matchers)), ...(pinnedToDerived ? [] : [otlp])];
  };

  return {
    async select(req, signal) {
      const out: Series[] = [];
      for (const p of providersFor(req.matchers)) out.push(...(await p.select(req, signal)));
      return out;
    },
    async listSeries(req) {
      const out: Labels[] = [];
      for (const p of providersFor(req.matchers)) out.push(...(await p.listSeries(req)));
      return out;
    },
    async metadata() {
      const out: MetricMetadata[] = [];
      for (const p of [...derived, otlp]) out.push(...(await p.metadata()));
      return out;
    },
    async exemplars(req) {
      const out: SeriesExemplars[] = [];
      for (const p of providersFor(req.matchers)) if (p.exemplars !== undefined) out.push(...(await p.exemplars(req)));
      return out;
    },
  };
}
