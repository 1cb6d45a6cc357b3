/**
 * @module query/eval-worker
 * The worker side of the query runner: a query's text, its times and its selects' series in, the
 * API's result (or a PromQL error) out. The query is parsed and planned again here; planning is
 * deterministic, so the series sent in plan order meet the same selectors.
 */
import { parentPort } from 'node:worker_threads';
import { evaluatePrepared, parsePromql, prepareQuery, PromqlError } from '../promql/index.js';
import type { EvalJob, EvalReply } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('query/eval-worker runs as a worker thread');

port.on('message', (job: EvalJob) => {
  let reply: EvalReply;
  try {
    const prepared = prepareQuery(parsePromql(job.query), job.times, { lookbackDeltaMs: job.lookbackDeltaMs });
    const result = evaluatePrepared(prepared, job.data, {
      lookbackDeltaMs: job.lookbackDeltaMs,
      maxSamples: job.maxSamples,
      deadlineMs: job.deadlineMs,
    });
    reply = { id: job.id, ok: true, result };
  } catch (e) {
    reply = e instanceof PromqlError
      ? { id: job.id, ok: false, errorType: e.type, message: e.message }
      : { id: job.id, ok: false, errorType: 'execution', message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
