/**
 * The cluster form of the schema as operators apply it: deploy/clickhouse/schema-cluster.sql (what
 * `tollgate schema --cluster tollgate --database otel` prints), statement by statement, through
 * ClickHouse's HTTP interface on the test server's one-node cluster `tollgate`; then Tollgate in
 * cluster form on it: its migrations find nothing to change, it holds the evaluator lease through
 * the Distributed lease table, and stores and serves an export.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/index.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const auth = { username: 'tollgate', password: 'cluster-secret' };
let dir: string;
let ch: ClickHouseHttpServer;
let admin: ClickHouseClient;

beforeAll(async () => {
  dir = tempDir('tollgate-cluster-ddl-');
  ch = await startClickHouseHttpServer({ dataDir: path.join(dir, 'clickhouse'), cluster: 'tollgate', user: auth.username, password: auth.password });
  admin = createClient({ url: ch.url, ...auth, log: { level: ClickHouseLogLevel.OFF } });
});
afterAll(async () => {
  await admin?.close();
  await ch?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const statements = readFileSync(path.join(REPO_ROOT, 'deploy/clickhouse/schema-cluster.sql'), 'utf8')
  .split(/;\n(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== '');

async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return (await admin.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

describe('deploy/clickhouse/schema-cluster.sql', () => {
  it('applies statement by statement, ON CLUSTER, through the HTTP interface', async () => {
    expect(statements.length).toBeGreaterThan(30);
    expect(statements.every((s) => /ON CLUSTER `tollgate`/.test(s))).toBe(true);
    for (const sql of statements) await admin.command({ query: sql });
    // Applying it twice changes nothing (every statement is idempotent).
    for (const sql of statements) await admin.command({ query: sql });
    const tables = await rows<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE database = 'otel' AND engine != 'MaterializedView' ORDER BY name`,
    );
    const local = tables.filter((t) => t.name.endsWith('_local'));
    const distributed = tables.filter((t) => !t.name.endsWith('_local'));
    expect(distributed.map((t) => `${t.name}_local`)).toEqual(local.map((t) => t.name));
    expect(distributed.every((t) => t.engine === 'Distributed')).toBe(true);
    // Replicated* engines become their plain engines on the one-node cluster.
    expect(local.find((t) => t.name === 'tollgate_leases_local')?.engine).toBe('ReplacingMergeTree');
    expect(local.find((t) => t.name === 'tollgate_span_rollup_1m_local')?.engine).toBe('SummingMergeTree');
    const ttl = await rows<{ engine_full: string }>(`SELECT engine_full FROM system.tables WHERE database = 'otel' AND name = 'otel_traces_local'`);
    expect(ttl[0]?.engine_full).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalSecond\(604800\)/);
  });
});

describe('Tollgate in cluster form on it', () => {
  let tg: InProcessTollgate;
  beforeAll(async () => {
    tg = await startInProcess({
      CLICKHOUSE_URL: ch.url, CLICKHOUSE_USER: auth.username, CLICKHOUSE_PASSWORD: auth.password,
      CLICKHOUSE_DATABASE: 'otel', TOLLGATE_CLICKHOUSE_CLUSTER: 'tollgate', TOLLGATE_EVALUATION_INTERVAL_MS: '3600000',
    }, path.join(dir, 'tollgate'));
  });
  afterAll(async () => {
    await tg?.cleanup();
  });

  it('finds every table in place, records its migrations and holds the lease through the Distributed table', async () => {
    const recorded = await rows<{ v: string }>(`SELECT toString(Version) AS v FROM otel.tollgate_schema_migrations_local ORDER BY Version`);
    expect(recorded.map((r) => Number(r.v))).toEqual(MIGRATIONS.map((m) => m.version));
    const health = (await (await fetch(`${tg.apiUrl}/healthz`)).json()) as { status: string; lease: { is_holder: boolean; term: number } };
    expect(health).toMatchObject({ status: 'ok', lease: { is_holder: true, term: 1 } });
    expect(await rows<{ n: string }>(`SELECT count() AS n FROM otel.tollgate_leases_local`)).not.toEqual([{ n: '0' }]);
  });

  it('stores an export in the local tables and serves it back', async () => {
    const now = Date.now();
    await sendSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'cfg-cluster' }, spread(100, now - 120_000, now - 60_000, (i) => ({ error: i % 10 === 0, kind: 2 })));
    expect(await rows<{ n: string }>(`SELECT count() AS n FROM otel.otel_traces_local WHERE ConfigHash = 'cfg-cluster'`)).toEqual([{ n: '100' }]);
    // The span rollup's materialized view fed the local rollup table; PromQL reads it through the Distributed one.
    const res = await fetch(`${tg.apiUrl}/api/v1/query?query=${encodeURIComponent('sum by (service_name) (increase(traces_span_metrics_calls_total{service_name="checkout"}[1h]))')}`);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    expect(answer.data.result.map((r) => r.metric)).toEqual([{ service_name: 'checkout' }]);
    expect(Number(answer.data.result[0]?.value[1])).toBeGreaterThan(0);
  });
});
