/**
 * @module store/batch-writer
 * Coalesces rows from concurrent exports into large inserts, bounded in rows and in delay.
 * `write()` resolves only after every insert holding its rows has returned, so an export is
 * acknowledged only once its data is stored; if one of those inserts fails, it rejects and the
 * exporter is told to retry (at-least-once, as OTLP intends).
 */

export interface RowBatch {
  table: string;
  columns: readonly string[];
  rows: unknown[][];
}

export type InsertRows = (batch: RowBatch) => Promise<void>;

export interface InsertObservation {
  table: string;
  rows: number;
  durationMs: number;
  error: unknown;
}

export interface BatchWriter {
  write(batches: readonly RowBatch[]): Promise<void>;
  /** Rows accepted but not yet inserted. */
  pendingRows(): number;
  /** Shutdown: sends every open batch now, sends later rows without delay, and waits for all inserts. */
  flush(): Promise<void>;
}

export interface BatchWriterOptions {
  insert: InsertRows;
  /** @default 10_000: also the largest single insert, which bounds how long a read waits behind it (~0.1 s on chDB). */
  maxRows?: number;
  /** @default 200: how long the first rows of a batch wait for company. */
  maxDelayMs?: number;
  onInsert?: (o: InsertObservation) => void;
}

interface OpenBatch {
  table: string;
  columns: readonly string[];
  rows: unknown[][];
  done: Promise<void>;
  settle: { resolve: () => void; reject: (e: unknown) => void };
  timer: NodeJS.Timeout | undefined;
}

export function createBatchWriter({ insert, maxRows = 10_000, maxDelayMs = 200, onInsert }: BatchWriterOptions): BatchWriter {
  const open = new Map<string, OpenBatch>();
  const inFlight = new Set<Promise<void>>();
  let pending = 0;
  let shuttingDown = false;

  const newBatch = (table: string, columns: readonly string[]): OpenBatch => {
    let settle!: OpenBatch['settle'];
    const done = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Rejections are delivered to each writer through Promise.all; this keeps an unobserved
    // batch (e.g. one whose writers all gave up) from crashing the process.
    done.catch(() => undefined);
    return { table, columns, rows: [], done, settle, timer: undefined };
  };

  const send = (b: OpenBatch): void => {
    if (open.get(b.table) === b) open.delete(b.table);
    if (b.timer !== undefined) clearTimeout(b.timer);
    const started = performance.now();
    const rowCount = b.rows.length;
    const p = insert({ table: b.table, columns: b.columns, rows: b.rows }).then(
      () => {
        onInsert?.({ table: b.table, rows: rowCount, durationMs: performance.now() - started, error: undefined });
        b.settle.resolve();
      },
      (error: unknown) => {
        onInsert?.({ table: b.table, rows: rowCount, durationMs: performance.now() - started, error });
        b.settle.reject(error);
      },
    ).finally(() => {
      pending -= rowCount;
      inFlight.delete(p);
    });
    inFlight.add(p);
  };

  const append = (table: string, columns: readonly string[], rows: unknown[][]): Promise<void>[] => {
    const touched: Promise<void>[] = [];
    let offset = 0;
    while (offset < rows.length) {
      let b = open.get(table);
      if (b === undefined) {
        b = newBatch(table, columns);
        open.set(table, b);
        const sealed = b;
        b.timer = setTimeout(() => send(sealed), shuttingDown ? 0 : maxDelayMs);
      }
      const take = Math.min(maxRows - b.rows.length, rows.length - offset);
      for (let i = 0; i < take; i++) b.rows.push(rows[offset + i] as unknown[]);
      offset += take;
      pending += take;
      touched.push(b.done);
      if (b.rows.length >= maxRows) send(b);
    }
    return touched;
  };

  return {
    write(batches) {
      const waits = batches.flatMap((b) => (b.rows.length === 0 ? [] : append(b.table, b.columns, b.rows)));
      return Promise.all(waits).then(() => undefined);
    },
    pendingRows: () => pending,
    async flush() {
      shuttingDown = true;
      for (const b of [...open.values()]) send(b);
      await Promise.allSettled([...inFlight]);
    },
  };
}
