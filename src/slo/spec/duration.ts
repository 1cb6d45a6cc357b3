/**
 * @module slo/spec/duration
 * Durations as SLO files write them: `300ms`, `5m`, `1h30m`, `30d`.
 * A local copy so this folder stands alone; `slo/math` has its own, the two are to be merged.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// Prometheus-style: one or more <integer><unit> groups, no spaces, no fractions, no sign.
const WHOLE = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const GROUP = /(\d+)(ms|s|m|h|d|w)/g;

/** Milliseconds, or null when the text is not a positive duration. */
export function parseDurationMs(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  let totalMs = 0;
  for (const [, amount, unit] of text.matchAll(GROUP)) {
    // Both groups always take part in a match of GROUP; the fallbacks only satisfy noUncheckedIndexedAccess.
    totalMs += Number(amount ?? 0) * (UNIT_MS[unit ?? ''] ?? 0);
  }
  if (totalMs <= 0 || !Number.isSafeInteger(totalMs)) return null;
  return totalMs;
}

export const MS_PER_SECOND = 1_000;
export const MS_PER_DAY = 86_400_000;
