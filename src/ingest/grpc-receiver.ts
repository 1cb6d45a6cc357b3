/**
 * @module ingest/grpc-receiver
 * OTLP/gRPC: the three collector services' `Export`. The service definitions are built here with
 * pass-through (de)serializers so the request bytes reach the same decoder OTLP/HTTP uses, and a
 * malformed message is answered INVALID_ARGUMENT by us rather than INTERNAL by the framework.
 * grpc-js inflates gzip-compressed messages itself.
 */
import * as grpc from '@grpc/grpc-js';
import type { TokenVerifier } from '../auth/index.js';
import { encodeExportResponse, type Signal } from './decode/index.js';
import type { IngestBudget } from './admission.js';
import type { IngestObserver, IngestPipeline } from './pipeline.js';
import { statusBytes } from './status.js';

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

const passThrough = (b: Buffer): Buffer => b;

function serviceDefinition(path: string): grpc.ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: passThrough,
      requestDeserialize: passThrough,
      responseSerialize: passThrough,
      responseDeserialize: passThrough,
    },
  };
}

export interface GrpcReceiverOptions {
  pipeline: IngestPipeline;
  budget: IngestBudget;
  tokens: TokenVerifier;
  observer: IngestObserver;
  maxMessageBytes: number;
}

export function createOtlpGrpcServer(opts: GrpcReceiverOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    // Each stream's message is held whole before the handler runs; this bounds that per connection.
    'grpc.max_concurrent_streams': 64,
  });
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    server.addService(serviceDefinition(SERVICES[signal]), {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        void handleExport(signal, call, callback, opts);
      },
    });
  }
  return server;
}

function fail(callback: grpc.sendUnaryData<Buffer>, code: grpc.status, message: string, retryAfterSeconds?: number): void {
  const metadata = new grpc.Metadata();
  if (retryAfterSeconds !== undefined) {
    // google.rpc.Status with a RetryInfo detail: how OTLP tells a gRPC client it may retry, and when.
    metadata.set('grpc-status-details-bin', Buffer.from(statusBytes(code, message, retryAfterSeconds)));
  }
  callback({ code, details: message, metadata }, null);
}

async function handleExport(
  signal: Signal,
  call: grpc.ServerUnaryCall<Buffer, Buffer>,
  callback: grpc.sendUnaryData<Buffer>,
  opts: GrpcReceiverOptions,
): Promise<void> {
  const header = call.metadata.get('authorization')[0];
  const auth = opts.tokens.check(typeof header === 'string' ? header : undefined, 'ingest');
  if (!auth.ok) {
    opts.observer.outcome(signal, 'grpc', 'unauthorized');
    fail(callback, auth.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED, auth.message);
    return;
  }
  const reservation = opts.budget.open('grpc');
  try {
    const admitted = reservation.add(call.request.byteLength);
    if (!admitted.admitted) {
      opts.observer.outcome(signal, 'grpc', 'queue_full');
      fail(callback, grpc.status.RESOURCE_EXHAUSTED, 'ingest queue is full, retry later', admitted.retryAfterSeconds);
      return;
    }
    const outcome = await opts.pipeline.export(signal, 'protobuf', call.request, 'grpc');
    opts.observer.outcome(signal, 'grpc', outcome.status);
    switch (outcome.status) {
      case 'stored':
        callback(null, Buffer.from(encodeExportResponse(signal, 'protobuf', outcome.rejectedItems, outcome.rejectionMessage)));
        return;
      case 'invalid':
        fail(callback, grpc.status.INVALID_ARGUMENT, outcome.message);
        return;
      case 'failed':
        fail(callback, grpc.status.UNAVAILABLE, outcome.message, outcome.retryAfterSeconds);
        return;
      case 'shutting_down':
        fail(callback, grpc.status.UNAVAILABLE, 'Tollgate is shutting down, retry later', outcome.retryAfterSeconds);
        return;
    }
  } catch (e) {
    fail(callback, grpc.status.INTERNAL, e instanceof Error ? e.message : String(e));
  } finally {
    reservation.release();
  }
}

