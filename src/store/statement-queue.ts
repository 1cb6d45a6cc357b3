/**
 * @module store/statement-queue
 * One queue in front of the ClickHouse client. chDB runs one statement at a time per process
 * (measured: 8 concurrent one-second queries take 8 s), so a bulk insert would otherwise hold up
 * the short reads the gate and the API need. Reads always go before queued writes; writes are
 * bounded in size by the batch writer, so a read waits at most one insert.
 * Against a ClickHouse server the same queue simply allows more statements in flight.
 */
export type Lane = 'read' | 'write';

export interface StatementQueue {
  run<T>(lane: Lane, work: () => Promise<T>): Promise<T>;
  /** Statements waiting, by lane (for /metrics). */
  depth(): { read: number; write: number; running: number };
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
}

interface Job {
  work: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export function createStatementQueue({ maxConcurrent = 1 }: { maxConcurrent?: number } = {}): StatementQueue {
  const lanes: Record<Lane, Job[]> = { read: [], write: [] };
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  const pump = (): void => {
    while (running < maxConcurrent) {
      const job = lanes.read.shift() ?? lanes.write.shift();
      if (job === undefined) break;
      running++;
      job.work().then(job.resolve, job.reject).finally(() => {
        running--;
        pump();
      });
    }
    if (running === 0 && lanes.read.length === 0 && lanes.write.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  return {
    run<T>(lane: Lane, work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // The cast is safe: the job's resolve only ever receives `work()`'s own T.
        lanes[lane].push({ work, resolve: resolve as (v: unknown) => void, reject });
        pump();
      });
    },
    depth: () => ({ read: lanes.read.length, write: lanes.write.length, running }),
    idle: () =>
      running === 0 && lanes.read.length === 0 && lanes.write.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => idleWaiters.push(resolve)),
  };
}
