/**
 * @module query/protocol
 * The messages between the query runner and its worker threads (structured-cloned).
 */
import type { PromqlErrorType, QueryResult, QueryTimes, RangeSeries } from '../promql/index.js';

export interface EvalJob {
  id: number;
  query: string;
  times: QueryTimes;
  lookbackDeltaMs: number;
  maxSamples: number;
  /** Absolute (Date.now() clock): the evaluator stops itself here; the runner ends the worker soon after. */
  deadlineMs: number;
  /** Each select's series, in plan order. */
  data: RangeSeries[][];
}

export type EvalReply =
  | { id: number; ok: true; result: QueryResult }
  | { id: number; ok: false; errorType: PromqlErrorType; message: string };
