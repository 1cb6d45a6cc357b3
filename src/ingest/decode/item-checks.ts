/**
 * @module ingest/decode/item-checks
 * What ClickHouse would refuse, or silently store wrong, refused per item at decode instead, with
 * its reason for the exporter's `partial_success`. One bad span must never fail the coalesced
 * insert that carries other clients' spans (the insert would fail whole and every export in it
 * would be told to retry, forever). Measured on chDB 26.7 with the collector exporter's schema:
 * - a DateTime64(9) past 2262-04-11 fails the insert (DECIMAL_OVERFLOW);
 * - the rollups' `toStartOfMinute` is a 32-bit DateTime: a time past 2106-02-07 wraps (2200 → 2063);
 * - `SeverityNumber UInt8`: -5 fails the insert, 300 is stored as 44;
 * - spans on more than 100 days in one insert fail it (max_partitions_per_insert_block).
 * So times must lie between the Unix epoch and a day after receipt (clock skew, not far future:
 * Loki and Prometheus refuse future samples too), and severities in OTLP's 0–24.
 */

/** What the checks compare with: the receipt time, from the caller (decoding stays pure). */
export interface ItemContext {
  receivedAtNs: bigint;
}

/** A day of clock skew is tolerated; later times are a wrong clock or a wrong unit. */
export const MAX_FUTURE_SKEW_NS = 86_400n * 1_000_000_000n;

/** 2106-02-07T06:28:15Z, the last second a 32-bit DateTime (the rollups' minute) holds. */
const DATETIME_MAX_NS = 4_294_967_295n * 1_000_000_000n;

/** OTLP's SeverityNumber runs from 0 (unspecified) to 24 (FATAL4). */
export const MAX_SEVERITY_NUMBER = 24;

/** The reason a timestamp is refused, or null when it can be stored. */
export function timeProblem(ns: bigint, what: string, ctx: ItemContext): string | null {
  const latest = ctx.receivedAtNs + MAX_FUTURE_SKEW_NS;
  if (ns > DATETIME_MAX_NS) return `${what} ${isoOf(ns)} is past 2106-02-07, the last time the store can hold`;
  if (ns > latest) return `${what} ${isoOf(ns)} is more than a day after it was received`;
  return null;
}

export function severityProblem(severityNumber: number): string | null {
  if (Number.isInteger(severityNumber) && severityNumber >= 0 && severityNumber <= MAX_SEVERITY_NUMBER) return null;
  return `severity_number ${severityNumber} is outside OTLP's 0–${MAX_SEVERITY_NUMBER}`;
}

/** A nanosecond time as ISO text, or the raw number when Date cannot show it. */
function isoOf(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return ms <= 8.64e15 ? new Date(ms).toISOString() : `${ns} ns`;
}

/**
 * Counts refused items by reason for `partial_success.error_message`: the reasons in order of
 * first appearance with their counts, so a client sees what to fix without a flood of text.
 */
export class Rejections {
  private readonly byReason = new Map<string, number>();
  count = 0;

  add(reason: string): void {
    this.count++;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
  }

  /** "3 span(s) rejected: trace_id must be 16 bytes (2); start time 2200-… is more than a day after … (1)". */
  message(items: string): string {
    if (this.count === 0) return '';
    const shown = [...this.byReason].slice(0, 3).map(([reason, n]) => (n === 1 ? reason : `${reason} (${n} items)`));
    const more = this.byReason.size > 3 ? `; and ${this.byReason.size - 3} more reasons` : '';
    return `${this.count} ${items} rejected: ${shown.join('; ')}${more}`;
  }
}
