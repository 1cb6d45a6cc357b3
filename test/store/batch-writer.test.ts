/**
 * The batch writer on real chDB: concurrent writes coalesce into few inserts, a write resolves
 * only when its rows are stored, a store that cannot take an insert rejects exactly the writes it
 * held, and rows the store refuses are refused to their own write only, the rest stored.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyInsertError, createBatchWriter, encodeRows, openStore, rowErrorReason, type EncodedRows, type InsertObservation, type Store } from '../../src/store/index.js';
import { columns } from '../../src/ingest/decode/index.js';
import { tempDir } from '../helpers/tollgate.js';

let dataDir: string;
let store: Store;
beforeAll(async () => {
  dataDir = tempDir();
  ({ store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') }));
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const logRow = (hash: string, i: number): unknown[] =>
  [`${1_700_000_000 + i}.000000000`, '', '', 0, 'INFO', 9, 'svc', `line ${i}`, '', { config_hash: hash }, '', '', '', {}, {}, ''];

const encoded = (rows: unknown[][]): EncodedRows => ({ table: 'otel_logs', columns: columns.LOG_COLUMNS, rowCount: rows.length, text: encodeRows(rows) });

const count = async (hash: string): Promise<number> =>
  Number((await store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ConfigHash = {hash:String}`, { hash }))[0]?.n);

describe('createBatchWriter', () => {
  it('coalesces concurrent writes into a few inserts and resolves each only once its rows are stored', async () => {
    const inserts: InsertObservation[] = [];
    const writer = createBatchWriter({ insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks), maxDelayMs: 50, onInsert: (o) => inserts.push(o) });
    const stored: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, w) => {
        await writer.write([encoded(Array.from({ length: 25 }, (_, i) => logRow('cfg-coalesce', w * 25 + i)))]);
        stored.push(await count('cfg-coalesce'));
      }),
    );
    expect(inserts.length).toBeLessThanOrEqual(3);
    expect(inserts.reduce((n, o) => n + o.rows, 0)).toBe(1000);
    // Every write saw at least its own 25 rows in the table the moment it resolved.
    expect(Math.min(...stored)).toBeGreaterThanOrEqual(25);
    expect(await count('cfg-coalesce')).toBe(1000);
  });

  it('sends a batch as soon as it passes maxRows, never splitting one write', async () => {
    const inserts: InsertObservation[] = [];
    const writer = createBatchWriter({ insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks), maxRows: 300, maxDelayMs: 60_000, onInsert: (o) => inserts.push(o) });
    const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => logRow('cfg-split', from + i));
    // 200 + 200 passes 300: sent at once without waiting out the minute; the 1000-row write goes whole.
    await Promise.all([writer.write([encoded(rows(200, 0))]), writer.write([encoded(rows(200, 200))])]);
    await writer.write([encoded(rows(1000, 400))]);
    expect(inserts.map((o) => o.rows)).toEqual([400, 1000]);
    expect(await count('cfg-split')).toBe(1400);
    expect(writer.pendingRows()).toBe(0);
  });

  it('rejects the writes whose insert failed and keeps serving later ones', async () => {
    const writer = createBatchWriter({ insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks), maxDelayMs: 10 });
    const bad = writer.write([encoded([['not a timestamp', ...logRow('cfg-bad', 0).slice(1)]])]);
    await expect(bad).rejects.toThrow();
    await writer.write([encoded([logRow('cfg-after-bad', 1)])]);
    expect(await count('cfg-after-bad')).toBe(1);
    expect(await count('cfg-bad')).toBe(0);
  });

  it('sends open batches at once on flush instead of waiting out the delay', async () => {
    const writer = createBatchWriter({ insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks), maxDelayMs: 60_000 });
    const started = performance.now();
    const write = writer.write([encoded([logRow('cfg-flush', 1)])]);
    await writer.flush();
    await write;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await count('cfg-flush')).toBe(1);
  });

  describe('rows the store refuses', () => {
    const splitting = (onInsert?: (o: InsertObservation) => void, maxSplitInserts?: number) => createBatchWriter({
      insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks),
      classify: classifyInsertError,
      reasonOf: rowErrorReason,
      maxDelayMs: 50,
      ...(maxSplitInserts === undefined ? {} : { maxSplitInserts }),
      ...(onInsert === undefined ? {} : { onInsert }),
    });
    // A negative SeverityNumber fails a UInt8 column (CANNOT_PARSE_NUMBER), as a bad client's record would.
    const poison = (hash: string, i: number): unknown[] => { const r = logRow(hash, i); r[5] = -5; return r; };

    it('stores every other write coalesced with a bad row, and refuses only that row to its own write', async () => {
      const writer = splitting();
      const good = Array.from({ length: 10 }, (_, w) => writer.write([encoded(Array.from({ length: 20 }, (_, i) => logRow('cfg-neighbour', w * 20 + i)))]));
      const mixed = writer.write([encoded(Array.from({ length: 50 }, (_, i) => (i === 17 ? poison('cfg-mixed', i) : logRow('cfg-mixed', i))))]);
      const results = await Promise.all(good);
      expect(results).toEqual(Array.from({ length: 10 }, () => ({ rejectedRows: 0, reasons: [] })));
      const m = await mixed;
      expect(m.rejectedRows).toBe(1);
      expect(m.reasons).toHaveLength(1);
      expect(m.reasons[0]).toMatch(/^refused by the store \(CANNOT_PARSE_NUMBER\): Unsigned type must not contain '-' symbol/);
      expect(await count('cfg-neighbour')).toBe(200);
      expect(await count('cfg-mixed')).toBe(49);
    });

    it('stores a batch whose rows fall on more than 100 days by splitting it, refusing nothing', async () => {
      const inserts: InsertObservation[] = [];
      const writer = splitting((o) => inserts.push(o));
      const spread = Array.from({ length: 150 }, (_, i) => {
        const r = logRow('cfg-days', i);
        r[0] = `${1_700_000_000 + i * 86_400}.000000000`;
        return r;
      });
      expect(await writer.write([encoded(spread)])).toEqual({ rejectedRows: 0, reasons: [] });
      expect(await count('cfg-days')).toBe(150);
      expect(inserts[0]!.error).toBeDefined(); // the whole batch failed first, then its halves went in
    });

    it('refuses what is still unsettled once the split budget is spent, storing no row twice', async () => {
      const writer = splitting(undefined, 4);
      const rows = Array.from({ length: 64 }, (_, i) => (i % 8 === 0 ? poison('cfg-budget', i) : logRow('cfg-budget', i)));
      const r = await writer.write([encoded(rows)]);
      const stored = await count('cfg-budget');
      expect(r.rejectedRows).toBeGreaterThanOrEqual(8);
      expect(stored + r.rejectedRows).toBe(64);
      const distinct = Number((await store.query<{ n: string }>(`SELECT uniqExact(Body) AS n FROM otel_logs WHERE ConfigHash = 'cfg-budget'`))[0]?.n);
      expect(distinct).toBe(stored);
    });

    it('rejects every write when the store itself is at fault, so that all of them are retried', async () => {
      const writer = createBatchWriter({
        insert: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8123')),
        classify: classifyInsertError,
        maxDelayMs: 10,
      });
      const writes = [writer.write([encoded([logRow('cfg-down', 1)])]), writer.write([encoded([logRow('cfg-down', 2)])])];
      for (const w of writes) await expect(w).rejects.toThrow(/ECONNREFUSED/);
    });
  });
});
