/**
 * @module series/otlp-metrics
 * The applications' own OTLP metrics as Prometheus series, named and labelled as Prometheus' OTLP
 * receiver names them (series/naming): `service.name` becomes `job` (prefixed by
 * `service.namespace/` when set) and `service_name`, `service.instance.id` becomes `instance`, and
 * `config_hash` and `deployment_environment_name` are labels so every series says which release
 * produced it. Gauges and sums come from `otel_metrics_gauge|sum`, histograms from
 * `otel_metrics_histogram` as `_bucket{le}` (cumulative counts), `_sum` and `_count`.
 *
 * Temporality: cumulative points are passed through (PromQL's rate/increase handle resets). Delta
 * points are summed into a running total from the window's first point, preceded by a 0 at that
 * point's start time, so `increase()` over a delta counter counts every point in the window.
 */
import type { Store } from '../store/index.js';
import { MAX_SELECTED_ROWS, TooManySamplesError } from './errors.js';
import { matchesAll, matcherCondition } from './matchers.js';
import { formatFloatPlain, prometheusLabelName, prometheusMetricName, type MetricKind } from './naming.js';
import type { LabelMatcher, Labels, MetricMetadata, SelectRequest, Series, SeriesProvider } from './types.js';

const DELTA = 1;
const TABLES: Readonly<Record<MetricKind, string>> = { gauge: 'otel_metrics_gauge', sum: 'otel_metrics_sum', histogram: 'otel_metrics_histogram' };
/** How far back `/api/v1/metadata` looks for metric names. */
const METADATA_LOOKBACK_MS = 7 * 86_400_000;

interface CatalogEntry {
  kind: MetricKind;
  metricName: string;
  unit: string;
  isMonotonic: boolean;
  help: string;
  attributeKeys: string[];
  /** The Prometheus name of each series family this metric yields. */
  families: Array<{ name: string; part: 'value' | 'bucket' | 'sum' | 'count' }>;
}

interface CatalogRow { kind: MetricKind; name: string; unit: string; mono: number | boolean; help: string; keys: string[] }

interface PointRow {
  service: string;
  namespace: string;
  instance: string;
  config_hash: string;
  environment: string;
  attributes: Record<string, string>;
  temporality: number;
  start_ms: string;
  t: string;
  value?: number | null;
  count?: string;
  sum?: number | null;
  buckets?: string[];
  bounds?: number[];
}

