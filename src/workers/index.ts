/**
 * @module workers
 * Worker threads for CPU-bound work that must not hold the event loop (ingest, /healthz and the
 * gate answer on it): a TypeScript module started as a worker, whatever loader started the process.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

export interface TsWorkerOptions {
  /** Passed to the module as `workerData.input`. */
  input?: unknown;
  /** A worker past these is ended by Node with an error, not the process. */
  resourceLimits?: ResourceLimits;
}

/** Starts `moduleUrl` (a .ts file, e.g. `new URL('./x-worker.ts', import.meta.url)`) on a worker thread. */
export function startTsWorker(moduleUrl: URL, { input, resourceLimits }: TsWorkerOptions = {}): Worker {
  return new Worker(new URL('./ts-bootstrap.mjs', import.meta.url), {
    workerData: { tollgateModule: moduleUrl.href, input },
    ...(resourceLimits === undefined ? {} : { resourceLimits }),
  });
}
