/**
 * Spans at chosen instants, made by the official OpenTelemetry SDK (explicit start and end times)
 * and sent by the official OTLP/HTTP protobuf exporter: for tests that need exact counts in exact
 * minutes on data that arrived the way applications send it.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResourceSpec, SpanSpec } from './spans.js';

/** The spans as the SDK finishes them: server spans unless `kind` says otherwise, failing when `error`. */
export function sdkSpans(resource: ResourceSpec, specs: readonly SpanSpec[]): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': resource.service,
      ...(resource.configHash === undefined ? {} : { config_hash: resource.configHash }),
      ...(resource.environment === undefined ? {} : { 'deployment.environment.name': resource.environment }),
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('tollgate-test');
  const KINDS = [SpanKind.INTERNAL, SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER] as const;
  for (const s of specs) {
    const span = tracer.startSpan(s.name ?? 'POST /charge', {
      kind: KINDS[s.kind ?? 2],
      startTime: s.startMs,
      attributes: { ...(s.httpStatus === undefined ? {} : { 'http.response.status_code': s.httpStatus }), ...s.attributes },
    });
    if (s.error === true) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.end(s.startMs + (s.durationMs ?? 10));
  }
  return memory.getFinishedSpans();
}

/** Sends spans through the official exporter in chunks; throws unless every export succeeds. */
export async function exportSpans(otlpHttpUrl: string, resource: ResourceSpec, specs: readonly SpanSpec[], { chunk = 2_000, headers = {} }: { chunk?: number; headers?: Record<string, string> } = {}): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces`, timeoutMillis: 60_000, headers });
  try {
    for (let i = 0; i < specs.length; i += chunk) {
      const spans = sdkSpans(resource, specs.slice(i, i + chunk));
      const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
      if (result.code !== ExportResultCode.SUCCESS) throw new Error(`export failed: ${String(result.error)}`);
    }
  } finally {
    await exporter.shutdown();
  }
}
