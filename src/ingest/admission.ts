/**
 * @module ingest/admission
 * Bounds the memory held by exports between receipt and acknowledgement. Every request reserves
 * its (decompressed) size before it is decoded and releases it once answered. Two limits:
 * - soft: past it, OTLP/HTTP is answered 429 + Retry-After; the HTTP exporters back off and retry;
 * - hard: past it, gRPC is refused too (RESOURCE_EXHAUSTED with RetryInfo). The OpenTelemetry JS
 *   gRPC exporter does not retry, so a refused gRPC export is lost at the client: gRPC gets the
 *   room between the two limits and is refused only when memory truly demands it.
 */
export type Transport = 'http' | 'grpc';

export type Admission =
  | { admitted: true }
  | { admitted: false; reason: 'queue_full'; retryAfterSeconds: number };

export interface AdmissionInput {
  inUseBytes: number;
  requestBytes: number;
  transport: Transport;
  softLimitBytes: number;
  hardLimitBytes: number;
}

/** How long a refused client should wait: long enough for one or two batches to drain. */
export const QUEUE_FULL_RETRY_AFTER_SECONDS = 1;

export function decideAdmission({ inUseBytes, requestBytes, transport, softLimitBytes, hardLimitBytes }: AdmissionInput): Admission {
  const limit = transport === 'grpc' ? hardLimitBytes : softLimitBytes;
  // An idle queue admits any request the body limit allowed, so one large export is never starved.
  if (inUseBytes === 0 || inUseBytes + requestBytes <= limit) return { admitted: true };
  return { admitted: false, reason: 'queue_full', retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS };
}

/** A request's share of the budget, grown as its bytes arrive and released once it is answered. */
export interface Reservation {
  add(bytes: number): Admission;
  release(): void;
}

export interface IngestBudget {
  open(transport: Transport): Reservation;
  inUseBytes(): number;
}

export function createIngestBudget({ softLimitBytes, hardLimitBytes }: { softLimitBytes: number; hardLimitBytes: number }): IngestBudget {
  let inUse = 0;
  return {
    open(transport) {
      let held = 0;
      let released = false;
      return {
        add(bytes) {
          const decision = decideAdmission({ inUseBytes: inUse - held, requestBytes: held + bytes, transport, softLimitBytes, hardLimitBytes });
          if (decision.admitted) {
            held += bytes;
            inUse += bytes;
          }
          return decision;
        },
        release() {
          if (released) return;
          released = true;
          inUse -= held;
          held = 0;
        },
      };
    },
    inUseBytes: () => inUse,
  };
}
