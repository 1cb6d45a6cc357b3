/**
 * @module ingest/admission
 * Bounds the memory held by exports between receipt and acknowledgement, and the time they wait.
 *
 * Memory: a request holds what it costs, not what it weighed on the wire. While its body arrives it
 * holds those bytes; once the body is complete it also holds the JSON text its rows will be inserted
 * as (estimated from its size, then trued up piece by piece as it is encoded; see pipeline.ts),
 * until the inserts holding that text return. Decoding runs a piece at a time, one request at a
 * time, so the decoded objects and rows are a small constant, not a per-request cost.
 *
 * Time: a request is admitted only if the work queued ahead of it drains, at the rate it has been
 * draining, within the class's wait: answering 429 at once beats answering 200 after the exporter
 * gave up (OTel exporters wait 10 s). Its own work is not counted against it: a request that takes
 * longer than the wait on its own (70,000 spans on a busy machine) would otherwise be admitted only
 * into an empty budget, which bodies being read keep from ever being empty under a flood, and never
 * be stored at all. Work is counted in insert text (estimated, as above), which
 * follows the rows to decode and insert more closely than wire bytes do: a span without attributes
 * takes 73 bytes on the wire, one with fifteen 530, and both a row.
 *
 * Three classes:
 * - `http`: OTLP/HTTP, up to the soft limit and the HTTP wait; the HTTP exporters back off and retry;
 * - `http_retry`: an OTLP/HTTP export refused before that came back no sooner than Retry-After said
 *   (retry-tickets.ts): up to the hard limit and twice the wait, so clients that honour Retry-After
 *   are not crowded out by clients that retry at once;
 * - `grpc`: up to the hard limit, and only if the predicted wait leaves a margin to the call's own
 *   deadline (GRPC_DEADLINE_SHARE: predictions are off by tens of percent). The OpenTelemetry JS
 *   gRPC exporter does not retry, so a refused gRPC export is lost at the client: gRPC is refused
 *   only when memory demands it or the answer would come after the client stopped waiting.
 */
export type RequestClass = 'http' | 'http_retry' | 'grpc';

export type Admission =
  | { admitted: true }
  | { admitted: false; reason: 'queue_full'; retryAfterSeconds: number };

export interface AdmissionInput {
  /** Bytes held by every other request. */
  inUseBytes: number;
  /** What this request would hold in all, if admitted. */
  requestBytes: number;
  limitBytes: number;
  /** How long the work queued ahead of this request takes to drain, as far as the drain rate tells. */
  waitMs: number;
  maxWaitMs: number;
}

/**
 * The share of a gRPC call's remaining deadline the work ahead of it may take. Its own decoding and
 * inserts come after, and the pipeline refuses a call whose turn comes within 2 s of its deadline;
 * at 0.6, 32 clients of 2,000-span exports on a busy machine had half their calls refused though
 * every admitted one was answered within 6.4 s of its 10.
 */
export const GRPC_DEADLINE_SHARE = 0.8;

/** How long a refused client should wait: long enough for a batch or two to drain. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 1;

const REFUSED: Admission = { admitted: false, reason: 'queue_full', retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS };
const ADMITTED: Admission = { admitted: true };

export function decideAdmission({ inUseBytes, requestBytes, limitBytes, waitMs, maxWaitMs }: AdmissionInput): Admission {
  // An idle queue admits any request the body limit allowed, so one large export is never starved.
  if (inUseBytes === 0) return ADMITTED;
  if (inUseBytes + requestBytes > limitBytes) return REFUSED;
  if (waitMs > maxWaitMs) return REFUSED;
  return ADMITTED;
}

/** One request's hold on the budget, from its first byte until it is answered. */
export interface Reservation {
  /** Holds `bytes` more (body bytes as they arrive) if the hard limit allows; refused, nothing more is held. */
  add(bytes: number): Admission;
  /**
   * Whether the request would be admitted with `bytes` more held, behind the work already queued,
   * without holding anything (a refusal before reading a body whose length is declared).
   */
  wouldAdmit(bytes: number): Admission;
  /**
   * Holds `bytes` more and queues `workBytes` more work, if both limits allow (once a body is
   * complete; again, with the difference, when an estimate turns out low).
   */
  admit(bytes: number, workBytes: number): Admission;
  /** Holds more or less whatever the limits: memory already spent (a measurement replacing an estimate) or given back. */
  adjust(deltaBytes: number): void;
  /** A patient retry is known once its first bytes are in. */
  setClass(cls: RequestClass): void;
  /** Its work went through (decoded, and stored or failed): `release` counts it as drained. */
  processed(): void;
  /** The request was answered: frees what it holds and takes its work off the queue. */
  release(): void;
}

export interface IngestBudget {
  /** `deadlineMs`: when the client stops waiting (gRPC deadlines), as a Date.now() time. */
  open(cls: RequestClass, opts?: { deadlineMs?: number }): Reservation;
  inUseBytes(): number;
  /** Work (insert text bytes) of admitted exports not yet answered. */
  queuedWorkBytes(): number;
}

export interface IngestBudgetOptions {
  softLimitBytes: number;
  hardLimitBytes: number;
  /** @default 2_500: how long an admitted OTLP/HTTP export may expect to wait; patient retries get twice this. */
  maxWaitMs?: number;
  now?: () => number;
}

