/**
 * The batch writer on real chDB: concurrent writes coalesce into few inserts, a write resolves
 * only when its rows are stored, and a failed insert rejects exactly the writes it held.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchWriter, encodeRows, openStore, type EncodedRows, type InsertObservation, type Store } from '../../src/store/index.js';
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
});
