/**
 * @module ingest/http-receiver
 * OTLP/HTTP (`POST /v1/traces|logs|metrics`), protobuf or JSON, optionally gzip-compressed.
 * The body is read as a stream against two limits: the wire bytes, and the admission budget
 * (counted chunk by chunk, so a chunked upload cannot grow past it). Inflation stops at the same
 * body limit, so a gzip bomb never exists inflated in memory.
 */
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { Hono, type Context } from 'hono';
import type { TokenVerifier } from '../auth/index.js';
import type { Encoding, Signal } from './decode/index.js';
import { encodeExportResponse } from './decode/index.js';
import type { IngestBudget, Reservation } from './admission.js';
import type { ExportOutcome, IngestObserver, IngestPipeline } from './pipeline.js';
import { GrpcCode, statusBody } from './status.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

const CONTENT_TYPES: Record<string, Encoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

export interface HttpReceiverOptions {
  pipeline: IngestPipeline;
  budget: IngestBudget;
  tokens: TokenVerifier;
  observer: IngestObserver;
  maxBodyBytes: number;
}

type Refusal = { status: 400 | 401 | 403 | 413 | 415 | 429; message: string; outcome: Parameters<IngestObserver['outcome']>[2]; retryAfterSeconds?: number };

export function createOtlpHttpApp(opts: HttpReceiverOptions): Hono {
  const app = new Hono();
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    app.post(`/v1/${signal}`, (c) => handleExport(c, signal, opts));
    app.all(`/v1/${signal}`, (c) => c.text('OTLP/HTTP accepts POST only\n', 405, { Allow: 'POST' }));
  }
  app.notFound((c) => c.text('not found: OTLP/HTTP paths are /v1/traces, /v1/logs and /v1/metrics\n', 404));
  return app;
}

async function handleExport(c: Context, signal: Signal, opts: HttpReceiverOptions): Promise<Response> {
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const encoding = CONTENT_TYPES[contentType];
  const reply = (r: Refusal): Response => {
    opts.observer.outcome(signal, 'http', r.outcome);
    const headers: Record<string, string> = { 'Content-Type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json' };
    if (r.retryAfterSeconds !== undefined) headers['Retry-After'] = String(r.retryAfterSeconds);
    return new Response(asBody(statusBody(encoding ?? 'json', grpcCodeFor(r.status), r.message)), { status: r.status, headers });
  };

  const auth = opts.tokens.check(c.req.header('authorization'), 'ingest');
  if (!auth.ok) return reply({ status: auth.status, message: auth.message, outcome: 'unauthorized' });
  if (encoding === undefined) {
    return reply({ status: 415, message: `unsupported Content-Type "${contentType}": use application/x-protobuf or application/json`, outcome: 'unsupported' });
  }
  const contentEncoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'deflate', ''].includes(contentEncoding)) {
    return reply({ status: 415, message: `unsupported Content-Encoding "${contentEncoding}": use gzip or none`, outcome: 'unsupported' });
  }
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBodyBytes) {
    return reply({ status: 413, message: `body of ${declared} bytes exceeds the limit of ${opts.maxBodyBytes} bytes`, outcome: 'too_large' });
  }

  const reservation = opts.budget.open('http');
  try {
    const read = await readBody(c.req.raw.body, opts.maxBodyBytes, reservation);
    if (read.kind === 'too_large') {
      return reply({ status: 413, message: `body exceeds the limit of ${opts.maxBodyBytes} bytes`, outcome: 'too_large' });
    }
    if (read.kind === 'aborted') {
      return reply({ status: 400, message: 'request body was cut off', outcome: 'invalid' });
    }
    if (read.kind === 'queue_full') {
      return reply({ status: 429, message: 'ingest queue is full, retry later', outcome: 'queue_full', retryAfterSeconds: read.retryAfterSeconds });
    }
    let body = read.bytes;
    if (contentEncoding === 'gzip' || contentEncoding === 'deflate') {
      const inflated = await inflateBody(body, contentEncoding, opts.maxBodyBytes);
      if (inflated.kind !== 'ok') {
        return reply(
          inflated.kind === 'too_large'
            ? { status: 413, message: `decompressed body exceeds the limit of ${opts.maxBodyBytes} bytes`, outcome: 'too_large' }
            : { status: 400, message: `invalid ${contentEncoding} body: ${inflated.message}`, outcome: 'invalid' },
        );
      }
      const admitted = reservation.add(inflated.bytes.byteLength);
      if (!admitted.admitted) {
        return reply({ status: 429, message: 'ingest queue is full, retry later', outcome: 'queue_full', retryAfterSeconds: admitted.retryAfterSeconds });
      }
      body = inflated.bytes;
    }
    const outcome = await opts.pipeline.export(signal, encoding, body, 'http');
    opts.observer.outcome(signal, 'http', outcome.status);
    return exportResponse(signal, encoding, outcome);
  } finally {
    reservation.release();
  }
}

