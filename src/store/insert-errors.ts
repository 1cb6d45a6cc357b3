/**
 * @module store/insert-errors
 * Whether a failed insert was refused because of the rows in it (bad data: split the insert and
 * refuse only the rows at fault) or because the store could not take it (retry everything later).
 * ClickHouse says which through its error code; the set below is what a row can cause. An error
 * that is not a ClickHouse error (a socket reset, a timeout) is always the store's.
 */

/** ClickHouse error codes (src/Common/ErrorCodes.cpp) that a row's value can cause. */
const ROW_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  407, // DECIMAL_OVERFLOW
]);

/** Code 252 is TOO_MANY_PARTS both for a merge backlog (the store's trouble) and for this (the rows'). */
const TOO_MANY_PARTITIONS = 'Too many partitions for single INSERT block';

export type InsertErrorKind = 'bad_rows' | 'unavailable';

interface ClickHouseErrorShape {
  code: string;
  type: string;
  message: string;
}

/**
 * Duck-typed: chDB's connection ships its own copy of @clickhouse/client-common, so its errors are
 * not `instanceof` the client's ClickHouseError; both carry the server's numeric code as a string.
 */
function asClickHouseError(err: unknown): ClickHouseErrorShape | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, type } = err as Error & { code?: unknown; type?: unknown };
  // Its `name` stays "Error"; a numeric `code` and an upper-case `type` are what mark it.
  if (typeof code !== 'string' || !/^\d+$/.test(code) || typeof type !== 'string') return undefined;
  return { code, type, message: err.message };
}

export function classifyInsertError(err: unknown): InsertErrorKind {
  const ch = asClickHouseError(err);
  if (ch === undefined) return 'unavailable';
  const code = Number(ch.code);
  if (ROW_ERROR_CODES.has(code)) return 'bad_rows';
  if (code === 252 && ch.message.includes(TOO_MANY_PARTITIONS)) return 'bad_rows';
  return 'unavailable';
}

/**
 * The reason a client reads in `partial_success`: the server's first sentence with its code name,
 * without the row dump ClickHouse appends (which would echo other rows of a coalesced insert).
 */
export function rowErrorReason(err: unknown): string {
  const ch = asClickHouseError(err);
  const text = ch?.message ?? (err instanceof Error ? err.message : String(err));
  const first = text.split(/: \(while |: \(at row |\n|: While executing /)[0] ?? text;
  return `refused by the store${ch === undefined ? '' : ` (${ch.type})`}: ${first.slice(0, 200)}`;
}
