/**
 * @module query
 * PromQL as Tollgate runs it: selects on the main thread, evaluation on worker threads under a hard
 * deadline. The Prometheus API and the SLO engine's PromQL SLIs both go through one runner.
 */
export { createQueryRunner, type QueryOptions, type QueryRunner, type QueryRunnerOptions } from './query-runner.js';