function exportResponse(signal: Signal, encoding: Encoding, outcome: ExportOutcome): Response {
  const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  switch (outcome.status) {
    case 'stored':
      return new Response(asBody(encodeExportResponse(signal, encoding, outcome.rejectedItems, outcome.rejectionMessage)), {
        status: 200,
        headers: { 'Content-Type': contentType },
      });
    case 'invalid':
      return new Response(asBody(statusBody(encoding, GrpcCode.INVALID_ARGUMENT, outcome.message)), { status: 400, headers: { 'Content-Type': contentType } });
    case 'failed':
      return new Response(asBody(statusBody(encoding, GrpcCode.UNAVAILABLE, outcome.message)), {
        status: 503,
        headers: { 'Content-Type': contentType, 'Retry-After': String(outcome.retryAfterSeconds) },
      });
    case 'shutting_down':
      return new Response(asBody(statusBody(encoding, GrpcCode.UNAVAILABLE, 'Tollgate is shutting down, retry later')), {
        status: 503,
        headers: { 'Content-Type': contentType, 'Retry-After': String(outcome.retryAfterSeconds) },
      });
    default:
      return assertNever(outcome);
  }
}

type ReadResult =
  | { kind: 'ok'; bytes: Uint8Array }
  | { kind: 'too_large' }
  | { kind: 'queue_full'; retryAfterSeconds: number }
  | { kind: 'aborted' };

async function readBody(stream: ReadableStream<Uint8Array> | null, maxBytes: number, reservation: Reservation): Promise<ReadResult> {
  if (stream === null) return { kind: 'ok', bytes: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let refusal: { kind: 'queue_full'; retryAfterSeconds: number } | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        // Past the body limit nothing more is read: the connection is closed with the 413.
        await reader.cancel().catch(() => undefined);
        return { kind: 'too_large' };
      }
      if (refusal !== undefined) continue; // drained and dropped, never held
      const admitted = reservation.add(value.byteLength);
      if (admitted.admitted) {
        chunks.push(value);
      } else {
        // Keep reading (and dropping) the rest so the client receives the 429 on an intact
        // connection; answering mid-upload makes HTTP clients report a socket error instead.
        refusal = { kind: 'queue_full', retryAfterSeconds: admitted.retryAfterSeconds };
        chunks.length = 0;
      }
    }
  } catch {
    // The client hung up mid-body: nothing to decode and nobody to answer.
    return { kind: 'aborted' };
  }
  if (refusal !== undefined) return refusal;
  reader.releaseLock();
  return { kind: 'ok', bytes: chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks) };
}

type InflateResult = { kind: 'ok'; bytes: Uint8Array } | { kind: 'too_large' } | { kind: 'invalid'; message: string };

async function inflateBody(bytes: Uint8Array, encoding: 'gzip' | 'deflate', maxBytes: number): Promise<InflateResult> {
  try {
    // maxOutputLength makes zlib stop and fail once the output passes the limit.
    const out = await (encoding === 'gzip' ? gunzipAsync : inflateAsync)(bytes, { maxOutputLength: maxBytes });
    return { kind: 'ok', bytes: out };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) return { kind: 'too_large' };
    return { kind: 'invalid', message: err.message };
  }
}

/** Our bytes always sit on a plain ArrayBuffer (never a SharedArrayBuffer), which Response accepts. */
function asBody(bytes: Uint8Array): BodyInit {
  return bytes as Uint8Array<ArrayBuffer>;
}

function grpcCodeFor(httpStatus: number): number {
  switch (httpStatus) {
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 429:
      return GrpcCode.RESOURCE_EXHAUSTED;
    default:
      return GrpcCode.INVALID_ARGUMENT;
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected outcome ${JSON.stringify(x)}`);
}