export function createOtlpMetricsProvider(store: Store): SeriesProvider {
  async function catalog(fromMs: number, toMs: number): Promise<CatalogEntry[]> {
    const part = (kind: MetricKind, mono: string) =>
      `SELECT '${kind}' AS kind, MetricName AS name, MetricUnit AS unit, ${mono} AS mono, any(MetricDescription) AS help,
              groupUniqArrayArray(200)(mapKeys(Attributes)) AS keys
       FROM ${TABLES[kind]}
       WHERE TimeUnix >= fromUnixTimestamp64Milli({from:Int64}) AND TimeUnix <= fromUnixTimestamp64Milli({to:Int64})
       GROUP BY MetricName, MetricUnit`;
    const rows = await store.query<CatalogRow>(
      [part('gauge', 'false'), part('sum', 'any(IsMonotonic)'), part('histogram', 'false')].join('\nUNION ALL\n'),
      { from: Math.floor(fromMs), to: Math.ceil(toMs) },
    );
    return rows.map((r) => {
      const isMonotonic = r.mono === true || Number(r.mono) === 1;
      const base = prometheusMetricName(r.name, r.unit, r.kind, isMonotonic);
      const families: CatalogEntry['families'] = r.kind === 'histogram'
        ? [{ name: `${base}_bucket`, part: 'bucket' }, { name: `${base}_sum`, part: 'sum' }, { name: `${base}_count`, part: 'count' }]
        : [{ name: base, part: 'value' }];
      return { kind: r.kind, metricName: r.name, unit: r.unit, isMonotonic, help: r.help, attributeKeys: r.keys, families };
    });
  }

  /** The (metric, family) pairs a selector's `__name__` matchers accept. */
  async function candidates(req: SelectRequest): Promise<Array<{ entry: CatalogEntry; family: CatalogEntry['families'][number] }>> {
    const nameMatchers = req.matchers.filter((m) => m.name === '__name__');
    const entries = await catalog(req.startMs, req.endMs);
    return entries.flatMap((entry) =>
      entry.families.filter((f) => matchesAll(nameMatchers, { __name__: f.name })).map((family) => ({ entry, family })));
  }

  async function points(entry: CatalogEntry, req: SelectRequest, distinct: boolean): Promise<PointRow[]> {
    const params: Record<string, unknown> = { name: entry.metricName, unit: entry.unit, from: Math.floor(req.startMs), to: Math.ceil(req.endMs), limit: MAX_SELECTED_ROWS + 1 };
    const where = [
      'MetricName = {name:String}', 'MetricUnit = {unit:String}',
      'TimeUnix >= fromUnixTimestamp64Milli({from:Int64})', 'TimeUnix <= fromUnixTimestamp64Milli({to:Int64})',
      ...pushedDown(req.matchers, entry.attributeKeys, params),
    ];
    const identity = `ServiceName AS service, ResourceAttributes['service.namespace'] AS namespace,
      ResourceAttributes['service.instance.id'] AS instance, ConfigHash AS config_hash, Environment AS environment, Attributes AS attributes`;
    const table = TABLES[entry.kind];
    const sql = distinct
      ? `SELECT DISTINCT ${identity} FROM ${table} WHERE ${where.join(' AND ')} LIMIT {limit:UInt64}`
      : `SELECT ${identity}, ${entry.kind === 'gauge' ? '0' : 'AggregationTemporality'} AS temporality,
                toUnixTimestamp64Milli(StartTimeUnix) AS start_ms, toUnixTimestamp64Milli(TimeUnix) AS t,
                ${entry.kind === 'histogram' ? 'Count AS count, Sum AS sum, BucketCounts AS buckets, ExplicitBounds AS bounds' : 'Value AS value'}
         FROM ${table} WHERE ${where.join(' AND ')}
         ORDER BY service, attributes, TimeUnix
         LIMIT {limit:UInt64}`;
    const rows = await store.query<PointRow>(sql, params);
    if (rows.length > MAX_SELECTED_ROWS) {
      throw new TooManySamplesError(`${entry.metricName}: more than ${MAX_SELECTED_ROWS.toLocaleString('en-US')} points in the window; narrow the selector or the time range`);
    }
    return rows;
  }

  return {
    mayMatch: () => true,

    async select(req) {
      const series = new Map<string, Series>();
      for (const { entry, family } of await candidates(req)) {
        const rows = await points(entry, req, false);
        for (const s of toSeries(entry, family, rows)) {
          if (!matchesAll(req.matchers, s.labels)) continue;
          const key = labelKey(s.labels);
          const existing = series.get(key);
          if (existing === undefined) series.set(key, s);
          else merge(existing, s);
        }
      }
      return [...series.values()];
    },

    async listSeries(req) {
      const out = new Map<string, Labels>();
      for (const { entry, family } of await candidates(req)) {
        for (const row of await points(entry, req, true)) {
          const base = seriesLabels(family.name, row);
          const labelSets = family.part === 'bucket'
            ? [...new Set([...(await bucketBounds(entry, req)), Infinity])].map((b) => ({ ...base, le: formatFloatPlain(b) }))
            : [base];
          for (const labels of labelSets) if (matchesAll(req.matchers, labels)) out.set(labelKey(labels), labels);
        }
      }
      return [...out.values()];
    },

    async metadata() {
      const now = Date.now();
      const entries = await catalog(now - METADATA_LOOKBACK_MS, now);
      return entries.flatMap((e): MetricMetadata[] => {
        const base = e.families[0]!.name.replace(/_bucket$/, '');
        const type = e.kind === 'histogram' ? 'histogram' : e.kind === 'sum' && e.isMonotonic ? 'counter' : 'gauge';
        return [{ metric: base, type, help: e.help, unit: e.unit }];
      });
    },
  };

  async function bucketBounds(entry: CatalogEntry, req: SelectRequest): Promise<number[]> {
    const rows = await store.query<{ bounds: number[] }>(
      `SELECT DISTINCT ExplicitBounds AS bounds FROM otel_metrics_histogram
       WHERE MetricName = {name:String} AND TimeUnix >= fromUnixTimestamp64Milli({from:Int64}) AND TimeUnix <= fromUnixTimestamp64Milli({to:Int64}) LIMIT 100`,
      { name: entry.metricName, from: Math.floor(req.startMs), to: Math.ceil(req.endMs) },
    );
    return rows.flatMap((r) => r.bounds);
  }
}

/**
 * Conditions for the matchers ClickHouse can check on its columns. Everything is checked again in
 * TypeScript on the built labels; these only cut what is read.
 */
