/**
 * @module ingest/retry-tickets
 * Tells a client that honours Retry-After from one that does not, without knowing who either is.
 * OTLP exporters retry an export with the very same bytes (the OpenTelemetry exporters keep the
 * serialized request and send it again), so a refused export is remembered by a hash of its first
 * bytes and the time its Retry-After ends. The same export coming back after that time is a patient
 * retry and gets the admission class that reaches past the soft limit (admission.ts). Coming back
 * sooner, as a client that never backs off does, earns nothing and moves its time on: it has to
 * wait the full Retry-After again to count as patient.
 *
 * Measured before this (issue 16): 100 clients retrying at once took the capacity and the official
 * exporters, which wait as told, got 0–1 of ~70 exports through.
 */
import { createHash } from 'node:crypto';

/**
 * How much of a body identifies it: enough to cover the resource and an export's first spans,
 * whose ids differ. Hashing it is paid on every request, refused ones included (4,000 refusals a
 * second under a flood took 0.28 s of CPU a second at 64 KiB).
 */
export const RETRY_KEY_PREFIX_BYTES = 16 * 1024;

export type Standing = 'patient' | 'early' | 'new';

export interface RetryTickets {
  /** How a request with this key stands: refused before and back in time, back too soon, or unknown. */
  standing(key: string): Standing;
  /** A request with this key was refused and told to retry after `retryAfterSeconds`. */
  refused(key: string, retryAfterSeconds: number): void;
  /** A request with this key was admitted: its ticket is used up. */
  admitted(key: string): void;
}

export interface RetryTicketOptions {
  /** @default 10_000: tickets kept; the oldest go first. */
  maxTickets?: number;
  /** @default 30_000: how long after its Retry-After a ticket still counts (exporters back off further after repeated refusals). */
  graceMs?: number;
  /**
   * @default 0.25: the share of its Retry-After a retry may come early and still count as on time:
   * exporters that fall back to their own backoff jitter it by ±20 %, while clients that do not
   * wait come back within milliseconds.
   */
  earlyShare?: number;
  now?: () => number;
}

export function createRetryTickets({ maxTickets = 10_000, graceMs = 30_000, earlyShare = 0.25, now = Date.now }: RetryTicketOptions = {}): RetryTickets {
  /** key → from when a retry counts as patient (ms). A Map keeps insertion order, so the first key is the oldest. */
  const notBefore = new Map<string, number>();
  return {
    standing(key) {
      const at = notBefore.get(key);
      if (at === undefined) return 'new';
      const t = now();
      if (t > at + graceMs) {
        notBefore.delete(key);
        return 'new';
      }
      return t >= at ? 'patient' : 'early';
    },
    refused(key, retryAfterSeconds) {
      notBefore.delete(key); // re-inserted last: it is now the newest
      notBefore.set(key, now() + (1 - earlyShare) * retryAfterSeconds * 1000);
      while (notBefore.size > maxTickets) {
        const oldest = notBefore.keys().next().value;
        if (oldest === undefined) break;
        notBefore.delete(oldest);
      }
    },
    admitted(key) {
      notBefore.delete(key);
    },
  };
}

/**
 * The key of a request, fed its body as it arrives: its path and its first RETRY_KEY_PREFIX_BYTES.
 * `key()` is known once that many bytes (or the whole body) went in.
 */
export interface RetryKeyHasher {
  update(chunk: Uint8Array): void;
  /** The key, once the prefix is complete or `bodyEnded`; undefined before. */
  key(bodyEnded: boolean): string | undefined;
}

export function retryKeyHasher(path: string): RetryKeyHasher {
  const hash = createHash('sha256').update(path).update('\n');
  let left = RETRY_KEY_PREFIX_BYTES;
  let key: string | undefined;
  return {
    update(chunk) {
      if (left <= 0) return;
      const part = chunk.byteLength <= left ? chunk : chunk.subarray(0, left);
      hash.update(part);
      left -= part.byteLength;
    },
    key(bodyEnded) {
      if (key === undefined && (left <= 0 || bodyEnded)) key = hash.digest('base64');
      return key;
    },
  };
}
