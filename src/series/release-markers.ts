/**
 * @module series/release-markers
 * `tollgate_release_marker`: one sample of 1 at each release marker (a deploy event, or the first
 * minute a config_hash served a service in an environment), labelled kind, service, environment,
 * config_hash, app and revision. Grafana draws it as annotations (a Prometheus annotation query on
 * this series); the shipped dashboards use it. A selector reaches the sample for a lookback's
 * length after it, as any Prometheus sample.
 */
import type { ReleaseMarker } from '../attribution/index.js';
import { matchesAll } from './matchers.js';
import type { Labels, LabelMatcher, MetricMetadata, SelectRequest, Series, SeriesProvider } from './types.js';

export const RELEASE_MARKER_NAME = 'tollgate_release_marker';

export function createReleaseMarkerProvider(markers: (fromMs: number, toMs: number) => Promise<ReleaseMarker[]>): SeriesProvider {
  const mayMatch = (matchers: readonly LabelMatcher[]): boolean =>
    matchesAll(matchers.filter((m) => m.name === '__name__'), { __name__: RELEASE_MARKER_NAME });

  async function select(req: SelectRequest): Promise<Series[]> {
    if (!mayMatch(req.matchers)) return [];
    const bySeries = new Map<string, Series>();
    for (const m of await markers(req.startMs, req.endMs + 1)) {
      const labels = labelsOf(m);
      if (!matchesAll(req.matchers, labels)) continue;
      const key = JSON.stringify(labels);
      const series = bySeries.get(key) ?? { labels, timestampsMs: [], values: [] };
      if (series.timestampsMs.at(-1) !== m.atMs) {
        series.timestampsMs.push(m.atMs);
        series.values.push(1);
      }
      bySeries.set(key, series);
    }
    return [...bySeries.values()];
  }

  return {
    mayMatch,
    select,
    async listSeries(req) {
      return (await select(req)).map((s) => s.labels);
    },
    async metadata(): Promise<MetricMetadata[]> {
      return [{ metric: RELEASE_MARKER_NAME, type: 'gauge', help: 'Release markers: 1 at each deploy event and at the first minute a config_hash served', unit: '' }];
    },
  };
}

function labelsOf(m: ReleaseMarker): Labels {
  const labels: Labels = { __name__: RELEASE_MARKER_NAME, kind: m.kind, service: m.service, environment: m.environment, config_hash: m.configHash };
  if (m.app !== '') labels['app'] = m.app;
  if (m.revision !== '') labels['revision'] = m.revision;
  return labels;
}
