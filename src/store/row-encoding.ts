/**
 * @module store/row-encoding
 * Rows become JSONCompactEachRow text as soon as they are decoded, off the store's critical path:
 * chDB runs one statement at a time, so work done inside an insert statement holds up every
 * later insert and read, while encoding at decode time overlaps with the insert running now.
 */
export const INSERT_FORMAT = 'JSONCompactEachRow';

/** One line per row, each ending in a newline, so encoded chunks concatenate into a valid body. */
export function encodeRows(rows: readonly unknown[][]): string {
  let out = '';
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return out;
}

/**
 * DateTime64 values as text: `<unix seconds>.<9 digits>`. A digit-only string is ambiguous to
 * ClickHouse (`"1000000"` reads as seconds, `"1700000000123456789"` as nanoseconds, `"0"` not at
 * all), and a JSON number cannot hold nanoseconds exactly; this form is exact and parses the same
 * under every `date_time_input_format`.
 */
export function nanosToDateTime64(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = ns % 1_000_000_000n;
  return `${seconds}.${fraction.toString().padStart(9, '0')}`;
}

export function millisToDateTime64(ms: number): string {
  return nanosToDateTime64(BigInt(Math.round(ms)) * 1_000_000n);
}
