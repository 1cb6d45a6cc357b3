/**
 * @module api/errors
 * What an error thrown in a route means to the client: one mapping from named errors to HTTP
 * statuses (used by the app's `onError`), and what a store error says about the store (used by
 * it and by the Prometheus API's error types).
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PromqlError } from '../promql/index.js';
import { TooManySamplesError } from '../series/index.js';
import { StoreUnavailableError } from '../store/index.js';
import { BadDataError } from './prom-params.js';

/** What a client is told to wait before asking again while the store is unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * What a failed statement says: the query was refused as bad (its text or parameters, which the
 * client chose), it would read too much, it ran out of time, the store could not serve it, or
 * something else failed.
 */
export type StoreErrorKind = 'bad_query' | 'too_large' | 'timeout' | 'unavailable' | 'failed';

/** ClickHouse error codes (src/Common/ErrorCodes.cpp) that say the statement's text or values are wrong. */
const BAD_QUERY_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  36, // BAD_ARGUMENTS
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  42, // NUMBER_OF_ARGUMENTS_DOESNT_MATCH
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  44, // ILLEGAL_COLUMN
  46, // UNKNOWN_FUNCTION
  47, // UNKNOWN_IDENTIFIER
  53, // TYPE_MISMATCH
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  128, // TOO_LARGE_ARRAY_SIZE
  131, // TOO_LARGE_STRING_SIZE
  153, // ILLEGAL_DIVISION
  190, // SIZES_OF_ARRAYS_DONT_MATCH
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  407, // DECIMAL_OVERFLOW
  427, // CANNOT_COMPILE_REGEXP
  456, // UNKNOWN_QUERY_PARAMETER
  457, // BAD_QUERY_PARAMETER
]);
/** Limits a statement ran into: Prometheus answers its own sample limit as 422 `execution`. */
const TOO_LARGE_CODES = new Set([
  158, // TOO_MANY_ROWS
  241, // MEMORY_LIMIT_EXCEEDED
  307, // TOO_MANY_BYTES
  396, // TOO_MANY_ROWS_OR_BYTES
]);
const TIMEOUT_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  209, // SOCKET_TIMEOUT
]);
/** The store cannot serve anything now: its tables or database are gone, it is overloaded, read-only or out of disk. */
const UNAVAILABLE_CODES = new Set([
  60, // UNKNOWN_TABLE
  81, // UNKNOWN_DATABASE
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  210, // NETWORK_ERROR
  236, // ABORTED
  242, // TABLE_IS_READ_ONLY
  243, // NOT_ENOUGH_SPACE
  252, // TOO_MANY_PARTS
  394, // QUERY_WAS_CANCELLED
  516, // AUTHENTICATION_FAILED
]);

/**
 * Duck-typed: chDB's connection ships its own copy of @clickhouse/client-common, so its errors are
 * not `instanceof` the client's ClickHouseError; both carry the server's numeric code as a string
 * and an upper-case `type` (as store/insert-errors.ts reads them).
 */
function clickHouseCode(err: Error): number | undefined {
  const { code, type } = err as Error & { code?: unknown; type?: unknown };
  return typeof code === 'string' && /^\d+$/.test(code) && typeof type === 'string' ? Number(code) : undefined;
}

/** The kind of a store error, or undefined when `err` did not come from the store. */
export function storeErrorKind(err: unknown): StoreErrorKind | undefined {
  if (!(err instanceof Error)) return undefined;
  // The store module's own word that it could not reach ClickHouse (store/unavailable.ts).
  if (err instanceof StoreUnavailableError) return 'unavailable';
  const code = clickHouseCode(err);
  if (code !== undefined) {
    if (BAD_QUERY_CODES.has(code)) return 'bad_query';
    if (TOO_LARGE_CODES.has(code)) return 'too_large';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (UNAVAILABLE_CODES.has(code)) return 'unavailable';
    return 'failed';
  }
  // Node's socket errors (ECONNREFUSED, ECONNRESET, EPIPE …), @clickhouse/client's own timeout and
  // a store already closed: the store is not reachable, whatever was asked.
  const sysCode = (err as NodeJS.ErrnoException).code;
  if (typeof sysCode === 'string' && /^E[A-Z]+$/.test(sysCode)) return 'unavailable';
  if (/socket hang up|^Timeout error|connection is closed|client (is )?closed/i.test(err.message)) return 'unavailable';
  return undefined;
}

export interface MappedError {
  status: ContentfulStatusCode;
  message: string;
  /** Set when the client should come back: a store that cannot be reached now. */
  retryAfterSeconds?: number;
  /** False for errors Tollgate did not expect: logged with their stack, their text not shown. */
  expected: boolean;
}

/** One mapping for every route: named errors to statuses, the rest to 500. */
export function mapError(err: unknown): MappedError {
  if (err instanceof HTTPException) return { status: err.status, message: err.message || `HTTP ${err.status}`, expected: err.status < 500 };
  if (err instanceof BadDataError) return { status: 400, message: err.message, expected: true };
  if (err instanceof TooManySamplesError) return { status: 422, message: err.message, expected: true };
  if (err instanceof PromqlError) {
    const status = err.type === 'bad_data' ? 400 : err.type === 'execution' ? 422 : 503;
    return { status, message: err.message, expected: true };
  }
  if (err instanceof SyntaxError) return { status: 400, message: `request body is not valid JSON: ${err.message}`, expected: true };
  switch (storeErrorKind(err)) {
    case 'bad_query':
      return { status: 400, message: `the store refused the query: ${firstLine(err)}`, expected: true };
    case 'too_large':
      return { status: 422, message: `the query needs more than the store allows: ${firstLine(err)}`, expected: true };
    case 'timeout':
    case 'unavailable':
      // Not the store's own words: they quote the statement.
      return { status: 503, message: 'the store is unavailable; retry later', expected: true, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS };
    case 'failed':
    case undefined:
      return { status: 500, message: 'internal error', expected: false };
  }
}

/** The first line of an error's message, for a client: ClickHouse appends the statement and a stack. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? text).slice(0, 300);
}
