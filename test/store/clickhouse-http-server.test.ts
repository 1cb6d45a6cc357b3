/**
 * The test ClickHouse server (test/helpers/clickhouse-http) seen through the real
 * `@clickhouse/client`: parameter binding, formats, inserts, errors, settings, compression,
 * sessions, faults and restarts; then Tollgate's own store in server mode, single and cluster form.
 */
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ClickHouseError, ClickHouseLogLevel, createClient as createChClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullSchemaStatements, MIGRATIONS, openStore } from '../../src/store/index.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { insertShape, rewriteForCluster } from '../helpers/clickhouse-http/server-main.js';
import { tempDir } from '../helpers/tollgate.js';

/** The tests provoke errors on purpose; the client would log each one. */
const createClient = (config: NonNullable<Parameters<typeof createChClient>[0]>): ClickHouseClient =>
  createChClient({ ...config, log: { level: ClickHouseLogLevel.OFF } });

let dir: string;
let server: ClickHouseHttpServer;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = tempDir('tollgate-ch-http-');
  server = await startClickHouseHttpServer({ dataDir: path.join(dir, 'single') });
  client = createClient({ url: server.url, request_timeout: 20_000 });
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function clickHouseErrorOf(p: Promise<unknown>): Promise<ClickHouseError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ClickHouseError) return e;
    throw e;
  }
  throw new Error('expected a ClickHouseError, the request succeeded');
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A plain HTTP request, to see the wire: status, headers and undecoded bytes. */
function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function rows<T>(query: string, extra: Omit<Parameters<ClickHouseClient['query']>[0], 'query' | 'format'> = {}, c: ClickHouseClient = client): Promise<T[]> {
  return (await c.query({ ...extra, query, format: 'JSONEachRow' })).json<T>();
}

describe('where INSERT data starts (ParserInsertQuery)', () => {
  // `|` marks where the data starts; the prefix is the statement up to the format name.
  it.each([
    ['after the first newline that follows the format name', 'INSERT INTO t FORMAT JSONEachRow  \n|{"a":1}', 'INSERT INTO t FORMAT JSONEachRow', 'JSONEachRow'],
    ['after the whitespace when no newline follows', 'INSERT INTO t FORMAT CSV  |1,2', 'INSERT INTO t FORMAT CSV', 'CSV'],
    ['at a second newline, which is data', 'INSERT INTO t FORMAT RowBinary\n|\n\u0000', 'INSERT INTO t FORMAT RowBinary', 'RowBinary'],
    ['right after VALUES', "INSERT INTO t (a, b) VALUES| (1, 'FORMAT x')", 'INSERT INTO t (a, b) VALUES', 'Values'],
  ])('%s', (_, marked, prefix, format) => {
    expect(insertShape(marked.replace('|', ''))).toEqual({ kind: 'data', prefixEnd: prefix.length, dataStart: marked.indexOf('|'), format });
  });

  it('finds no data in INSERT … SELECT, even with FORMAT inside a string', () => {
    expect(insertShape("INSERT INTO t SELECT 'FORMAT CSV'")).toEqual({ kind: 'no-data' });
  });
});

