/**
 * The storage seam. The evaluator asks once per vector selector for the series that match and the
 * samples it will read; the implementation (ClickHouse in `store/`, an in-memory one for tests)
 * pushes both the matchers and the time window down.
 */
import type { LabelMatcher } from './ast.js';

export type { LabelMatcher } from './ast.js';

export interface SelectRequest {
  /** Includes `__name__` when the selector names a metric. A missing label matches as "". */
  matchers: LabelMatcher[];
  /** Inclusive window of sample timestamps the evaluation reads. */
  startMs: number;
  endMs: number;
  /**
   * Set when the selector is read only at the times startMs + k·stepMs (after the lookback): the
   * latest sample at or before each of those times is all the evaluation uses.
   */
  steps?: { startMs: number; stepMs: number };
}

export interface Series {
  labels: Record<string, string>;
  /** Sorted ascending; samples outside the requested window are ignored by the evaluator. */
  timestampsMs: Float64Array | number[];
  values: Float64Array | number[];
}

export interface SeriesSource {
  select(req: SelectRequest, signal?: AbortSignal): Promise<Series[]>;
}
