/**
 * @module ingest/http-receiver
 * OTLP/HTTP (`POST /v1/traces|logs|metrics`), protobuf or JSON, optionally gzip-compressed.
 *
 * The body is read as a stream, chunk by chunk, against the body limit and the ingest budget's
 * hard limit (admission.ts), so no body is held past either. Once its first bytes are in (or all
 * of it), the request is known as new or as a patient retry (retry-tickets.ts), and one that could
 * not be admitted at its declared length (or what arrived so far) is refused right there. A
 * complete body is admitted with the insert text its rows will take (estimated by the pipeline)
 * and the predicted wait, or refused. A refusal is answered 429 + Retry-After after a short pause
 * (REFUSAL_DELAY_MS), and its body is still read to the end (and dropped) so the client gets the 429
 * on an intact connection: answering mid-upload makes HTTP clients report a socket error instead.
 * Inflation stops at the body limit, so a gzip bomb never exists inflated.
 *
 * A body that does not arrive within the read timeout is answered 408 and lets go of its share of
 * the budget (stalled uploads held theirs for minutes: issue 16).
 */
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { Hono, type Context } from 'hono';
import type { TokenVerifier } from '../auth/index.js';
import type { Encoding, Signal } from './decode/index.js';
import { encodeExportResponse } from './decode/index.js';
import type { Admission, IngestBudget, Reservation } from './admission.js';
import type { InFlight } from './in-flight.js';
import { STORE_FAILURE_RETRY_AFTER_SECONDS, type BodyParcel, type ExportOutcome, type IngestObserver, type IngestPipeline } from './pipeline.js';
import { retryKeyHasher, type RetryTickets } from './retry-tickets.js';
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
  tickets: RetryTickets;
  tokens: TokenVerifier;
  observer: IngestObserver;
  inFlight: InFlight;
  maxBodyBytes: number;
  /** How long a body may take to arrive, from the request's start. */
  readTimeoutMs: number;
  /** @default REFUSAL_DELAY_MS */
  refusalDelayMs?: number;
}

/**
 * How long a 429 is held back, reading nothing meanwhile. A client that honours Retry-After waits
 * a second anyway; one that retries at once is slowed to two tries a second instead of the ~50 it
 * made, each costing a parse, a Request, a hash and a body read: 120 such clients (4,000 refusals a
 * second) kept every event-loop turn 100–200 ms long and /healthz with it.
 */
export const REFUSAL_DELAY_MS = 500;

/**
 * An export whose turn to be decoded comes later than this after it started is refused (429)
 * instead: decoding and inserting it would take its answer past the exporters' 10 s timeout.
 */
const GIVE_UP_AFTER_MS = 6_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = Parameters<IngestObserver['outcome']>[2];
type Refusal = { status: 400 | 401 | 403 | 408 | 413 | 415 | 429 | 503; message: string; outcome: Outcome; retryAfterSeconds?: number };

export function createOtlpHttpApp(opts: HttpReceiverOptions): Hono {
  const app = new Hono();
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    app.post(`/v1/${signal}`, async (c) => {
      const leave = opts.inFlight.enter();
      try {
        return await handleExport(c, signal, opts);
      } finally {
        leave();
      }
    });
    app.all(`/v1/${signal}`, (c) => c.text('OTLP/HTTP accepts POST only\n', 405, { Allow: 'POST' }));
  }
  app.notFound((c) => c.text('not found: OTLP/HTTP paths are /v1/traces, /v1/logs and /v1/metrics\n', 404));
  return app;
}

