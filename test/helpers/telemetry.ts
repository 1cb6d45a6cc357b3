/**
 * Real OpenTelemetry SDK data for tests: spans, log records and metrics made by the official
 * SDKs, ready to hand to the official OTLP exporters.
 */
import { SpanKind, SpanStatusCode, trace as traceApi, context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export function demoResource(attrs: Record<string, string> = {}): Resource {
  return resourceFromAttributes({
    'service.name': 'checkout',
    'deployment.environment.name': 'staging',
    config_hash: 'cfg-7f3a9c',
    ...attrs,
  });
}

/** `count` server spans (every `errorEvery`-th one failing with an exception event) plus one client child each. */
export function makeSpans(count: number, resource: Resource = demoResource(), errorEvery = 5): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('test-shop', '1.2.3');
  for (let i = 0; i < count; i++) {
    const server = tracer.startSpan('POST /charge', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': i % errorEvery === 0 ? 503 : 200, 'app.cart_items': i % 7 },
    });
    const ctx = traceApi.setSpan(context.active(), server);
    const client = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, ctx);
    client.end();
    if (i % errorEvery === 0) {
      server.recordException({ name: 'OAuthTokenExpiredError', message: 'token expired' });
      server.setStatus({ code: SpanStatusCode.ERROR, message: 'token expired' });
    }
    server.end();
  }
  return memory.getFinishedSpans();
}

export function makeLogs(count: number, resource: Resource = demoResource()): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('test-shop');
  for (let i = 0; i < count; i++) {
    logger.emit({
      severityNumber: i % 4 === 0 ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: i % 4 === 0 ? 'ERROR' : 'INFO',
      body: `charge ${i} ${i % 4 === 0 ? 'failed' : 'ok'}`,
      attributes: { 'order.id': `o-${i}` },
      eventName: i % 4 === 0 ? 'payment.failed' : undefined,
    });
  }
  return memory.getFinishedLogRecords();
}

/** A reader the test collects from when it chooses, so each export's timestamp is known. */
export class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A counter, an up-down counter, a gauge and a histogram, as one collection. */
export async function makeMetrics(resource: Resource = demoResource()): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('test-shop');
  const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
  requests.add(10, { 'http.route': '/charge', 'http.response.status_code': 200 });
  requests.add(2, { 'http.route': '/charge', 'http.response.status_code': 503 });
  meter.createUpDownCounter('queue.depth').add(3);
  meter.createGauge('cpu.utilization', { unit: '1' }).record(0.42, { core: '0' });
  const latency = meter.createHistogram('http.server.request.duration', { unit: 's' });
  for (const v of [0.01, 0.02, 0.2, 1.5]) latency.record(v, { 'http.route': '/charge' });
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
  return resourceMetrics;
}
