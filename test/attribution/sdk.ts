/**
 * Traces and logs made by the official OpenTelemetry SDKs, at chosen instants and with chosen
 * parents across services, sent by the official OTLP/HTTP protobuf exporters. One provider per
 * resource (service, config_hash, environment), as each process of a real system has its own.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { type SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export { SpanKind };

export interface Where {
  service: string;
  configHash?: string;
  environment?: string;
}

/** One span and the spans under it; a child may belong to another service (a callee). */
export interface SpanPlan {
  at: Where;
  name: string;
  kind: SpanKind;
  startMs: number;
  durationMs: number;
  attributes?: Attributes;
  /** Status error with this message ('' for none); with `exception`, an exception event of that type first. */
  error?: { message?: string; exception?: { type: string; message: string } };
  children?: SpanPlan[];
}

const resourceKey = (w: Where): string => JSON.stringify([w.service, w.configHash ?? '', w.environment ?? '']);
const resourceOf = (w: Where) => resourceFromAttributes({
  'service.name': w.service,
  ...(w.configHash === undefined ? {} : { config_hash: w.configHash }),
  ...(w.environment === undefined ? {} : { 'deployment.environment.name': w.environment }),
});

/** Spans made by per-resource SDK tracers, kept in memory until `send`. */
export class TraceMaker {
  private readonly providers = new Map<string, { provider: BasicTracerProvider; memory: InMemorySpanExporter }>();

  private tracerOf(w: Where) {
    const key = resourceKey(w);
    let p = this.providers.get(key);
    if (p === undefined) {
      const memory = new InMemorySpanExporter();
      p = { provider: new BasicTracerProvider({ resource: resourceOf(w), spanProcessors: [new SimpleSpanProcessor(memory)] }), memory };
      this.providers.set(key, p);
    }
    return p.provider.getTracer('attribution-scenarios', '1.0.0');
  }

  /** Makes the span and its children; answers its trace id. */
  make(plan: SpanPlan, parent: Context = context.active()): string {
    const span = this.tracerOf(plan.at).startSpan(plan.name, { kind: plan.kind, startTime: new Date(plan.startMs), attributes: plan.attributes }, parent);
    const here = trace.setSpan(parent, span);
    for (const child of plan.children ?? []) this.make(child, here);
    if (plan.error !== undefined) {
      if (plan.error.exception !== undefined) {
        span.recordException({ name: plan.error.exception.type, message: plan.error.exception.message }, new Date(plan.startMs + plan.durationMs));
      }
      span.setStatus({ code: SpanStatusCode.ERROR, ...(plan.error.message === undefined ? {} : { message: plan.error.message }) });
    }
    span.end(new Date(plan.startMs + plan.durationMs));
    return span.spanContext().traceId;
  }

  /** Every span made so far, exported with OTLPTraceExporter (HTTP/protobuf) in chunks; throws unless each is acknowledged. */
  async send(otlpHttpUrl: string, chunk = 2_000): Promise<number> {
    const spans: ReadableSpan[] = [];
    for (const { provider, memory } of this.providers.values()) {
      await provider.forceFlush();
      spans.push(...memory.getFinishedSpans());
      memory.reset();
    }
    const exporter = new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces` });
    try {
      for (let i = 0; i < spans.length; i += chunk) await exportOrThrow(exporter, spans.slice(i, i + chunk));
    } finally {
      await exporter.shutdown();
    }
    return spans.length;
  }
}

export interface LogPlan {
  at: Where;
  atMs: number;
  severityNumber: SeverityNumber;
  severityText: string;
  body: string;
}

/** Log records emitted through SDK loggers and exported with OTLPLogExporter (HTTP/protobuf). */
export async function sendLogs(otlpHttpUrl: string, plans: readonly LogPlan[]): Promise<void> {
  const byResource = new Map<string, { provider: LoggerProvider; memory: InMemoryLogRecordExporter }>();
  for (const p of plans) {
    const key = resourceKey(p.at);
    let entry = byResource.get(key);
    if (entry === undefined) {
      const memory = new InMemoryLogRecordExporter();
      entry = { provider: new LoggerProvider({ resource: resourceOf(p.at), processors: [new SimpleLogRecordProcessor({ exporter: memory })] }), memory };
      byResource.set(key, entry);
    }
    entry.provider.getLogger('attribution-scenarios').emit({
      timestamp: new Date(p.atMs), observedTimestamp: new Date(p.atMs), severityNumber: p.severityNumber, severityText: p.severityText, body: p.body,
    });
  }
  const records: ReadableLogRecord[] = [];
  for (const { provider, memory } of byResource.values()) {
    await provider.forceFlush();
    records.push(...memory.getFinishedLogRecords());
  }
  const exporter = new OTLPLogExporter({ url: `${otlpHttpUrl}/v1/logs` });
  try {
    await exportOrThrow(exporter, records);
  } finally {
    await exporter.shutdown();
  }
}

async function exportOrThrow<T>(exporter: { export(items: T, done: (r: ExportResult) => void): void }, items: T): Promise<void> {
  const result = await new Promise<ExportResult>((resolve) => exporter.export(items, resolve));
  if (result.code !== ExportResultCode.SUCCESS) throw new Error(`export failed: ${String(result.error)}`);
}