export function createIngestBudget({ softLimitBytes, hardLimitBytes, maxWaitMs = 2_500, now = Date.now }: IngestBudgetOptions): IngestBudget {
  let inUse = 0;
  const drain = createDrainRate(now);
  const limitsOf = (cls: RequestClass, deadlineMs: number | undefined): { limitBytes: number; maxWaitMs: number } => {
    switch (cls) {
      case 'http':
        return { limitBytes: softLimitBytes, maxWaitMs };
      case 'http_retry':
        return { limitBytes: hardLimitBytes, maxWaitMs: 2 * maxWaitMs };
      case 'grpc':
        // A call without a deadline waits as long as a patient retry would.
        return { limitBytes: hardLimitBytes, maxWaitMs: deadlineMs === undefined ? 2 * maxWaitMs : GRPC_DEADLINE_SHARE * (deadlineMs - now()) };
      default:
        return assertNever(cls);
    }
  };

  return {
    open(initial, { deadlineMs } = {}) {
      let cls = initial;
      let held = 0;
      let queued = 0;
      let released = false;
      let wasProcessed = false;
      /** The wait is judged on the work ahead of this request's own (queued work, drained at its measured rate). */
      const decide = (bytes: number): Admission =>
        decideAdmission({
          inUseBytes: inUse - held,
          requestBytes: held + bytes,
          waitMs: drain.aheadMs(queued),
          ...limitsOf(cls, deadlineMs),
        });
      return {
        setClass(next) {
          cls = next;
        },
        add(bytes) {
          // Body bytes in flight count against the hard limit whatever the class: memory is what it
          // guards. The soft limit decides who is queued, at `admit`.
          const d = decideAdmission({ inUseBytes: inUse - held, requestBytes: held + bytes, waitMs: 0, maxWaitMs: Infinity, limitBytes: hardLimitBytes });
          if (d.admitted) {
            held += bytes;
            inUse += bytes;
          }
          return d;
        },
        wouldAdmit: decide,
        admit(bytes, workBytes) {
          const d = bytes <= 0 && workBytes <= 0 ? ADMITTED : decide(bytes);
          if (d.admitted && !released) {
            held += bytes;
            inUse += bytes;
            queued += workBytes;
            drain.enqueue(workBytes);
          }
          return d;
        },
        adjust(delta) {
          if (released) return;
          const d = Math.max(delta, -held);
          held += d;
          inUse += d;
        },
        processed() {
          wasProcessed = true;
        },
        release() {
          if (released) return;
          released = true;
          inUse -= held;
          held = 0;
          // Work refused or cancelled after it was queued did not drain: counting it would make the
          // queue look faster than it is (gRPC calls refused on their real size inflated the rate ~20×).
          if (queued !== 0) drain.done(queued, wasProcessed);
        },
      };
    },
    inUseBytes: () => inUse,
    queuedWorkBytes: () => drain.queuedBytes(),
  };
}

/**
 * The rate queued work is answered at, in work bytes per millisecond, measured only while there is
 * work queued (an idle queue says nothing about capacity): each window of a second of busy time
 * gives a sample, averaged with the last estimate.
 */
export interface DrainRate {
  enqueue(bytes: number): void;
  /** `bytes` leave the queue; `processed`: they were worked through, so they count for the rate. */
  done(bytes: number, processed: boolean): void;
  queuedBytes(): number;
  bytesPerMs(): number;
  /** How long the queued work other than `ownBytes` (what the asking request queued already) takes to drain. */
  aheadMs(ownBytes: number): number;
}

/**
 * Before anything was measured: 4 MB/s of insert text, about 15,000 spans a second, half of the
 * low end of what two quiet cores drained under floods (measured 6–10 MB/s; 1–2 MB/s when other
 * processes took the cores), so the first second of a flood admits too little rather than too much;
 * the first busy second replaces it.
 */
const INITIAL_BYTES_PER_MS = 4_000;
const WINDOW_BUSY_MS = 1_000;

export function createDrainRate(now: () => number = Date.now): DrainRate {
  let queued = 0;
  let rate = INITIAL_BYTES_PER_MS;
  let windowBytes = 0;
  let windowBusyMs = 0;
  let lastEventAt = now();
  /** Counts the time since the last event as busy if work was queued meanwhile. */
  const accrue = (): void => {
    const t = now();
    if (queued > 0) windowBusyMs += t - lastEventAt;
    lastEventAt = t;
  };
  const closeWindow = (): void => {
    if (windowBusyMs < WINDOW_BUSY_MS) return;
    rate = Math.max(1, (rate + windowBytes / windowBusyMs) / 2);
    windowBytes = 0;
    windowBusyMs = 0;
  };
  return {
    enqueue(bytes) {
      accrue();
      queued += bytes;
    },
    done(bytes, processed) {
      accrue();
      // Work answered now was worked on during the busy time just counted: same window.
      if (processed) windowBytes += bytes;
      queued = Math.max(0, queued - bytes);
      closeWindow();
    },
    queuedBytes: () => queued,
    bytesPerMs: () => rate,
    aheadMs(ownBytes) {
      accrue();
      closeWindow();
      return Math.max(0, queued - ownBytes) / rate;
    },
  };
}

function assertNever(x: never): never {
  throw new Error(`unexpected request class ${JSON.stringify(x)}`);
}
