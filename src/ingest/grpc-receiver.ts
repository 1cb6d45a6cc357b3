/**
 * @module ingest/grpc-receiver
 * OTLP/gRPC: the three collector services' `Export`. The service definitions are built here with
 * pass-through (de)serializers so the request bytes reach the same decoder OTLP/HTTP uses, and a
 * malformed message is answered INVALID_ARGUMENT by us rather than INTERNAL by the framework.
 * grpc-js inflates gzip-compressed messages itself.
 *
 * grpc-js reads a unary call's whole message before it calls the handler, so everything that can
 * be decided without the message is decided before it is read, by a server interceptor on the
 * call's metadata: the token, shutdown, and whether the budget has room for a message of the size
 * recent ones had. Until the interceptor lets a call through, grpc-js does not read its stream
 * (HTTP/2 flow control holds the client back), and a call refused there has its incoming data
 * dropped as it arrives: two connections of 15 MiB messages without a token held 2.2 GiB before
 * (issue 16). A message that has not arrived within the read timeout is answered DEADLINE_EXCEEDED.
 */
import * as grpc from '@grpc/grpc-js';
import type { TokenVerifier } from '../auth/index.js';
import { encodeExportResponse, type Signal } from './decode/index.js';
import type { IngestBudget, Reservation } from './admission.js';
import type { InFlight } from './in-flight.js';
import { STORE_FAILURE_RETRY_AFTER_SECONDS, type IngestObserver, type IngestPipeline } from './pipeline.js';
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
  inFlight: InFlight;
  maxMessageBytes: number;
  /** How long a call's message may take to arrive after its metadata. */
  readTimeoutMs: number;
}

/** What the interceptor decided for a call, found again by the handler through the call's metadata object. */
interface AdmittedCall {
  reservation: Reservation;
  /** Held for the message (its bytes and its insert text) before its size was known. */
  provisionalBytes: number;
  /** Queued as work (its insert text) before its size was known. */
  provisionalWork: number;
}

export function createOtlpGrpcServer(opts: GrpcReceiverOptions): grpc.Server {
  const admitted = new WeakMap<grpc.Metadata, AdmittedCall>();
  const sizes = createSizeAverage();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    // Each stream's message is held whole before the handler runs; this bounds that per connection.
    'grpc.max_concurrent_streams': 64,
    interceptors: [admissionInterceptor(opts, admitted, sizes)],
  });
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    server.addService(serviceDefinition(SERVICES[signal]), {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const state = admitted.get(call.metadata);
        if (state === undefined) {
          // Only a call the interceptor let through reaches here; this is a programming error.
          fail(callback, grpc.status.INTERNAL, 'call was not admitted');
          return;
        }
        sizes.observe(call.request.byteLength);
        void handleExport(signal, call, callback, opts, state);
      },
    });
  }
  return server;
}

function signalOf(path: string): Signal | undefined {
  return (Object.keys(SERVICES) as Signal[]).find((s) => SERVICES[s] === path);
}

function statusMetadata(code: grpc.status, message: string, retryAfterSeconds: number | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (retryAfterSeconds !== undefined) {
    // google.rpc.Status with a RetryInfo detail: how OTLP tells a gRPC client it may retry, and when.
    metadata.set('grpc-status-details-bin', Buffer.from(statusBytes(code, message, retryAfterSeconds)));
  }
  return metadata;
}

