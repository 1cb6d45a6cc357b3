/**
 * The batch writer on real chDB: concurrent writes coalesce into few inserts, a write resolves
 * only when its rows are stored, and a failed insert rejects exactly the writes it held.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchWriter, openStore, type InsertObservation, type Store } from '../../src/store/index.js';
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
  [`${1_700_000_000 + i}000000000`, '', '', 0, 'INFO', 9, 'svc', `line ${i}`, '', { config_hash: hash }, '', '', '', {}, {}, ''];

const count = async (hash: string): Promise<number> =>
  Number((await store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ConfigHash = {hash:String}`, { hash }))[0]?.n);

describe('createBatchWriter', () => {
  it('coalesces concurrent writes into a few inserts and resolves each only once its rows are stored', async () => {
    const inserts: InsertObservation[] = [];
    const writer = createBatchWriter({ insert: (b) => store.insertRows(b.table, b.columns, b.rows), maxDelayMs: 50, onInsert: (o) => inserts.push(o) });
    const stored: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, w) => {
        await writer.write([{ table: 'otel_logs', columns: columns.LOG_COLUMNS, rows: Array.from({ length: 25 }, (_, i) => logRow('cfg-coalesce', w * 25 + i)) }]);
        stored.push(await count('cfg-coalesce'));
      }),
    );
    expect(inserts.length).toBeLessThanOrEqual(3);
    expect(inserts.reduce((n, o) => n + o.rows, 0)).toBe(1000);
    // Every write saw at least its own 25 rows in the table the moment it resolved.
    expect(Math.min(...stored)).toBeGreaterThanOrEqual(25);
    expect(await count('cfg-coalesce')).toBe(1000);
  });

  it('splits a write larger than maxRows across inserts and resolves after the last', async () => {
    const inserts: InsertObservation[] = [];
    const writer = createBatchWriter({ insert: (b) => store.insertRows(b.table, b.columns, b.rows), maxRows: 300, maxDelayMs: 10, onInsert: (o) => inserts.push(o) });
    await writer.write([{ table: 'otel_logs', columns: columns.LOG_COLUMNS, rows: Array.from({ length: 1000 }, (_, i) => logRow('cfg-split', i)) }]);
    expect(inserts.map((o) => o.rows)).toEqual([300, 300, 300, 100]);
    expect(await count('cfg-split')).toBe(1000);
    expect(writer.pendingRows()).toBe(0);
  });

  it('rejects the writes whose insert failed and keeps serving later ones', async () => {
    const writer = createBatchWriter({ insert: (b) => store.insertRows(b.table, b.columns, b.rows), maxDelayMs: 10 });
    const bad = writer.write([{ table: 'otel_logs', columns: columns.LOG_COLUMNS, rows: [['not a timestamp', ...logRow('cfg-bad', 0).slice(1)]] }]);
    await expect(bad).rejects.toThrow();
    await writer.write([{ table: 'otel_logs', columns: columns.LOG_COLUMNS, rows: [logRow('cfg-after-bad', 1)] }]);
    expect(await count('cfg-after-bad')).toBe(1);
    expect(await count('cfg-bad')).toBe(0);
  });

  it('sends open batches at once on flush instead of waiting out the delay', async () => {
    const writer = createBatchWriter({ insert: (b) => store.insertRows(b.table, b.columns, b.rows), maxDelayMs: 60_000 });
    const started = performance.now();
    const write = writer.write([{ table: 'otel_logs', columns: columns.LOG_COLUMNS, rows: [logRow('cfg-flush', 1)] }]);
    await writer.flush();
    await write;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await count('cfg-flush')).toBe(1);
  });
});
