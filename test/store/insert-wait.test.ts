/**
 * A store that answers slowly: a write waits at most `maxWaitMs` for its inserts and is then
 * refused as retryable; its rows that no insert took yet are withdrawn (never stored after that
 * answer), while rows of an insert already running may still be stored. End to end, an OTLP export
 * is answered 503 + Retry-After before the exporters' 10 s, and /healthz keeps answering.
 * Real parts: a ClickHouse HTTP server in front of chDB with an injected delay, the real client,
 * a Tollgate in server mode, real sockets.
 */
import path from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columns } from '../../src/ingest/decode/index.js';
import { createBatchWriter, encodeRows, InsertWaitTimeout, openStore, type EncodedRows, type Store } from '../../src/store/index.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';
import { body, countRows, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

let ch: ClickHouseHttpServer;
beforeAll(async () => {
  ch = await startClickHouseHttpServer({ dataDir: path.join(tempDir('tollgate-ch-'), 'data') });
});
afterAll(async () => {
  await ch?.setDelayMs(0).catch(() => undefined);
  await ch?.stop();
});

const logRow = (hash: string, i: number): unknown[] =>
  [`${1_700_000_000 + i}.000000000`, '', '', 0, 'INFO', 9, 'svc', `line ${i}`, '', { config_hash: hash }, '', '', '', {}, {}, ''];
const encoded = (hash: string, n: number): EncodedRows => {
  const rows = Array.from({ length: n }, (_, i) => logRow(hash, i));
  return { table: 'otel_logs', columns: columns.LOG_COLUMNS, rowCount: rows.length, text: encodeRows(rows) };
};

describe('the batch writer on a slow store', () => {
  let store: Store;
  beforeAll(async () => {
    ({ store } = await openStore({ kind: 'server', url: ch.url, username: 'default', password: '', database: 'insert_wait', cluster: undefined }));
  });
  afterAll(async () => {
    await store?.close();
  });
  const count = async (hash: string): Promise<number> =>
    Number((await store.query<{ n: string }>(`SELECT count() AS n FROM otel_logs WHERE ConfigHash = {hash:String}`, { hash }))[0]?.n);

  it('refuses writes past maxWaitMs, withdrawing the rows no insert took yet and letting a running insert finish', async () => {
    const writer = createBatchWriter({ insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks), maxDelayMs: 10, maxRows: 5, maxWaitMs: 600, maxInFlightInserts: 1 });
    await ch.setDelayMs(2_000);
    try {
      const started = performance.now();
      // Each write fills a batch (maxRows 5): the first insert runs (and waits 2 s at the store), the second waits for its slot.
      const running = writer.write([encoded('cfg-wait-running', 5)]);
      const waiting = writer.write([encoded('cfg-wait-withdrawn', 5)]);
      await expect(running).rejects.toBeInstanceOf(InsertWaitTimeout);
      await expect(waiting).rejects.toThrow(/did not take these rows within 600 ms; retry later/);
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(writer.pendingRows()).toBe(5); // only the running insert's rows are still held
      await writer.flush();
    } finally {
      await ch.setDelayMs(0);
    }
    // The insert that was running when its write gave up was stored (at-least-once); the withdrawn one never was.
    expect(await count('cfg-wait-running')).toBe(5);
    expect(await count('cfg-wait-withdrawn')).toBe(0);
    expect(writer.pendingRows()).toBe(0);
  });

  it('stores writes that wait less than maxWaitMs, one insert after another', async () => {
    const writer = createBatchWriter({ insert: (b) => store.insertEncoded(b.table, b.columns, b.chunks), maxDelayMs: 10, maxRows: 5, maxWaitMs: 5_000, maxInFlightInserts: 1 });
    await ch.setDelayMs(300);
    try {
      await Promise.all([writer.write([encoded('cfg-wait-ok', 5)]), writer.write([encoded('cfg-wait-ok', 5)]), writer.write([encoded('cfg-wait-ok', 5)])]);
    } finally {
      await ch.setDelayMs(0);
    }
    expect(await count('cfg-wait-ok')).toBe(15);
  });
});

describe('OTLP export against a store that stopped answering in time', () => {
  let tg: InProcessTollgate;
  beforeAll(async () => {
    tg = await startInProcess({ CLICKHOUSE_URL: ch.url, CLICKHOUSE_DATABASE: 'insert_wait_e2e' });
  });
  afterAll(async () => {
    await tg?.cleanup();
  });

  it('is answered 503 with Retry-After before the exporters give up (10 s), while /healthz answers at once; stored once the store is fast again', async () => {
    const payload = () => body(ProtobufTraceSerializer.serializeRequest(makeSpans(10, demoResource({ config_hash: 'cfg-slow-store' })))!);
    const post = () => fetch(`${tg.otlpHttpUrl}/v1/traces`, { method: 'POST', body: payload(), headers: { 'content-type': 'application/x-protobuf' }, signal: AbortSignal.timeout(30_000) });
    await ch.setDelayMs(15_000);
    try {
      const started = performance.now();
      const answer = post();
      await new Promise((r) => setTimeout(r, 500));
      const health = performance.now();
      expect((await fetch(`${tg.apiUrl}/healthz`)).status).toBe(200);
      expect(performance.now() - health).toBeLessThan(500);
      const res = await answer;
      const waited = performance.now() - started;
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      // Refused at the first deadline: the store's own for inserts on a server (TOLLGATE_INSERT_TIMEOUT_MS, 5 s),
      // else the batch writer's (7 s); either way before the exporters' 10 s, and not at once.
      expect(waited).toBeLessThan(9_000);
      expect(waited).toBeGreaterThan(4_500);
    } finally {
      await ch.setDelayMs(0);
    }
    expect((await post()).status).toBe(200);
    expect(await countRows(tg, 'otel_traces', `ConfigHash = 'cfg-slow-store'`)).toBeGreaterThanOrEqual(20);
  }, 60_000);
});
