/**
 * @module telemetry/tracing
 * Tollgate traces itself when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard variable), over
 * OTLP/gRPC. Only coarse operations are traced (start-up, SLO evaluation, gate decisions); the
 * ingest hot path is not traced per request, which would double the work for every export.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface SelfTracing {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export function startSelfTracing(endpoint: string | undefined, version: string): SelfTracing {
  if (endpoint === undefined) return { tracer: trace.getTracer('tollgate', version), shutdown: async () => undefined };
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'tollgate', 'service.version': version }),
    traceExporter: new OTLPTraceExporter({ url: endpoint }),
    instrumentations: [],
  });
  sdk.start();
  return { tracer: trace.getTracer('tollgate', version), shutdown: () => sdk.shutdown() };
}