async function handleExport(c: Context, signal: Signal, opts: HttpReceiverOptions): Promise<Response> {
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const encoding = CONTENT_TYPES[contentType];
  const responseType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  /** While shutting down, every answer closes its connection, so keep-alive clients move on. */
  const headersFor = (retryAfterSeconds?: number): Record<string, string> => ({
    'Content-Type': responseType,
    ...(retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) }),
    ...(opts.inFlight.draining ? { Connection: 'close' } : {}),
  });
  const reply = (r: Refusal): Response => {
    opts.observer.outcome(signal, 'http', r.outcome);
    return new Response(asBody(statusBody(encoding ?? 'json', grpcCodeFor(r.status), r.message)), { status: r.status, headers: headersFor(r.retryAfterSeconds) });
  };
  const deadline = Date.now() + opts.readTimeoutMs;

  if (opts.inFlight.draining) {
    // Arrived on a connection opened before shutdown began: read it to its end so the client is
    // answered, not reset, and tell it to retry (elsewhere, or here once restarted).
    await readBody(c.req.raw.body, { maxBytes: opts.maxBodyBytes, deadline, take: () => REFUSED_WHILE_DRAINING });
    return reply({ status: 503, message: 'Tollgate is shutting down, retry later', outcome: 'shutting_down', retryAfterSeconds: STORE_FAILURE_RETRY_AFTER_SECONDS });
  }
  const auth = opts.tokens.check(c.req.header('authorization'), 'ingest');
  if (!auth.ok) return reply({ status: auth.status, message: auth.message, outcome: 'unauthorized' });
  if (encoding === undefined) {
    return reply({ status: 415, message: `unsupported Content-Type "${contentType}": use application/x-protobuf or application/json`, outcome: 'unsupported' });
  }
  const contentEncoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'deflate', ''].includes(contentEncoding)) {
    return reply({ status: 415, message: `unsupported Content-Encoding "${contentEncoding}": use gzip or none`, outcome: 'unsupported' });
  }
  const declaredHeader = c.req.header('content-length');
  const declared = declaredHeader === undefined ? undefined : Number(declaredHeader);
  if (declared !== undefined && Number.isFinite(declared) && declared > opts.maxBodyBytes) {
    return reply({ status: 413, message: `body of ${declared} bytes exceeds the limit of ${opts.maxBodyBytes} bytes`, outcome: 'too_large' });
  }

  const hasher = retryKeyHasher(c.req.path);
  const queueFull = (retryAfterSeconds: number): Response => {
    const key = hasher.key(true);
    if (key !== undefined) opts.tickets.refused(key, retryAfterSeconds);
    return reply({ status: 429, message: 'ingest queue is full, retry later', outcome: 'queue_full', retryAfterSeconds });
  };
  const refusalDelayMs = opts.refusalDelayMs ?? REFUSAL_DELAY_MS;
  const reservation = opts.budget.open('http');
  try {
    let prefixDecided = false;
    /**
     * Once the first bytes name the request: a patient retry reaches further, and a request that
     * could not be admitted even at its declared length (or, without one, at what arrived so far;
     * compressed, it only grows) is refused now rather than after its whole body.
     */
    const decideOnPrefix = (received: number, ended: boolean): Admission | undefined => {
      if (prefixDecided) return undefined;
      const key = hasher.key(ended);
      if (key === undefined) return undefined;
      prefixDecided = true;
      if (opts.tickets.standing(key) === 'patient') reservation.setClass('http_retry');
      if (ended) return undefined; // the whole body is in: admitted or refused below, on its real size
      const atLeast = declared !== undefined && Number.isFinite(declared) ? declared : received;
      const text = opts.pipeline.estimateTextBytes(signal, encoding, atLeast);
      return reservation.wouldAdmit(atLeast - received + text);
    };
    const read = await readBody(c.req.raw.body, {
      maxBytes: opts.maxBodyBytes,
      deadline,
      refusalDelayMs,
      take(chunk, received, ended) {
        if (chunk !== undefined) hasher.update(chunk);
        const early = decideOnPrefix(received, ended);
        if (early !== undefined && !early.admitted) return early;
        return chunk === undefined ? ADMITTED : reservation.add(chunk.byteLength);
      },
    });
    switch (read.kind) {
      case 'too_large':
        return reply({ status: 413, message: `body exceeds the limit of ${opts.maxBodyBytes} bytes`, outcome: 'too_large' });
      case 'aborted':
        return reply({ status: 400, message: 'request body was cut off', outcome: 'invalid' });
      case 'timed_out':
        return reply({ status: 408, message: `request body did not arrive within ${opts.readTimeoutMs} ms`, outcome: 'timed_out' });
      case 'refused':
        return queueFull(read.retryAfterSeconds);
      case 'ok':
        break;
      default:
        return assertNever(read);
    }
    // Only this parcel refers to the body, so it can be collected once decoded (the pipeline empties it).
    const body = read.body;
    if (contentEncoding === 'gzip' || contentEncoding === 'deflate') {
      const inflated = await inflateInto(body, contentEncoding, opts.maxBodyBytes, reservation);
      if (inflated.kind !== 'ok') {
        return reply(
          inflated.kind === 'too_large'
            ? { status: 413, message: `decompressed body exceeds the limit of ${opts.maxBodyBytes} bytes`, outcome: 'too_large' }
            : { status: 400, message: `invalid ${contentEncoding} body: ${inflated.message}`, outcome: 'invalid' },
        );
      }
    }
    const inputBytes = body.bytes?.byteLength ?? 0;
    const textBytes = opts.pipeline.estimateTextBytes(signal, encoding, inputBytes);
    const admitted = reservation.admit(textBytes, textBytes);
    if (!admitted.admitted) {
      await sleep(refusalDelayMs);
      return queueFull(admitted.retryAfterSeconds);
    }
    const key = hasher.key(true);
    if (key !== undefined) opts.tickets.admitted(key);
    const outcome = await opts.pipeline.export({
      signal, encoding, body, transport: 'http', reservation, reservedTextBytes: textBytes,
      onDecoded: () => reservation.adjust(-inputBytes),
      giveUpAt: deadline - opts.readTimeoutMs + GIVE_UP_AFTER_MS,
    });
    if (outcome.status === 'too_late') return queueFull(outcome.retryAfterSeconds);
    opts.observer.outcome(signal, 'http', outcome.status);
    return exportResponse(signal, encoding, outcome, headersFor);
  } finally {
    reservation.release();
  }
}

