/**
 * Spans, logs and metrics sent by the official OpenTelemetry JS exporters over every transport
 * land in the collector-schema tables, with ConfigHash set and the exporter's value conventions.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { demoResource, makeLogs, makeMetrics, makeSpans } from '../helpers/telemetry.js';

interface Exporter<T> {
  export(items: T, done: (r: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

async function send<T>(exporter: Exporter<T>, items: T): Promise<ExportResult> {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
  await exporter.shutdown();
  return result;
}

let tg: InProcessTollgate;
beforeAll(async () => {
  tg = await startInProcess();
});
afterAll(async () => {
  await tg?.cleanup();
});

const transports = [
  { name: 'gRPC', hash: 'cfg-grpc', gzip: true },
  { name: 'HTTP/protobuf', hash: 'cfg-proto', gzip: true },
  { name: 'HTTP/JSON', hash: 'cfg-json', gzip: false },
] as const;

function traceExporter(name: (typeof transports)[number]['name'], tg: InProcessTollgate, gzip: boolean) {
  const compression = gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  switch (name) {
    case 'gRPC':
      return new TracesGrpc({ url: tg.otlpGrpcUrl, compression });
    case 'HTTP/protobuf':
      return new TracesProto({ url: `${tg.otlpHttpUrl}/v1/traces`, compression });
    case 'HTTP/JSON':
      return new TracesJson({ url: `${tg.otlpHttpUrl}/v1/traces`, compression });
  }
}

function logExporter(name: (typeof transports)[number]['name'], tg: InProcessTollgate, gzip: boolean) {
  const compression = gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  switch (name) {
    case 'gRPC':
      return new LogsGrpc({ url: tg.otlpGrpcUrl, compression });
    case 'HTTP/protobuf':
      return new LogsProto({ url: `${tg.otlpHttpUrl}/v1/logs`, compression });
    case 'HTTP/JSON':
      return new LogsJson({ url: `${tg.otlpHttpUrl}/v1/logs`, compression });
  }
}

function metricExporter(name: (typeof transports)[number]['name'], tg: InProcessTollgate, gzip: boolean) {
  const compression = gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  switch (name) {
    case 'gRPC':
      return new MetricsGrpc({ url: tg.otlpGrpcUrl, compression });
    case 'HTTP/protobuf':
      return new MetricsProto({ url: `${tg.otlpHttpUrl}/v1/metrics`, compression });
    case 'HTTP/JSON':
      return new MetricsJson({ url: `${tg.otlpHttpUrl}/v1/metrics`, compression });
  }
}

describe.each(transports)('over $name', ({ name, hash, gzip }) => {
  it('stores every span with the collector exporter conventions and ConfigHash', async () => {
    const spans = makeSpans(25, demoResource({ config_hash: hash }));
    const result = await send(traceExporter(name, tg, gzip), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);

    expect(await countRows(tg, 'otel_traces', `ConfigHash = '${hash}'`)).toBe(50);
    const failing = spans.find((s) => s.name === 'POST /charge' && s.status.code === 2)!;
    const [row] = await tg.store.query<Record<string, unknown>>(
      `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, StatusCode, StatusMessage, Duration,
              ScopeName, ScopeVersion, SpanAttributes, ResourceAttributes, Events.Name AS EventNames,
              Events.Attributes AS EventAttributes, Environment, toUnixTimestamp64Nano(Timestamp) AS StartNs
       FROM otel_traces WHERE SpanId = {spanId:String}`,
      { spanId: failing.spanContext().spanId },
    );
    const startNs = BigInt(failing.startTime[0]) * 1_000_000_000n + BigInt(failing.startTime[1]);
    const durationNs = BigInt(failing.duration[0]) * 1_000_000_000n + BigInt(failing.duration[1]);
    expect(row).toMatchObject({
      TraceId: failing.spanContext().traceId,
      ParentSpanId: '',
      SpanName: 'POST /charge',
      SpanKind: 'Server',
      ServiceName: 'checkout',
      StatusCode: 'Error',
      StatusMessage: 'token expired',
      Duration: durationNs.toString(),
      StartNs: startNs.toString(),
      ScopeName: 'test-shop',
      ScopeVersion: '1.2.3',
      EventNames: ['exception'],
      Environment: 'staging',
    });
    expect(row?.['SpanAttributes']).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': '503', 'app.cart_items': '0' });
    expect(row?.['ResourceAttributes']).toMatchObject({ 'service.name': 'checkout', config_hash: hash });
    expect(row?.['EventAttributes']).toEqual([{ 'exception.type': 'OAuthTokenExpiredError', 'exception.message': 'token expired' }]);

    const [child] = await tg.store.query<{ SpanKind: string; ParentSpanId: string }>(
      `SELECT SpanKind, ParentSpanId FROM otel_traces WHERE TraceId = {traceId:String} AND SpanName = 'SELECT orders'`,
      { traceId: failing.spanContext().traceId },
    );
    expect(child).toEqual({ SpanKind: 'Client', ParentSpanId: failing.spanContext().spanId });
  });

  it('feeds the trace-id lookup table and the per-minute rollup', async () => {
    const [lookup] = await tg.store.query<{ n: string }>(
      `SELECT count() AS n FROM otel_traces_trace_id_ts WHERE TraceId IN (SELECT TraceId FROM otel_traces WHERE ConfigHash = {hash:String})`,
      { hash },
    );
    expect(Number(lookup?.n)).toBeGreaterThanOrEqual(25);
    const rollup = await tg.store.query<{ HttpStatusClass: string; StatusCode: string; n: string }>(
      `SELECT HttpStatusClass, StatusCode, sum(Count) AS n FROM tollgate_span_rollup_1m
       WHERE ConfigHash = {hash:String} AND SpanKind = 'Server' GROUP BY HttpStatusClass, StatusCode ORDER BY HttpStatusClass`,
      { hash },
    );
    expect(rollup).toEqual([
      { HttpStatusClass: '2xx', StatusCode: 'Unset', n: '20' },
      { HttpStatusClass: '5xx', StatusCode: 'Error', n: '5' },
    ]);
  });

  it('stores every log record with severity, body, event name and ConfigHash', async () => {
    const logs = makeLogs(12, demoResource({ config_hash: hash }));
    const result = await send(logExporter(name, tg, gzip), logs);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(await countRows(tg, 'otel_logs', `ConfigHash = '${hash}'`)).toBe(12);
    const errors = await tg.store.query<Record<string, unknown>>(
      `SELECT SeverityText, SeverityNumber, Body, EventName, ServiceName, LogAttributes, TraceId
       FROM otel_logs WHERE ConfigHash = {hash:String} AND SeverityNumber >= 17 ORDER BY Body`,
      { hash },
    );
    expect(errors).toHaveLength(3);
    expect(errors[0]).toEqual({
      SeverityText: 'ERROR', SeverityNumber: 17, Body: 'charge 0 failed', EventName: 'payment.failed',
      ServiceName: 'checkout', LogAttributes: { 'order.id': 'o-0' }, TraceId: '',
    });
  });

  it('stores sums, gauges and histograms in their tables with temporality and buckets', async () => {
    const metrics = await makeMetrics(demoResource({ config_hash: hash }));
    const result = await send(metricExporter(name, tg, gzip), metrics);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);

    const sums = await tg.store.query<Record<string, unknown>>(
      `SELECT MetricName, MetricUnit, Value, IsMonotonic, AggregationTemporality, Attributes FROM otel_metrics_sum
       WHERE ConfigHash = {hash:String} ORDER BY MetricName, Value`,
      { hash },
    );
    expect(sums).toEqual([
      { MetricName: 'http.server.requests', MetricUnit: '{request}', Value: 2, IsMonotonic: true, AggregationTemporality: 2,
        Attributes: { 'http.route': '/charge', 'http.response.status_code': '503' } },
      { MetricName: 'http.server.requests', MetricUnit: '{request}', Value: 10, IsMonotonic: true, AggregationTemporality: 2,
        Attributes: { 'http.route': '/charge', 'http.response.status_code': '200' } },
      { MetricName: 'queue.depth', MetricUnit: '', Value: 3, IsMonotonic: false, AggregationTemporality: 2, Attributes: {} },
    ]);
    const gauges = await tg.store.query<Record<string, unknown>>(
      `SELECT MetricName, Value, Attributes FROM otel_metrics_gauge WHERE ConfigHash = {hash:String}`, { hash },
    );
    expect(gauges).toEqual([{ MetricName: 'cpu.utilization', Value: 0.42, Attributes: { core: '0' } }]);
    const [histogram] = await tg.store.query<Record<string, unknown>>(
      `SELECT MetricName, MetricUnit, Count, Sum, Min, Max, length(BucketCounts) = length(ExplicitBounds) + 1 AS shapeOk,
              arraySum(BucketCounts) AS bucketTotal FROM otel_metrics_histogram WHERE ConfigHash = {hash:String}`,
      { hash },
    );
    expect(histogram).toEqual({ MetricName: 'http.server.request.duration', MetricUnit: 's', Count: '4', Sum: 1.73, Min: 0.01, Max: 1.5, shapeOk: 1, bucketTotal: '4' });
  });
});

describe('timestamps at the edges', () => {
  it('stores a gauge point whose start time is 0 (allowed by OTLP) with every timestamp exact', async () => {
    const body = JSON.stringify({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'edge' } }] },
        scopeMetrics: [{ metrics: [{ name: 'edge.gauge', gauge: { dataPoints: [
          { startTimeUnixNano: '0', timeUnixNano: '1700000000000000001', asDouble: 1.5 },
          { timeUnixNano: '12', asInt: '7' },
        ] } }] }],
      }],
    });
    // The 1970 point is older than any retention (the tests keep 10 years): a TTL merge may drop its
    // day's part at any moment (it did, once in five runs). This test is about its timestamps, so
    // none runs meanwhile.
    await tg.store.command('SYSTEM STOP TTL MERGES otel_metrics_gauge');
    const res = await fetch(`${tg.otlpHttpUrl}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const rows = await tg.store.query<{ start: string; time: string; Value: number }>(
      `SELECT toUnixTimestamp64Nano(StartTimeUnix) AS start, toUnixTimestamp64Nano(TimeUnix) AS time, Value
       FROM otel_metrics_gauge WHERE ServiceName = 'edge' ORDER BY time`,
    );
    expect(rows).toEqual([
      { start: '0', time: '12', Value: 7 },
      { start: '0', time: '1700000000000000001', Value: 1.5 },
    ]);
    await tg.store.command('SYSTEM START TTL MERGES otel_metrics_gauge');
  });
});
