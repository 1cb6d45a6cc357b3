/**
 * @module store/unavailable
 * Whether the store can be reached, from what its statements just did: a statement that could not
 * reach ClickHouse (refused or reset connection, no answer within its timeout, an insert past its
 * deadline) marks it down; any statement that gets an answer, even a ClickHouse error, marks it up.
 * Reads and the gate answer 503 while it is down (server.ts), /healthz says so, and a probe pings
 * it every second until it answers again, so recovery needs no traffic.
 */

/** The store could not be reached: retry later. Carries what the client said as `cause`. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Socket and DNS failures Node reports by code. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
]);

/**
 * Whether an error means the store did not answer, as opposed to answering with an error (a
 * ClickHouse exception carries a numeric code and is never this). @clickhouse/client reports a
 * request timeout as "Timeout error." and a dropped connection as "socket hang up".
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const { code } = err as Error & { code?: unknown };
  if (typeof code === 'string' && /^\d+$/.test(code)) return false;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  return /socket hang up|Timeout error|ECONNREFUSED|ECONNRESET|other side closed|aborted/i.test(err.message);
}

export interface StoreHealth {
  up: boolean;
  /** When statements started failing to reach the store (unix ms); null while up. */
  downSinceMs: number | null;
  /** The first failure's message; null while up. */
  reason: string | null;
}

export interface HealthTracker {
  current(): StoreHealth;
  answered(): void;
  unreachable(err: unknown, nowMs: number): void;
}

export function createHealthTracker(onChange?: (h: StoreHealth) => void): HealthTracker {
  let health: StoreHealth = { up: true, downSinceMs: null, reason: null };
  return {
    current: () => health,
    answered() {
      if (health.up) return;
      health = { up: true, downSinceMs: null, reason: null };
      onChange?.(health);
    },
    unreachable(err, nowMs) {
      if (!health.up) return;
      health = { up: false, downSinceMs: nowMs, reason: err instanceof Error ? err.message : String(err) };
      onChange?.(health);
    },
  };
}