function admissionInterceptor(opts: GrpcReceiverOptions, admitted: WeakMap<grpc.Metadata, AdmittedCall>, sizes: SizeAverage): grpc.ServerInterceptor {
  return (method, call) => {
    const signal = signalOf(method.path);
    let state: AdmittedCall | undefined;
    let leave: (() => void) | undefined;
    let readTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(readTimer);
      state?.reservation.release();
      leave?.();
      leave = undefined;
    };
    /** Answered here, before the message is read: grpc-js then drops the call's incoming data. */
    const refuse = (code: grpc.status, message: string, outcome: Parameters<IngestObserver['outcome']>[2], retryAfterSeconds?: number): void => {
      finish();
      if (signal !== undefined) opts.observer.outcome(signal, 'grpc', outcome);
      call.sendStatus({ code, details: message, metadata: statusMetadata(code, message, retryAfterSeconds) });
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        if (signal === undefined) {
          next(metadata); // not an OTLP export: grpc-js answers UNIMPLEMENTED itself
          return;
        }
        if (opts.inFlight.draining) {
          refuse(grpc.status.UNAVAILABLE, 'Tollgate is shutting down, retry later', 'shutting_down', STORE_FAILURE_RETRY_AFTER_SECONDS);
          return;
        }
        const header = metadata.get('authorization')[0];
        const auth = opts.tokens.check(typeof header === 'string' ? header : undefined, 'ingest');
        if (!auth.ok) {
          refuse(auth.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED, auth.message, 'unauthorized');
          return;
        }
        const deadline = call.getDeadline();
        const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined;
        const reservation = opts.budget.open('grpc', { deadlineMs });
        // Admitted on what a message has cost lately; the handler trues it up. A queue already too
        // long for this call's deadline refuses it here, before grpc-js reads a byte of it.
        const expectedBytes = sizes.average();
        const provisionalWork = opts.pipeline.estimateTextBytes(signal, 'protobuf', expectedBytes);
        const provisionalBytes = expectedBytes + provisionalWork;
        const room = reservation.admit(provisionalBytes, provisionalWork);
        if (!room.admitted) {
          reservation.release();
          refuse(grpc.status.RESOURCE_EXHAUSTED, 'ingest queue is full, retry later', 'queue_full', room.retryAfterSeconds);
          return;
        }
        state = { reservation, provisionalBytes, provisionalWork };
        leave = opts.inFlight.enter();
        readTimer = setTimeout(() => {
          refuse(grpc.status.DEADLINE_EXCEEDED, `request message did not arrive within ${opts.readTimeoutMs} ms`, 'timed_out');
        }, opts.readTimeoutMs);
        admitted.set(metadata, state);
        next(metadata);
      })
      .withOnReceiveMessage((message, next) => {
        clearTimeout(readTimer);
        next(message);
      })
      // grpc-js calls this once a call is over, answered or cancelled: whatever it held goes.
      .withOnCancel(finish)
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        next(status);
        finish();
      })
      .build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}

function fail(callback: grpc.sendUnaryData<Buffer>, code: grpc.status, message: string, retryAfterSeconds?: number): void {
  callback({ code, details: message, metadata: statusMetadata(code, message, retryAfterSeconds) }, null);
}

async function handleExport(
  signal: Signal,
  call: grpc.ServerUnaryCall<Buffer, Buffer>,
  callback: grpc.sendUnaryData<Buffer>,
  opts: GrpcReceiverOptions,
  { reservation, provisionalBytes, provisionalWork }: AdmittedCall,
): Promise<void> {
  try {
    if (call.cancelled) return;
    const inputBytes = call.request.byteLength;
    const textBytes = opts.pipeline.estimateTextBytes(signal, 'protobuf', inputBytes);
    // The message is in memory now: its size replaces the guess. Larger than guessed, the
    // difference must still fit; smaller, it is given back.
    const admission = reservation.admit(inputBytes + textBytes - provisionalBytes, textBytes - provisionalWork);
    if (!admission.admitted) {
      opts.observer.outcome(signal, 'grpc', 'queue_full');
      fail(callback, grpc.status.RESOURCE_EXHAUSTED, 'ingest queue is full, retry later', admission.retryAfterSeconds);
      return;
    }
    // grpc-js keeps `call.request` until the call ends, so the message stays held (and counted) until answered.
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined;
    const outcome = await opts.pipeline.export({
      signal, encoding: 'protobuf', body: { bytes: call.request }, transport: 'grpc', reservation, reservedTextBytes: textBytes,
      // Decoding that starts less than this before the call's deadline ends after it: refused instead.
      giveUpAt: deadlineMs === undefined ? undefined : deadlineMs - GRPC_GIVE_UP_BEFORE_DEADLINE_MS,
    });
    opts.observer.outcome(signal, 'grpc', outcome.status === 'too_late' ? 'queue_full' : outcome.status);
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
      case 'too_late':
        fail(callback, grpc.status.RESOURCE_EXHAUSTED, 'ingest queue is full, retry later', outcome.retryAfterSeconds);
        return;
    }
  } catch (e) {
    fail(callback, grpc.status.INTERNAL, e instanceof Error ? e.message : String(e));
  } finally {
    reservation.release();
  }
}

const GRPC_GIVE_UP_BEFORE_DEADLINE_MS = 2_000;

/** The size a message arriving is expected to have: the running average of recent ones. */
interface SizeAverage {
  observe(bytes: number): void;
  average(): number;
}

/** Before any message was seen: a typical export of a few hundred spans. */
const INITIAL_MESSAGE_BYTES = 256 * 1024;

function createSizeAverage(): SizeAverage {
  let average = INITIAL_MESSAGE_BYTES;
  return {
    observe(bytes) {
      average = 0.5 * average + 0.5 * bytes;
    },
    average: () => Math.ceil(average),
  };
}