describe('queries and parameters', () => {
  it('answers ping, GET / and HEAD / with Ok.', async () => {
    expect((await client.ping()).success).toBe(true);
    expect((await rawRequest(`${server.url}/ping`, { method: 'GET' })).body.toString()).toBe('Ok.\n');
    expect((await rawRequest(`${server.url}/`, { method: 'GET' })).body.toString()).toBe('Ok.\n');
    const head = await rawRequest(`${server.url}/`, { method: 'HEAD' });
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  it('binds a String with quotes, backslashes, newlines, tabs and unicode exactly', async () => {
    const s = `it's "quoted" \\ back\\slash\nnew line\ttab \\n not-a-newline ünïcødé 🚀 '' end`;
    expect(await rows<{ s: string; n: string }>('SELECT {s:String} AS s, length({s:String}) AS n', { query_params: { s } }))
      .toEqual([{ s, n: String(Buffer.byteLength(s)) }]);
  });

  it('binds UInt64 given as bigint, values beyond 2^63 and negative Int64 exactly, quoted in JSON as a server does', async () => {
    const beyond = 2n ** 63n + 5n;
    const result = await rows<Record<string, string>>('SELECT {max:UInt64} AS max, {beyond:UInt64} AS beyond, {neg:Int64} AS neg, toString({beyond:UInt64} + 1) AS plusOne', {
      query_params: { max: 2n ** 64n - 1n, beyond, neg: -(2n ** 63n) },
    });
    expect(result).toEqual([{ max: '18446744073709551615', beyond: '9223372036854775813', neg: '-9223372036854775808', plusOne: '9223372036854775814' }]);
  });

  it('binds Array(String), Map(String, String) and DateTime64(9) given as seconds.nanoseconds', async () => {
    const result = await rows<{ a: string[]; m: Record<string, string>; d: string; ns: string }>(
      'SELECT {a:Array(String)} AS a, {m:Map(String, String)} AS m, toString({d:DateTime64(9)}) AS d, toUnixTimestamp64Nano({d:DateTime64(9)}) AS ns',
      { query_params: { a: ['x', "y'z", 'back\\slash', 'new\nline'], m: { "k'1": 'v\t1', plain: 'v2' }, d: '1700000000.123456789' } },
    );
    expect(result).toEqual([{
      a: ['x', "y'z", 'back\\slash', 'new\nline'], m: { "k'1": 'v\t1', plain: 'v2' }, d: '2023-11-14 22:13:20.123456789', ns: '1700000000123456789',
    }]);
  });

  it('binds Float64 NaN and infinities', async () => {
    const result = await rows<Record<string, string | number>>('SELECT toString({a:Float64}) AS a, toString({b:Float64}) AS b, toString({c:Float64}) AS c, isNaN({a:Float64}) AS isNan', {
      query_params: { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: Number.NEGATIVE_INFINITY },
    });
    expect(result).toEqual([{ a: 'nan', b: 'inf', c: '-inf', isNan: 1 }]);
  });

  it('quotes 64-bit integers with output_format_json_quote_64bit_integers=1 and not with 0, for that request only', async () => {
    const query = 'SELECT toUInt64(18446744073709551615) AS v';
    const text = async (settings?: { output_format_json_quote_64bit_integers: 0 | 1 }): Promise<string> =>
      (await client.query({ query, format: 'JSONEachRow', clickhouse_settings: settings })).text();
    expect(await text({ output_format_json_quote_64bit_integers: 1 })).toBe('{"v":"18446744073709551615"}\n');
    expect(await text({ output_format_json_quote_64bit_integers: 0 })).toBe('{"v":18446744073709551615}\n');
    expect(await text()).toBe('{"v":"18446744073709551615"}\n');
  });

  it('applies URL settings to one request, never to the next', async () => {
    const setting = async (settings?: { max_block_size: string }): Promise<string> =>
      (await rows<{ v: string }>("SELECT toString(getSetting('max_block_size')) AS v", { clickhouse_settings: settings }))[0]?.v ?? '';
    const before = await setting();
    expect(await setting({ max_block_size: '1234' })).toBe('1234');
    expect(await setting()).toBe(before);
    expect(before).not.toBe('1234');
  });

  it('sends the headers a server sends: query id, format, timezone, display name, summary, content type', async () => {
    const res = await rawRequest(`${server.url}/?query_id=probe-1`, { body: 'SELECT number FROM numbers(3) FORMAT JSONEachRow' });
    expect(res.status).toBe(200);
    expect(res.headers['x-clickhouse-query-id']).toBe('probe-1');
    expect(res.headers['x-clickhouse-format']).toBe('JSONEachRow');
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=UTF-8');
    expect(String(res.headers['x-clickhouse-timezone'])).toMatch(/UTC/);
    expect(String(res.headers['x-clickhouse-server-display-name'])).not.toBe('');
    const summary: unknown = JSON.parse(String(res.headers['x-clickhouse-summary']));
    expect(summary).toMatchObject({ result_rows: '3', written_rows: '0', result_bytes: String(res.body.length) });
    expect(Object.values(summary as Record<string, unknown>).every((v) => typeof v === 'string')).toBe(true); // parsed JSON object, checked by toMatchObject
    const generated = await rawRequest(server.url, { body: 'SELECT 1' });
    expect(String(generated.headers['x-clickhouse-query-id'])).toMatch(/^[0-9a-f-]{36}$/);
    expect([generated.headers['x-clickhouse-format'], generated.body.toString()]).toEqual(['TabSeparated', '1\n']);
  });

  it('sends long parameters as multipart/form-data parts and binds them the same way', async () => {
    const multipart = createClient({ url: server.url, use_multipart_params: true });
    try {
      const s = `multi'part\n${'x'.repeat(5_000)}`;
      expect(await rows<{ n: string; head: string }>('SELECT length({s:String}) AS n, substring({s:String}, 1, 11) AS head', { query_params: { s } }, multipart))
        .toEqual([{ n: String(s.length), head: "multi'part\n" }]);
    } finally {
      await multipart.close();
    }
  });

  it('runs a GET query read-only, as a server does', async () => {
    const res = await rawRequest(`${server.url}/?query=${encodeURIComponent('CREATE TABLE get_made (a UInt8) ENGINE = Memory')}`, { method: 'GET' });
    expect([res.status, res.headers['x-clickhouse-exception-code']]).toEqual([500, '164']);
    const read = await rawRequest(`${server.url}/?query=${encodeURIComponent('SELECT 2')}`, { method: 'GET' });
    expect([read.status, read.body.toString()]).toEqual([200, '2\n']);
  });

  it('runs concurrent statements one at a time', async () => {
    const started = performance.now();
    const answers = await Promise.all([1, 2, 3].map((i) => rows<{ i: number }>(`SELECT ${i} AS i FROM system.one WHERE sleep(0.3) = 0`)));
    expect(answers).toEqual([[{ i: 1 }], [{ i: 2 }], [{ i: 3 }]]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(880);
  });

  it('keeps temporary tables and SET within a session_id and nowhere else', async () => {
    const session_id = `s-${Date.now()}`;
    await client.command({ query: 'CREATE TEMPORARY TABLE tmp (a UInt8)', session_id });
    await client.command({ query: 'INSERT INTO tmp VALUES (7)', session_id });
    await client.command({ query: 'SET max_block_size = 4321', session_id });
    expect(await rows<{ a: number; b: string }>("SELECT a, toString(getSetting('max_block_size')) AS b FROM tmp", { session_id })).toEqual([{ a: 7, b: '4321' }]);
    expect((await clickHouseErrorOf(client.query({ query: 'SELECT a FROM tmp' }))).code).toBe('60');
    // A URL setting in a session applies to that request only; the session's SET stays.
    expect(await rows<{ b: string }>("SELECT toString(getSetting('max_block_size')) AS b", { session_id, clickhouse_settings: { max_block_size: '99' } })).toEqual([{ b: '99' }]);
    expect(await rows<{ b: string }>("SELECT toString(getSetting('max_block_size')) AS b", { session_id })).toEqual([{ b: '4321' }]);
  });
});

describe('inserts, commands and errors', () => {
  const table = 'events';
  beforeAll(async () => {
    await client.command({ query: `CREATE TABLE IF NOT EXISTS ${table} (id UInt64, name String, attrs Map(String, String), ts DateTime64(9)) ENGINE = MergeTree ORDER BY id` });
  });

  it('creates a table with command, idempotently', async () => {
    await client.command({ query: `CREATE TABLE IF NOT EXISTS ${table} (id UInt64) ENGINE = MergeTree ORDER BY id` });
    expect(await rows<{ result: number }>(`EXISTS TABLE ${table}`)).toEqual([{ result: 1 }]);
  });

  it('inserts JSONCompactEachRow and JSONEachRow rows and reports them in the summary', async () => {
    const compact = await client.insert({
      table, format: 'JSONCompactEachRow', columns: ['id', 'name', 'attrs', 'ts'],
      values: [[1, 'a', { k: 'v' }, '1700000000.000000001'], [2, "b'\\", {}, '0.000000000']],
    });
    expect(compact.summary?.written_rows).toBe('2');
    const each = await client.insert({ table, format: 'JSONEachRow', values: [{ id: 3, name: 'c', attrs: { x: 'y' }, ts: '1700000001.5' }] });
    expect(each.summary?.written_rows).toBe('1');
    expect(await rows<{ id: string; name: string; attrs: Record<string, string>; ts: string }>(`SELECT id, name, attrs, toString(ts) AS ts FROM ${table} WHERE id <= 3 ORDER BY id`)).toEqual([
      { id: '1', name: 'a', attrs: { k: 'v' }, ts: '2023-11-14 22:13:20.000000001' },
      { id: '2', name: "b'\\", attrs: {}, ts: '1970-01-01 00:00:00.000000000' },
      { id: '3', name: 'c', attrs: { x: 'y' }, ts: '2023-11-14 22:13:21.500000000' },
    ]);
  });

  it('runs exec with a streamed body as the data of the URL query', async () => {
    // Nine fractional digits, as Tollgate writes them: with date_time_input_format=basic chDB 26.7
    // misreads a shorter fraction (`"1.0"`) in JSONEachRow and fails on the row after it.
    const lines = ['{"id":10,"name":"s1","attrs":{},"ts":"1.000000000"}\n', '{"id":11,"name":"s2","attrs":{},"ts":"2.000000000"}\n'];
    const result = await client.exec({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: Readable.from(lines) });
    result.stream.resume();
    expect(result.summary?.written_rows).toBe('2');
    expect(await rows<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE id IN (10, 11)`)).toEqual([{ n: '2' }]);
  });

  it('inserts RowBinary bytes unchanged, zero and 0xFF bytes included', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS bin (b String) ENGINE = MergeTree ORDER BY tuple()' });
    const value = Buffer.from([0x00, 0xff, 0x0a, 0x20]);
    const result = await client.exec({ query: 'INSERT INTO bin FORMAT RowBinary', values: Readable.from([Buffer.concat([Buffer.from([value.length]), value])]) });
    result.stream.resume();
    expect(await rows<{ h: string }>('SELECT hex(b) AS h FROM bin')).toEqual([{ h: '00FF0A20' }]);
  });

  it('answers a syntax error with code 62 SYNTAX_ERROR and HTTP 400', async () => {
    // Not `SELEC 1`: chDB 26.7 words that error "failed at position 1 (SELEC)", and the client's
    // regex takes the first `(UPPERCASE)` group as the type.
    const e = await clickHouseErrorOf(client.query({ query: 'SELECT (1' }));
    expect([e.code, e.type]).toEqual(['62', 'SYNTAX_ERROR']);
    const res = await rawRequest(server.url, { body: 'SELEC 1' });
    expect([res.status, res.headers['x-clickhouse-exception-code']]).toEqual([400, '62']);
    expect(res.body.toString()).toMatch(/^Code: 62\. DB::Exception: Syntax error: .*\(SYNTAX_ERROR\) \(version [\d.]+\)\n$/s);
  });

  it('answers an unknown table with code 60 UNKNOWN_TABLE and HTTP 404', async () => {
    const e = await clickHouseErrorOf(client.query({ query: 'SELECT * FROM no_such_table' }));
    expect([e.code, e.type]).toEqual(['60', 'UNKNOWN_TABLE']);
    expect((await rawRequest(server.url, { body: 'SELECT * FROM no_such_table' })).status).toBe(404);
  });

  it('refuses two statements in one request, as the HTTP interface does', async () => {
    const e = await clickHouseErrorOf(client.command({ query: 'SELECT 1; SELECT 2' }));
    expect([e.code, e.type]).toEqual(['62', 'SYNTAX_ERROR']);
    expect(e.message).toContain('Multi-statements are not allowed');
  });

  it('compresses requests and responses with gzip', async () => {
    const gz = createClient({ url: server.url, compression: { request: true, response: true } });
    try {
      await gz.insert({ table, format: 'JSONEachRow', values: [{ id: 20, name: 'gz'.repeat(100), attrs: {}, ts: '3.0' }] });
      expect(await rows<{ n: string }>(`SELECT length(name) AS n FROM ${table} WHERE id = 20`, {}, gz)).toEqual([{ n: '200' }]);
    } finally {
      await gz.close();
    }
    const res = await rawRequest(`${server.url}/?enable_http_compression=1`, {
      headers: { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' },
      body: zlib.gzipSync('SELECT 42 AS x FORMAT JSONEachRow'),
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect([res.body[0], res.body[1]]).toEqual([0x1f, 0x8b]);
    expect(zlib.gunzipSync(res.body).toString()).toBe('{"x":42}\n');
  });
});

describe('faults', () => {
  it('delays every answer by the configured time', async () => {
    await server.setDelayMs(800);
    try {
      const started = performance.now();
      expect(await rows<{ x: number }>('SELECT 1 AS x')).toEqual([{ x: 1 }]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(790);
    } finally {
      await server.setDelayMs(0);
    }
    const started = performance.now();
    await rows('SELECT 1');
    expect(performance.now() - started).toBeLessThan(700);
  });

  it('closes connections without answering while refusing, and answers again after', async () => {
    await server.setRefuse(true);
    try {
      expect((await errorOf(client.query({ query: 'SELECT 1' }))).message).toMatch(/socket hang up|ECONNRESET/);
      expect((await client.ping()).success).toBe(false);
    } finally {
      await server.setRefuse(false);
    }
    expect(await rows<{ x: number }>('SELECT 1 AS x')).toEqual([{ x: 1 }]);
  });

  it('answers inserts with TOO_MANY_PARTS while failing inserts, and still answers reads', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS faults (id UInt64) ENGINE = MergeTree ORDER BY id' });
    await server.setFailInserts(true);
    try {
      const e = await clickHouseErrorOf(client.insert({ table: 'faults', format: 'JSONEachRow', values: [{ id: 1 }] }));
      expect([e.code, e.type]).toEqual(['252', 'TOO_MANY_PARTS']);
      expect(await rows<{ n: string }>('SELECT count() AS n FROM faults')).toEqual([{ n: '0' }]);
    } finally {
      await server.setFailInserts(false);
    }
  });

  it('keeps rows whose insert was answered through a kill -9, and serves them again after a restart on the same port', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS durable (id UInt64) ENGINE = MergeTree ORDER BY id' });
    await client.insert({ table: 'durable', format: 'JSONEachRow', values: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    const port = server.port;
    await server.kill();
    expect((await client.ping()).success).toBe(false);
    await server.restart();
    expect(server.port).toBe(port);
    expect(await rows<{ n: string }>('SELECT count() AS n FROM durable')).toEqual([{ n: '3' }]);
  });

  it('releases the chDB lock on stop, so a restart serves the same data', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS graceful (id UInt64) ENGINE = MergeTree ORDER BY id' });
    await client.insert({ table: 'graceful', format: 'JSONEachRow', values: [{ id: 7 }] });
    await server.stop();
    await server.restart();
    expect(await rows<{ id: string }>('SELECT id FROM graceful')).toEqual([{ id: '7' }]);
  });

  it('dies mid-insert: before the insert runs nothing is stored, after it runs the rows are there though the client saw an error', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS crashes (id UInt64) ENGINE = MergeTree ORDER BY id' });
    await server.setCrashOnInsert('before');
    expect((await errorOf(client.insert({ table: 'crashes', format: 'JSONEachRow', values: [{ id: 1 }] }))).message).toMatch(/socket hang up|ECONNRESET/);
    await server.restart();
    expect(await rows<{ n: string }>('SELECT count() AS n FROM crashes')).toEqual([{ n: '0' }]);
    await server.setCrashOnInsert('after');
    expect((await errorOf(client.insert({ table: 'crashes', format: 'JSONEachRow', values: [{ id: 2 }] }))).message).toMatch(/socket hang up|ECONNRESET/);
    await server.restart();
    expect(await rows<{ id: string }>('SELECT id FROM crashes')).toEqual([{ id: '2' }]);
  });
});

describe("Tollgate's store in server mode", () => {
  it('applies every migration and answers queries', async () => {
    const target = { kind: 'server' as const, url: server.url, username: 'default', password: '', database: 'tollgate_test', cluster: undefined };
    const { store, migrations } = await openStore(target);
    try {
      expect(migrations).toEqual({ applied: MIGRATIONS.map((m) => m.version), alreadyApplied: [], drifted: [] });
      expect(await store.query('SELECT count() AS n FROM otel_traces')).toEqual([{ n: '0' }]);
    } finally {
      await store.close();
    }
    const again = await openStore(target);
    await again.store.close();
    expect(again.migrations.alreadyApplied).toEqual(MIGRATIONS.map((m) => m.version));
  });
});

describe('a one-node cluster (--cluster test)', () => {
  let clusterServer: ClickHouseHttpServer;
  let admin: ClickHouseClient;
  const auth = { username: 'tollgate', password: 's3cret' };
  beforeAll(async () => {
    clusterServer = await startClickHouseHttpServer({ dataDir: path.join(dir, 'cluster'), cluster: 'test', user: auth.username, password: auth.password });
    admin = createClient({ url: clusterServer.url, ...auth });
  });
  afterAll(async () => {
    await admin?.close();
    await clusterServer?.stop();
  });

  it('turns Replicated engines into their plain engines and drops ON CLUSTER', () => {
    const out = rewriteForCluster("CREATE TABLE d.t ON CLUSTER `test` (a UInt8) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', (a)) ORDER BY a", 'test');
    expect(out).toEqual({ kind: 'sql', sql: 'CREATE TABLE d.t  (a UInt8) ENGINE = SummingMergeTree((a)) ORDER BY a' });
    expect(rewriteForCluster('SELECT 1 FROM t JOIN u ON cluster = 1', 'test')).toEqual({ kind: 'sql', sql: 'SELECT 1 FROM t JOIN u ON cluster = 1' });
  });

  it('applies the cluster form of the schema, and Tollgate reads and writes through its Distributed tables', async () => {
    const db = 'tollgate_cluster';
    for (const sql of fullSchemaStatements(db, { kind: 'cluster', cluster: 'test' })) await admin.command({ query: sql });
    const engines = await rows<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE database = {db:String} AND name IN ('otel_traces', 'otel_traces_local', 'tollgate_span_rollup_1m_local') ORDER BY name`,
      { query_params: { db } }, admin,
    );
    expect(engines).toEqual([
      { name: 'otel_traces', engine: 'Distributed' },
      { name: 'otel_traces_local', engine: 'MergeTree' },
      { name: 'tollgate_span_rollup_1m_local', engine: 'SummingMergeTree' },
    ]);
    const target = { kind: 'server' as const, url: clusterServer.url, ...auth, database: db, cluster: 'test' };
    const first = await openStore(target);
    await first.store.close();
    expect(first.migrations.applied).toEqual(MIGRATIONS.map((m) => m.version));
    // The migration records went in through the Distributed table and landed in the local one.
    expect(await rows<{ n: string }>(`SELECT count() AS n FROM ${db}.tollgate_schema_migrations_local`, {}, admin)).toEqual([{ n: String(MIGRATIONS.length) }]);
    const second = await openStore(target);
    await second.store.close();
    expect(second.migrations).toEqual({ applied: [], alreadyApplied: MIGRATIONS.map((m) => m.version), drifted: [] });
  });

  it('answers ON CLUSTER for any other cluster with CLUSTER_DOESNT_EXIST', async () => {
    const e = await clickHouseErrorOf(admin.command({ query: 'CREATE DATABASE x ON CLUSTER elsewhere' }));
    expect([e.code, e.type]).toEqual(['701', 'CLUSTER_DOESNT_EXIST']);
  });

  it('refuses a wrong password with AUTHENTICATION_FAILED and HTTP 403', async () => {
    const intruder = createClient({ url: clusterServer.url, username: auth.username, password: 'wrong' });
    try {
      const e = await clickHouseErrorOf(intruder.query({ query: 'SELECT 1' }));
      expect([e.code, e.type]).toEqual(['516', 'AUTHENTICATION_FAILED']);
    } finally {
      await intruder.close();
    }
    expect((await rawRequest(clusterServer.url, { body: 'SELECT 1' })).status).toBe(403);
  });
});
