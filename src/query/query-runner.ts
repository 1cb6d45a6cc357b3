/**
 * @module query/query-runner
 * Runs PromQL for the Prometheus API and the SLO engine without holding the event loop that
 * ingest, /healthz and the gate answer on: the selects run on the main thread (they are I/O), the
 * evaluation (CPU, up to 50 M samples) on worker threads. A query's timeout is a hard deadline: the
 * evaluator stops itself at it, and a worker that has not answered shortly after is ended, so no
 * query outlives its timeout (Prometheus' `timeout` parameter, and a default when none is given).
 */
import type { Worker } from 'node:worker_threads';
import {
  DEFAULT_MAX_SAMPLES, fetchSelected, parsePromql, prepareQuery, PromqlError, type QueryResult, type QueryTimes, type SeriesSource,
} from '../promql/index.js';
import { startTsWorker } from '../workers/index.js';
import type { EvalJob, EvalReply } from './protocol.js';

export interface QueryOptions {
  /** @default the runner's defaultTimeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** @default 300000 (Prometheus' 5m) */
  lookbackDeltaMs?: number;
  /** @default 50,000,000 (Prometheus' --query.max-samples) */
  maxSamples?: number;
}

export interface QueryRunner {
  run(query: string, times: QueryTimes, source: SeriesSource, opts?: QueryOptions): Promise<QueryResult>;
  /** For /metrics: worker threads started, evaluations running and waiting. */
  stats(): { workers: number; running: number; queued: number };
  close(): Promise<void>;
}

export interface QueryRunnerOptions {
  /** @default 2: evaluations at once (the machine's cores are shared with ingest and the store). */
  workers?: number;
  /** @default 64: evaluations waiting for a worker beyond which a query is refused (503, unavailable). */
  maxQueued?: number;
  /** @default 30000: a query without its own timeout gets this one. */
  defaultTimeoutMs?: number;
  /** @default 250: how long past its deadline a worker may take to stop itself before it is ended. */
  graceMs?: number;
  /** @default 1024: a worker's heap, in MiB; past it the worker dies and the query fails, not the process. */
  workerHeapMb?: number;
}

interface Pending {
  job: EvalJob;
  resolve: (r: QueryResult) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout | undefined;
}

interface Slot {
  worker: Worker | undefined;
  running: Pending | undefined;
}

const EVAL_WORKER = new URL('./eval-worker.ts', import.meta.url);

export function createQueryRunner({
  workers = 2, maxQueued = 64, defaultTimeoutMs = 30_000, graceMs = 250, workerHeapMb = 1024,
}: QueryRunnerOptions = {}): QueryRunner {
  const slots: Slot[] = Array.from({ length: Math.max(1, workers) }, () => ({ worker: undefined, running: undefined }));
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;

  const finish = (p: Pending): void => {
    clearTimeout(p.timer);
    for (const s of slots) if (s.running === p) s.running = undefined;
  };

  /** Ends a worker (a runaway evaluation, or one that died): the next job starts a fresh one. */
  const retire = (slot: Slot): void => {
    const w = slot.worker;
    slot.worker = undefined;
    if (w !== undefined) void w.terminate();
  };

  const workerFor = (slot: Slot): Worker => {
    if (slot.worker !== undefined) return slot.worker;
    const w = startTsWorker(EVAL_WORKER, { resourceLimits: { maxOldGenerationSizeMb: workerHeapMb } });
    w.unref(); // an idle worker never keeps the process alive
    w.on('message', (reply: EvalReply) => {
      const p = slot.running;
      if (p === undefined || p.job.id !== reply.id) return; // answered after it was given up on
      finish(p);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new PromqlError(reply.errorType, reply.message));
      pump();
    });
    const died = (err: unknown): void => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      const p = slot.running;
      if (p !== undefined) {
        finish(p);
        p.reject(new PromqlError('execution', `query evaluation failed: ${err instanceof Error ? err.message : String(err)}`));
      }
      pump();
    };
    w.on('error', died);
    w.on('exit', (code) => died(new Error(`evaluation worker exited with code ${code}`)));
    slot.worker = w;
    return w;
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (slot.running !== undefined) continue;
      const p = queue.shift();
      if (p === undefined) return;
      slot.running = p;
      workerFor(slot).postMessage(p.job);
    }
  };

  const dispatch = (job: EvalJob): Promise<QueryResult> =>
    new Promise<QueryResult>((resolve, reject) => {
      if (closed) return reject(new PromqlError('unavailable', 'Tollgate is shutting down'));
      if (queue.length >= maxQueued) return reject(new PromqlError('unavailable', `too many queries waiting (${maxQueued}); retry later`));
      const p: Pending = { job, resolve, reject, timer: undefined };
      p.timer = setTimeout(() => {
        const queued = queue.indexOf(p);
        if (queued >= 0) queue.splice(queued, 1);
        const slot = slots.find((s) => s.running === p);
        finish(p);
        // The evaluator checks the clock as it goes; one that has not stopped by now is ended.
        if (slot !== undefined) retire(slot);
        reject(new PromqlError('timeout', 'query timed out in expression evaluation'));
        pump();
      }, Math.max(0, job.deadlineMs - Date.now()) + graceMs);
      queue.push(p);
      pump();
    });

  return {
    async run(query, times, source, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      const deadlineMs = Date.now() + timeoutMs;
      const lookbackDeltaMs = opts.lookbackDeltaMs ?? 300_000;
      const maxSamples = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
      const prepared = prepareQuery(parsePromql(query), times, { lookbackDeltaMs });
      const data = await fetchSelected(prepared, source, { timeoutMs, maxSamples, ...(opts.signal === undefined ? {} : { signal: opts.signal }) });
      if (Date.now() > deadlineMs) throw new PromqlError('timeout', 'query timed out in query preparation');
      return dispatch({ id: nextId++, query, times, lookbackDeltaMs, maxSamples, deadlineMs, data });
    },
    stats: () => ({
      workers: slots.filter((s) => s.worker !== undefined).length,
      running: slots.filter((s) => s.running !== undefined).length,
      queued: queue.length,
    }),
    async close() {
      closed = true;
      for (const p of queue.splice(0)) {
        clearTimeout(p.timer);
        p.reject(new PromqlError('unavailable', 'Tollgate is shutting down'));
      }
      await Promise.all(slots.map(async (s) => {
        const w = s.worker;
        s.worker = undefined;
        if (s.running !== undefined) {
          const p = s.running;
          finish(p);
          p.reject(new PromqlError('unavailable', 'Tollgate is shutting down'));
        }
        if (w !== undefined) await w.terminate();
      }));
    },
  };
}