const EMPTY = new Uint8Array(0);
const ADMITTED: Admission = { admitted: true };
const REFUSED_WHILE_DRAINING: Admission = { admitted: false, reason: 'queue_full', retryAfterSeconds: STORE_FAILURE_RETRY_AFTER_SECONDS };

function exportResponse(signal: Signal, encoding: Encoding, outcome: Exclude<ExportOutcome, { status: 'too_late' }>, headersFor: (retryAfterSeconds?: number) => Record<string, string>): Response {
  switch (outcome.status) {
    case 'stored':
      return new Response(asBody(encodeExportResponse(signal, encoding, outcome.rejectedItems, outcome.rejectionMessage)), { status: 200, headers: headersFor() });
    case 'invalid':
      return new Response(asBody(statusBody(encoding, GrpcCode.INVALID_ARGUMENT, outcome.message)), { status: 400, headers: headersFor() });
    case 'failed':
      return new Response(asBody(statusBody(encoding, GrpcCode.UNAVAILABLE, outcome.message)), { status: 503, headers: headersFor(outcome.retryAfterSeconds) });
    case 'shutting_down':
      return new Response(asBody(statusBody(encoding, GrpcCode.UNAVAILABLE, 'Tollgate is shutting down, retry later')), {
        status: 503,
        headers: headersFor(outcome.retryAfterSeconds),
      });
    default:
      return assertNever(outcome);
  }
}

type ReadResult =
  | { kind: 'ok'; body: BodyParcel }
  | { kind: 'too_large' }
  | { kind: 'refused'; retryAfterSeconds: number }
  | { kind: 'timed_out' }
  | { kind: 'aborted' };

interface ReadPlan {
  maxBytes: number;
  /** Date.now() time by which the whole body must be in. */
  deadline: number;
  /** After a refusal, nothing is read for this long; then the rest is read and dropped. */
  refusalDelayMs?: number;
  /**
   * Whether to keep a chunk (`received` bytes so far); called once more with no chunk when the body
   * ended. A refusal drops what was kept and reads the rest without keeping it.
   */
  take(chunk: Uint8Array | undefined, received: number, ended: boolean): Admission;
}

async function readBody(stream: ReadableStream<Uint8Array> | null, { maxBytes, deadline, refusalDelayMs = 0, take }: ReadPlan): Promise<ReadResult> {
  if (stream === null) {
    const d = take(undefined, 0, true);
    return d.admitted ? { kind: 'ok', body: { bytes: EMPTY } } : { kind: 'refused', retryAfterSeconds: d.retryAfterSeconds };
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let refusal: { kind: 'refused'; retryAfterSeconds: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed_out'>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), Math.max(0, deadline - Date.now()));
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]);
      if (next === 'timed_out') {
        // The client stalled: nothing more is waited for or held. The answer closes the connection
        // (the server framework drains briefly, then drops it).
        chunks.length = 0;
        return { kind: 'timed_out' };
      }
      if (next.done) break;
      const value = next.value;
      total += value.byteLength;
      if (total > maxBytes) {
        // Past the body limit nothing more is read: the connection is closed with the 413.
        await reader.cancel().catch(() => undefined);
        return { kind: 'too_large' };
      }
      if (refusal !== undefined) continue; // drained and dropped, never held
      const d = take(value, total, false);
      if (d.admitted) {
        chunks.push(value);
      } else {
        // Keep reading (and dropping) the rest so the client receives the 429 on an intact
        // connection; answering mid-upload makes HTTP clients report a socket error instead.
        refusal = { kind: 'refused', retryAfterSeconds: d.retryAfterSeconds };
        chunks.length = 0;
        await Promise.race([sleep(refusalDelayMs), timedOut]);
      }
    }
  } catch {
    // The client hung up mid-body: nothing to decode and nobody to answer.
    return { kind: 'aborted' };
  } finally {
    clearTimeout(timer);
  }
  if (refusal !== undefined) return refusal;
  const last = take(undefined, total, true);
  if (!last.admitted) return { kind: 'refused', retryAfterSeconds: last.retryAfterSeconds };
  reader.releaseLock();
  return { kind: 'ok', body: { bytes: chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks) } };
}

type InflateResult = { kind: 'ok' } | { kind: 'too_large' } | { kind: 'invalid'; message: string };

/** Replaces the parcel's compressed bytes by their inflation, and what the reservation holds with them. */
async function inflateInto(body: BodyParcel, encoding: 'gzip' | 'deflate', maxBytes: number, reservation: Reservation): Promise<InflateResult> {
  const compressed = body.bytes ?? EMPTY;
  try {
    // maxOutputLength makes zlib stop and fail once the output passes the limit.
    body.bytes = await (encoding === 'gzip' ? gunzipAsync : inflateAsync)(compressed, { maxOutputLength: maxBytes });
    // The compressed bytes are garbage now; the inflated ones are what is held.
    reservation.adjust(body.bytes.byteLength - compressed.byteLength);
    return { kind: 'ok' };
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
    case 408:
      return GrpcCode.DEADLINE_EXCEEDED;
    case 429:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 503:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.INVALID_ARGUMENT;
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
