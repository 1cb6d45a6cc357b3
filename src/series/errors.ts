/**
 * @module series/errors
 * A selection that would read more than Tollgate lets one query hold in memory. The API answers it
 * as Prometheus does a query over `--query.max-samples`: 422 `execution`, with what to narrow.
 */
export class TooManySamplesError extends Error {
  override readonly name = 'TooManySamplesError';
}

/** Rows one selection may read (a sample is ~16 bytes in memory, labels shared per series). */
export const MAX_SELECTED_ROWS = 5_000_000;
