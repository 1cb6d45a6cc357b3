/**
 * @module store/batch-writer
 * Coalesces rows from concurrent exports into large inserts, bounded in rows and in delay.
 * `write()` resolves only after every insert holding its rows has returned, so an export is
 * acknowledged only once its data is stored; if the store cannot take an insert, it rejects and
 * the exporter is told to retry (at-least-once, as OTLP intends).
 *
 * A write waits at most `maxWaitMs` for its inserts: past it, it is refused as the store's failure
 * (the export is answered 503/UNAVAILABLE with Retry-After, and the exporter retries) instead of
 * being answered after its client stopped waiting (OpenTelemetry exporters wait 10 s). Its rows
 * that no insert has taken yet are withdrawn, so nothing is stored after that answer and their
 * text is let go; rows in an insert already running may still be stored (OTLP is at-least-once).
 * To keep rows withdrawable, at most `maxInFlightInserts` inserts are handed to the store at a
 * time; later batches wait here, not in the store's queue.
 *
 * One client's bad row must not fail the others' exports coalesced with it: when the store refuses
 * an insert because of its rows (`classify` says `bad_rows`), the insert is split, first by export,
 * then by rows within the export at fault, until the rows at fault are found. Those are refused,
 * with the store's reason, to their own export only; every other row is stored and acknowledged.
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
  /** One line per row, each ending in a newline. */
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

/** Rows of one write that the store refused as bad data, and why (distinct reasons, first first). */
export interface WriteResult {
  rejectedRows: number;
  reasons: string[];
}

export interface BatchWriter {
  write(batches: readonly EncodedRows[]): Promise<WriteResult>;
  /** Rows accepted but not yet inserted. */
  pendingRows(): number;
  /** Shutdown: sends every open batch now, sends later rows without delay, and waits for all inserts. */
  flush(): Promise<void>;
}

export interface BatchWriterOptions {
  insert: InsertRows;
  /** Whether a failed insert's rows are at fault (split and refuse them) or the store is (retry all). @default everything is the store's */
  classify?: (error: unknown) => 'bad_rows' | 'unavailable';
  /** The reason a refused row's export reads. @default the error's message */
  reasonOf?: (error: unknown) => string;
  /**
   * @default 10_000: a batch is sent once it holds this many rows. One write is never split, so an
   * insert holds at most maxRows plus one export (itself bounded by the body limit); this bounds
   * how long a read waits behind an insert.
   */
  maxRows?: number;
  /** @default 200: how long the first rows of a batch wait for company. */
  maxDelayMs?: number;
  /**
   * @default 64: inserts one failed insert may be split into. Finding k bad rows among n takes about
   * 2·k·log2(n) inserts; past this budget the rows still unsettled are refused with the last reason.
   */
  maxSplitInserts?: number;
  /**
   * @default 7_000: how long a write waits for the inserts holding its rows before it is refused
   * with InsertWaitTimeout. Exporters give up at 10 s; the rest is for decoding and the answer.
   */
  maxWaitMs?: number;
  /** @default 2: inserts handed to the store at once (one running, one ready behind it on chDB). */
  maxInFlightInserts?: number;
  onInsert?: (o: InsertObservation) => void;
}

/** A write that waited `maxWaitMs` for its inserts: the store is too slow now; retryable. */
export class InsertWaitTimeout extends Error {
  override readonly name = 'InsertWaitTimeout';
  constructor(readonly waitedMs: number) {
    super(`the store did not take these rows within ${waitedMs} ms; retry later`);
  }
}

/** One write's rows for one table, settled on their own when an insert has to be split. */
interface Entry {
  text: string;
  rowCount: number;
  /** Settles once (a later resolve or reject, e.g. an insert returning after the wait ran out, is ignored). */
  settle: { resolve: (r: WriteResult) => void; reject: (e: unknown) => void };
  /** The batch holding it, until that batch's insert starts. */
  batch: OpenBatch | undefined;
}

interface OpenBatch {
  table: string;
  columns: readonly string[];
  rowCount: number;
  entries: Entry[];
  timer: NodeJS.Timeout | undefined;
  /** Its insert was handed to the store: its entries can no longer be withdrawn. */
  started: boolean;
}

const STORED: WriteResult = { rejectedRows: 0, reasons: [] };

/** The store stopped taking inserts while a failed insert was being split: what is unsettled is retried. */
class StoreUnavailable {
  constructor(readonly error: unknown) {}
}

