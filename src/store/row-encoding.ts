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
