/**
 * @module slo/math
 * Durations as SLO files write them (`5m`, `1h`, `28d`, `300ms`, `1.5s`) and back.
 * The text is converted in decimal, so `1.5s` is exactly 1500 ms and `0.1h` exactly 360000 ms.
 */
import { decimalFromNumber, decimalFromString, decimalToString, shiftDecimal } from './decimal.js';
import { fail, ok, type Result } from './result.js';

const UNIT_MS = { ms: 1n, s: 1_000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n, w: 604_800_000n } as const;
type Unit = keyof typeof UNIT_MS;

// One number and one unit, as Pyrra and Sloth write windows; compound forms like `1h30m` are not accepted.
const DURATION_TEXT = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Formatting stops at days: SLO periods are spoken of as 28d and 30d, not 4w. */
const FORMAT_UNITS: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

/** Whole milliseconds; sub-millisecond durations are rejected because nothing Tollgate measures is that fine. */
export function parseDurationMs(text: string): Result<number> {
  const m = DURATION_TEXT.exec(text);
  const amount = m?.[1] === undefined ? undefined : decimalFromString(m[1]);
  if (m === null || amount === undefined) {
    return fail(`${JSON.stringify(text)} is not a duration; use a number followed by ms, s, m, h, d or w`);
  }
  const unitMs = UNIT_MS[m[2] as Unit]; // the regex admits only the keys of UNIT_MS
  const scaledUnits = amount.units * unitMs;
  const divisor = 10n ** BigInt(amount.scale);
  if (scaledUnits % divisor !== 0n) {
    return fail(`${JSON.stringify(text)} is not a whole number of milliseconds`);
  }
  const ms = scaledUnits / divisor;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) {
    return fail(`${JSON.stringify(text)} is too long to be a duration`);
  }
  return ok(Number(ms));
}

/** Seconds, possibly fractional (`300ms` → 0.3). */
export function parseDurationSeconds(text: string): Result<number> {
  const ms = parseDurationMs(text);
  // One division of two exact integers, so 300 / 1000 is the double nearest 0.3.
  return ms.ok ? ok(ms.value / 1000) : ms;
}

/**
 * The duration in the largest unit (d, h, m, s, ms) that holds it as a whole number: 3600 → `1h`,
 * 2419200 → `28d`, 90 → `90s`, 1.5 → `1500ms`. What parses back to the same seconds.
 * @throws RangeError for a negative or non-finite value: callers format windows they have already validated.
 */
export function formatWindow(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`${seconds} seconds is not a duration`);
  if (seconds === 0) return '0s';
  const ms = shiftDecimal(decimalFromNumber(seconds), 3);
  if (ms.scale === 0) {
    for (const unit of FORMAT_UNITS) {
      const unitMs = UNIT_MS[unit];
      if (ms.units % unitMs === 0n) return `${ms.units / unitMs}${unit}`;
    }
  }
  // Finer than a millisecond: exact decimal seconds, which parseDurationMs will reject, as it should.
  return `${decimalToString(decimalFromNumber(seconds))}s`;
}
