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

/** Rows already encoded for the insert (see row-encoding.ts), as the writer receives them. */
export interface EncodedRows {
  table: string;
  columns: readonly string[];
  rowCount: number;
  text: string;
}

/** What one insert sends: the encoded chunks of every write it coalesced, in order. */
export interface InsertBatch {
  table: string;
  columns: readonly string[];
  rowCount: number;
  chunks: string[];
}

export type InsertRows = (batch: InsertBatch) => Promise<void>;

export interface InsertObservation {
  table: string;
  rows: number;
  durationMs: number;
  error: unknown;
}

export interface BatchWriter {
  write(batches: readonly EncodedRows[]): Promise<void>;
  /** Rows accepted but not yet inserted. */
  pendingRows(): number;
  /** Shutdown: sends every open batch now, sends later rows without delay, and waits for all inserts. */
  flush(): Promise<void>;
}

export interface BatchWriterOptions {
  insert: InsertRows;
  /**
   * @default 10_000: a batch is sent once it holds this many rows. One write is never split, so an
   * insert holds at most maxRows plus one export (itself bounded by the body limit); this bounds
   * how long a read waits behind an insert.
   */
  maxRows?: number;
  /** @default 200: how long the first rows of a batch wait for company. */
  maxDelayMs?: number;
  onInsert?: (o: InsertObservation) => void;
}

interface OpenBatch {
  table: string;
  columns: readonly string[];
  rowCount: number;
  chunks: string[];
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
    return { table, columns, rowCount: 0, chunks: [], done, settle, timer: undefined };
  };

  const send = (b: OpenBatch): void => {
    if (open.get(b.table) === b) open.delete(b.table);
    if (b.timer !== undefined) clearTimeout(b.timer);
    const started = performance.now();
    const rowCount = b.rowCount;
    const p = insert({ table: b.table, columns: b.columns, rowCount, chunks: b.chunks }).then(
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

  const append = (rows: EncodedRows): Promise<void> => {
    let b = open.get(rows.table);
    if (b === undefined) {
      b = newBatch(rows.table, rows.columns);
      open.set(rows.table, b);
      const sealed = b;
      b.timer = setTimeout(() => send(sealed), shuttingDown ? 0 : maxDelayMs);
    }
    b.chunks.push(rows.text);
    b.rowCount += rows.rowCount;
    pending += rows.rowCount;
    const done = b.done;
    if (b.rowCount >= maxRows) send(b);
    return done;
  };

  return {
    write(batches) {
      const waits = batches.filter((b) => b.rowCount > 0).map(append);
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
