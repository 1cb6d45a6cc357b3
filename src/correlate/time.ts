/**
 * @module correlate/time
 * Times as the correlate API writes them: an ISO string for people and tools (millisecond
 * precision, what `Date` parses everywhere) beside the exact unix nanoseconds as a decimal string
 * (JSON numbers lose precision past 2^53, and OTLP timestamps are nanoseconds). Pure.
 */
import { parseDurationMs } from '../slo/math/index.js';

/** `2026-11-24T10:00:00.123Z` from unix nanoseconds (sub-millisecond digits are truncated, not rounded). */
export function isoFromNanos(ns: bigint): string {
  // Floor division for times before 1970 as well, so the ISO text never lands after the exact instant.
  const ms = ns >= 0n ? ns / 1_000_000n : -((-ns + 999_999n) / 1_000_000n);
  return new Date(Number(ms)).toISOString();
}

/** ClickHouse answers 64-bit integers as strings (the store quotes them); anything else is read as 0. */
export function nanos(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return 0n;
}

/** Nanoseconds as milliseconds, a plain number (exact to the microsecond for any span a person reads). */
export function nanosToMs(ns: bigint): number {
  return Number(ns) / 1_000_000;
}

export type Lookback = { ok: true; seconds: number } | { ok: false; error: string };

/**
 * A `since` query parameter: a duration as SLO files write them (`1h`, `7d`), whole seconds, at
 * most `maxSeconds`. Absent means `defaultSeconds`.
 */
export function parseSince(text: string | undefined, defaultSeconds: number, maxSeconds: number): Lookback {
  if (text === undefined || text === '') return { ok: true, seconds: defaultSeconds };
  const parsed = parseDurationMs(text);
  if (!parsed.ok) return { ok: false, error: `since: ${parsed.message}` };
  if (parsed.value < 60_000) return { ok: false, error: `since: ${JSON.stringify(text)} is shorter than a minute, the rollups' resolution` };
  if (parsed.value > maxSeconds * 1000) return { ok: false, error: `since: ${JSON.stringify(text)} is longer than the ${maxSeconds / 86_400}d allowed here` };
  return { ok: true, seconds: Math.floor(parsed.value / 1000) };
}