function pushedDown(matchers: readonly LabelMatcher[], attributeKeys: readonly string[], params: Record<string, unknown>): string[] {
  const conditions: string[] = [];
  matchers.forEach((m, i) => {
    const key = `m${i}`;
    if (m.name === 'service_name') conditions.push(matcherCondition(m, 'ServiceName', params, key));
    else if (m.name === 'config_hash') conditions.push(matcherCondition(m, 'ConfigHash', params, key));
    else if (m.name === 'deployment_environment_name') conditions.push(matcherCondition(m, 'Environment', params, key));
    else if (m.name !== '__name__' && m.name !== 'job' && m.name !== 'instance' && m.name !== 'le') {
      // Several attribute keys may share a label name (http.route, http_route): any of them may carry it.
      const keys = attributeKeys.filter((k) => prometheusLabelName(k) === m.name);
      if (keys.length === 1) {
        params[`${key}_k`] = keys[0];
        conditions.push(matcherCondition(m, `Attributes[{${key}_k:String}]`, params, key));
      }
    }
  });
  return conditions;
}

function seriesLabels(name: string, row: Pick<PointRow, 'service' | 'namespace' | 'instance' | 'config_hash' | 'environment' | 'attributes'>): Labels {
  const labels: Labels = { __name__: name };
  for (const [k, v] of Object.entries(row.attributes)) if (v !== '') labels[prometheusLabelName(k)] = v;
  if (row.service !== '') {
    labels['job'] = row.namespace === '' ? row.service : `${row.namespace}/${row.service}`;
    labels['service_name'] = row.service;
  }
  if (row.instance !== '') labels['instance'] = row.instance;
  if (row.config_hash !== '') labels['config_hash'] = row.config_hash;
  if (row.environment !== '') labels['deployment_environment_name'] = row.environment;
  return labels;
}

/** Rows arrive ordered by series then time; a series is every row with the same labels. */
function toSeries(entry: CatalogEntry, family: CatalogEntry['families'][number], rows: readonly PointRow[]): Series[] {
  const out = new Map<string, Series & { running: number[]; delta: boolean }>();
  const add = (labels: Labels, row: PointRow, value: number, slot: number) => {
    const key = labelKey(labels);
    let s = out.get(key);
    const delta = row.temporality === DELTA;
    if (s === undefined) {
      s = { labels, timestampsMs: [], values: [], running: [], delta };
      out.set(key, s);
      const startMs = Number(row.start_ms);
      if (delta && startMs > 0 && startMs < Number(row.t)) {
        s.timestampsMs.push(startMs);
        s.values.push(0);
      }
    }
    if (s.delta) {
      s.running[slot] = (s.running[slot] ?? 0) + value;
      value = s.running[slot]!;
    }
    s.timestampsMs.push(Number(row.t));
    s.values.push(value);
  };
  for (const row of rows) {
    const base = seriesLabels(family.name, row);
    switch (family.part) {
      case 'value':
        add(base, row, row.value ?? NaN, 0);
        break;
      case 'sum':
        add(base, row, row.sum ?? NaN, 0);
        break;
      case 'count':
        add(base, row, Number(row.count ?? 0), 0);
        break;
      case 'bucket': {
        const bounds = row.bounds ?? [];
        let cumulative = 0;
        bounds.forEach((bound, i) => {
          cumulative += Number(row.buckets?.[i] ?? 0);
          add({ ...base, le: formatFloatPlain(bound) }, row, cumulative, 0);
        });
        add({ ...base, le: '+Inf' }, row, Number(row.count ?? 0), 0);
        break;
      }
    }
  }
  void entry;
  return [...out.values()].map(({ labels, timestampsMs, values }) => sortedByTime({ labels, timestampsMs, values }));
}

function sortedByTime(s: Series): Series {
  let sorted = true;
  for (let i = 1; i < s.timestampsMs.length; i++) if (s.timestampsMs[i]! < s.timestampsMs[i - 1]!) sorted = false;
  if (sorted) return dedupe(s);
  const order = s.timestampsMs.map((_, i) => i).sort((a, b) => s.timestampsMs[a]! - s.timestampsMs[b]!);
  return dedupe({ labels: s.labels, timestampsMs: order.map((i) => s.timestampsMs[i]!), values: order.map((i) => s.values[i]!) });
}

/** Two points at one timestamp (a re-sent export): the later one wins, as a Prometheus append would. */
function dedupe(s: Series): Series {
  const t: number[] = [];
  const v: number[] = [];
  s.timestampsMs.forEach((ts, i) => {
    if (t.length > 0 && t[t.length - 1] === ts) v[v.length - 1] = s.values[i]!;
    else {
      t.push(ts);
      v.push(s.values[i]!);
    }
  });
  return { labels: s.labels, timestampsMs: t, values: v };
}

function merge(into: Series, from: Series): void {
  const merged = sortedByTime({ labels: into.labels, timestampsMs: [...into.timestampsMs, ...from.timestampsMs], values: [...into.values, ...from.values] });
  into.timestampsMs = merged.timestampsMs;
  into.values = merged.values;
}

export function labelKey(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}
