/**
 * @module ingest/decode/metrics
 * ExportMetricsServiceRequest → rows of the five `otel_metrics_*` tables, one row per data point,
 * as the collector exporter writes them (names as sent; temporality as the enum's number).
 */
import type { ExportMetricsServiceRequest } from '../gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb.js';
import type { KeyValue } from '../gen/opentelemetry/proto/common/v1/common_pb.js';
import type { Exemplar } from '../gen/opentelemetry/proto/metrics/v1/metrics_pb.js';
import {
  EXP_HISTOGRAM_COLUMNS, GAUGE_COLUMNS, HISTOGRAM_COLUMNS, SUMMARY_COLUMNS, SUM_COLUMNS, type DecodedExport,
} from './rows.js';
import { serviceNameOf } from './traces.js';
import { Rejections, timeProblem, type ItemContext } from './item-checks.js';
import { assertNever, attributesToMap, float64, hex, nanos, type StringMap } from './values.js';

interface PointBase {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  exemplars?: Exemplar[];
}

function pointProblem(p: PointBase, ctx: ItemContext): string | null {
  const time = timeProblem(p.timeUnixNano, 'time', ctx) ?? timeProblem(p.startTimeUnixNano, 'start time', ctx);
  if (time !== null) return time;
  for (const e of p.exemplars ?? []) {
    const t = timeProblem(e.timeUnixNano, 'exemplar time', ctx);
    if (t !== null) return t;
  }
  return null;
}

function exemplarColumns(exemplars: readonly Exemplar[]): unknown[] {
  return [
    exemplars.map((e) => attributesToMap(e.filteredAttributes)),
    exemplars.map((e) => nanos(e.timeUnixNano)),
    exemplars.map((e) => float64(e.value.case === 'asInt' ? Number(e.value.value) : e.value.case === 'asDouble' ? e.value.value : 0)),
    exemplars.map((e) => hex(e.spanId)),
    exemplars.map((e) => hex(e.traceId)),
  ];
}

export function metricsToRows(req: ExportMetricsServiceRequest, ctx: ItemContext): DecodedExport {
  const gauge: unknown[][] = [];
  const sum: unknown[][] = [];
  const histogram: unknown[][] = [];
  const expHistogram: unknown[][] = [];
  const summary: unknown[][] = [];
  const rejected = new Rejections();
  /** Every point of every kind passes the time checks first; false means it was refused. */
  const admit = (p: PointBase): boolean => {
    const problem = pointProblem(p, ctx);
    if (problem !== null) rejected.add(problem);
    return problem === null;
  };

  for (const rm of req.resourceMetrics) {
    const resourceAttributes = attributesToMap(rm.resource?.attributes ?? []);
    const serviceName = serviceNameOf(resourceAttributes);
    for (const sm of rm.scopeMetrics) {
      const scopeAttributes: StringMap = attributesToMap(sm.scope?.attributes ?? []);
      for (const metric of sm.metrics) {
        const head = (p: PointBase): unknown[] => [
          resourceAttributes, rm.schemaUrl, sm.scope?.name ?? '', sm.scope?.version ?? '', scopeAttributes,
          sm.scope?.droppedAttributesCount ?? 0, sm.schemaUrl, serviceName, metric.name, metric.description, metric.unit,
          attributesToMap(p.attributes), nanos(p.startTimeUnixNano), nanos(p.timeUnixNano),
        ];
        const data = metric.data;
        switch (data.case) {
          case 'gauge':
            for (const p of data.value.dataPoints) {
              if (!admit(p)) continue;
              gauge.push([...head(p), numberValue(p.value), p.flags, ...exemplarColumns(p.exemplars)]);
            }
            break;
          case 'sum':
            for (const p of data.value.dataPoints) {
              if (!admit(p)) continue;
              sum.push([
                ...head(p), numberValue(p.value), p.flags, ...exemplarColumns(p.exemplars),
                data.value.aggregationTemporality, data.value.isMonotonic,
              ]);
            }
            break;
          case 'histogram':
            for (const p of data.value.dataPoints) {
              if (p.bucketCounts.length !== 0 && p.bucketCounts.length !== p.explicitBounds.length + 1) {
                rejected.add(`histogram "${metric.name}" has ${p.bucketCounts.length} bucket counts for ${p.explicitBounds.length} bounds (want bounds + 1)`);
                continue;
              }
              if (!admit(p)) continue;
              histogram.push([
                ...head(p), p.count.toString(), float64(p.sum ?? 0), p.bucketCounts.map((c) => c.toString()),
                p.explicitBounds.map(float64), ...exemplarColumns(p.exemplars), p.flags, float64(p.min ?? 0), float64(p.max ?? 0),
                data.value.aggregationTemporality,
              ]);
            }
            break;
          case 'exponentialHistogram':
            for (const p of data.value.dataPoints) {
              if (!admit(p)) continue;
              expHistogram.push([
                ...head(p), p.count.toString(), float64(p.sum ?? 0), p.scale, p.zeroCount.toString(),
                p.positive?.offset ?? 0, (p.positive?.bucketCounts ?? []).map((c) => c.toString()),
                p.negative?.offset ?? 0, (p.negative?.bucketCounts ?? []).map((c) => c.toString()),
                ...exemplarColumns(p.exemplars), p.flags, float64(p.min ?? 0), float64(p.max ?? 0),
                data.value.aggregationTemporality,
              ]);
            }
            break;
          case 'summary':
            for (const p of data.value.dataPoints) {
              if (!admit(p)) continue;
              summary.push([
                ...head(p), p.count.toString(), float64(p.sum),
                p.quantileValues.map((q) => float64(q.quantile)), p.quantileValues.map((q) => float64(q.value)), p.flags,
              ]);
            }
            break;
          case undefined:
            break;
          default:
            assertNever(data);
        }
      }
    }
  }
  const accepted = gauge.length + sum.length + histogram.length + expHistogram.length + summary.length;
  return {
    signal: 'metrics',
    batches: [
      { table: 'otel_metrics_gauge', columns: GAUGE_COLUMNS, rows: gauge },
      { table: 'otel_metrics_sum', columns: SUM_COLUMNS, rows: sum },
      { table: 'otel_metrics_histogram', columns: HISTOGRAM_COLUMNS, rows: histogram },
      { table: 'otel_metrics_exponential_histogram', columns: EXP_HISTOGRAM_COLUMNS, rows: expHistogram },
      { table: 'otel_metrics_summary', columns: SUMMARY_COLUMNS, rows: summary },
    ].filter((b) => b.rows.length > 0),
    acceptedItems: accepted,
    rejectedItems: rejected.count,
    rejectionMessage: rejected.message('data point(s)'),
  };
}

function numberValue(v: { case: 'asDouble'; value: number } | { case: 'asInt'; value: bigint } | { case: undefined; value?: undefined }): number | string {
  if (v.case === 'asInt') return v.value.toString();
  if (v.case === 'asDouble') return float64(v.value);
  return 0;
}