export function createBatchWriter({
  insert, classify = () => 'unavailable', reasonOf = (e) => (e instanceof Error ? e.message : String(e)),
  maxRows = 10_000, maxDelayMs = 200, maxSplitInserts = 64, maxWaitMs = 7_000, maxInFlightInserts = 2, onInsert,
}: BatchWriterOptions): BatchWriter {
  const open = new Map<string, OpenBatch>();
  /** Batches sealed and waiting for an insert slot, oldest first. */
  const ready: OpenBatch[] = [];
  const inFlight = new Set<Promise<void>>();
  let pending = 0;
  let shuttingDown = false;

  const timedInsert = async (table: string, columns: readonly string[], chunks: string[], rowCount: number): Promise<void> => {
    const started = performance.now();
    try {
      await insert({ table, columns, rowCount, chunks });
      onInsert?.({ table, rows: rowCount, durationMs: performance.now() - started, error: undefined });
    } catch (error) {
      onInsert?.({ table, rows: rowCount, durationMs: performance.now() - started, error });
      throw error;
    }
  };

  /** Settles entries after their joint insert failed with `error` on bad rows: halves by write, then by rows. */
  const split = async (b: OpenBatch, entries: Entry[], error: unknown): Promise<void> => {
    const budget = { inserts: maxSplitInserts };
    const tryInsert = async (texts: string[], rows: number): Promise<unknown> => {
      budget.inserts--;
      try {
        await timedInsert(b.table, b.columns, texts, rows);
        return undefined;
      } catch (error) {
        if (classify(error) === 'unavailable') throw new StoreUnavailable(error);
        return error;
      }
    };
    /** Rows of one entry: returns how many were refused and why. */
    const settleLines = async (lines: string[], error: unknown, reasons: Set<string>): Promise<number> => {
      if (lines.length === 1 || budget.inserts <= 0) {
        reasons.add(reasonOf(error));
        return lines.length;
      }
      const half = Math.ceil(lines.length / 2);
      let refused = 0;
      for (const part of [lines.slice(0, half), lines.slice(half)]) {
        const failed = await tryInsert([part.join('')], part.length);
        if (failed !== undefined) refused += await settleLines(part, failed, reasons);
      }
      return refused;
    };
    /** `group` failed together with `groupError`; a lone entry is then known to fail on its own rows. */
    const settleEntries = async (group: Entry[], groupError: unknown): Promise<void> => {
      if (group.length === 1) {
        const entry = group[0] as Entry;
        const reasons = new Set<string>();
        // JSON text escapes newlines inside values, so a raw newline only ever ends a row.
        const lines = entry.text.split(/(?<=\n)/).filter((l) => l !== '');
        const refused = await settleLines(lines, groupError, reasons);
        entry.settle.resolve({ rejectedRows: refused, reasons: [...reasons] });
        return;
      }
      const half = Math.ceil(group.length / 2);
      for (const part of [group.slice(0, half), group.slice(half)]) {
        const failed = budget.inserts > 0
          ? await tryInsert(part.map((e) => e.text), part.reduce((n, e) => n + e.rowCount, 0))
          : groupError;
        if (failed === undefined) for (const e of part) e.settle.resolve(STORED);
        else await settleEntries(part, failed);
      }
    };
    const settled = new Set<Entry>();
    const track = entries.map((e) => ({
      ...e,
      settle: {
        resolve: (r: WriteResult) => {
          settled.add(e);
          e.settle.resolve(r);
        },
        reject: e.settle.reject,
      },
    }));
    try {
      await settleEntries(track, error);
    } catch (err) {
      const cause = err instanceof StoreUnavailable ? err.error : err;
      for (const e of entries) if (!settled.has(e)) e.settle.reject(cause);
    }
  };

  /** No more rows join `b`: it waits for an insert slot. */
  const seal = (b: OpenBatch): void => {
    if (open.get(b.table) === b) open.delete(b.table);
    if (b.timer !== undefined) clearTimeout(b.timer);
    if (b.entries.length > 0) ready.push(b);
    pump();
  };

  const pump = (): void => {
    while (inFlight.size < maxInFlightInserts && ready.length > 0) start(ready.shift() as OpenBatch);
  };

  /** A write gave up waiting: its rows leave the batch they wait in, if its insert has not started. */
  const withdraw = (e: Entry): void => {
    const b = e.batch;
    if (b === undefined || b.started) return;
    e.batch = undefined;
    b.entries = b.entries.filter((x) => x !== e);
    b.rowCount -= e.rowCount;
    pending -= e.rowCount;
    if (b.entries.length > 0) return;
    if (open.get(b.table) === b) {
      open.delete(b.table);
      clearTimeout(b.timer);
    }
    const at = ready.indexOf(b);
    if (at !== -1) ready.splice(at, 1);
  };

  const start = (b: OpenBatch): void => {
    b.started = true;
    for (const e of b.entries) e.batch = undefined;
    const rowCount = b.rowCount;
    const p = (async () => {
      try {
        await timedInsert(b.table, b.columns, b.entries.map((e) => e.text), rowCount);
        for (const e of b.entries) e.settle.resolve(STORED);
      } catch (error) {
        if (classify(error) === 'unavailable') for (const e of b.entries) e.settle.reject(error);
        else await split(b, b.entries, error);
      }
    })().finally(() => {
      pending -= rowCount;
      inFlight.delete(p);
      pump();
    });
    inFlight.add(p);
  };

  const append = (rows: EncodedRows): Promise<WriteResult> => {
    let b = open.get(rows.table);
    if (b === undefined) {
      b = { table: rows.table, columns: rows.columns, rowCount: 0, entries: [], timer: undefined, started: false };
      open.set(rows.table, b);
      const sealed = b;
      b.timer = setTimeout(() => seal(sealed), shuttingDown ? 0 : maxDelayMs);
    }
    const batch = b;
    const done = new Promise<WriteResult>((resolve, reject) => {
      let settled = false;
      const entry: Entry = {
        text: rows.text,
        rowCount: rows.rowCount,
        batch,
        settle: {
          resolve: (r) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(r);
          },
          reject: (err) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(err);
          },
        },
      };
      const timer = setTimeout(() => {
        withdraw(entry);
        entry.settle.reject(new InsertWaitTimeout(maxWaitMs));
      }, maxWaitMs);
      batch.entries.push(entry);
    });
    batch.rowCount += rows.rowCount;
    pending += rows.rowCount;
    if (batch.rowCount >= maxRows) seal(batch);
    return done;
  };

  return {
    async write(batches) {
      const results = await Promise.all(batches.filter((b) => b.rowCount > 0).map(append));
      const reasons = [...new Set(results.flatMap((r) => r.reasons))];
      return { rejectedRows: results.reduce((n, r) => n + r.rejectedRows, 0), reasons };
    },
    pendingRows: () => pending,
    async flush() {
      shuttingDown = true;
      for (const b of [...open.values()]) seal(b);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
