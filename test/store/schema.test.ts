/**
 * The schema in both forms: single-node statements run on chDB (idempotently, versioned), and the
 * cluster form (ON CLUSTER, Replicated*MergeTree, Distributed) is generated consistently and
 * parses as ClickHouse SQL.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullSchemaStatements, MIGRATIONS, openStore, tables, type Store } from '../../src/store/index.js';
import { tempDir } from '../helpers/tollgate.js';

const SIGNAL_TABLES = [
  'otel_traces', 'otel_traces_trace_id_ts', 'otel_logs', 'otel_metrics_gauge', 'otel_metrics_sum',
  'otel_metrics_histogram', 'otel_metrics_exponential_histogram', 'otel_metrics_summary',
];

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

describe('the single-node schema', () => {
  it('creates every collector-exporter table plus the rollup, with ConfigHash on each signal table', async () => {
    const existing = await store.query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name`);
    const names = existing.map((t) => t.name);
    for (const t of [...SIGNAL_TABLES, 'tollgate_span_rollup_1m', 'tollgate_span_rollup_1h', 'tollgate_alert_events', 'tollgate_schema_migrations']) expect(names).toContain(t);
    const configHash = await store.query<{ table: string; type: string; default_kind: string }>(
      `SELECT table, type, default_kind FROM system.columns WHERE database = currentDatabase() AND name = 'ConfigHash'
         AND table NOT IN (SELECT name FROM system.tables WHERE engine = 'MaterializedView')
         AND (table LIKE 'otel\\_%' OR table LIKE 'tollgate\\_span\\_rollup%') ORDER BY table`,
    );
    expect(configHash.map((c) => c.table)).toEqual(
      ['otel_logs', 'otel_metrics_exponential_histogram', 'otel_metrics_gauge', 'otel_metrics_histogram', 'otel_metrics_sum', 'otel_metrics_summary', 'otel_traces', 'tollgate_span_rollup_1h', 'tollgate_span_rollup_1m'],
    );
    expect(configHash.filter((c) => !c.table.startsWith('tollgate_span_rollup')).every((c) => c.type === 'LowCardinality(String)' && c.default_kind === 'MATERIALIZED')).toBe(true);
  });

  it('keeps the exporter columns of otel_traces in the exporter order and types', async () => {
    const cols = await store.query<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'otel_traces' AND default_kind != 'MATERIALIZED' ORDER BY position LIMIT 6`,
    );
    expect(cols).toEqual([
      { name: 'Timestamp', type: 'DateTime64(9)' },
      { name: 'TraceId', type: 'String' },
      { name: 'SpanId', type: 'String' },
      { name: 'ParentSpanId', type: 'String' },
      { name: 'TraceState', type: 'String' },
      { name: 'SpanName', type: 'LowCardinality(String)' },
    ]);
  });

  it('records each migration once and applies nothing on the next start', async () => {
    const recorded = await store.query<{ Version: number }>(`SELECT Version FROM tollgate_schema_migrations ORDER BY Version`);
    expect(recorded.map((r) => Number(r.Version))).toEqual(MIGRATIONS.map((m) => m.version));
    await store.close();
    const reopened = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') });
    store = reopened.store;
    expect(reopened.migrations).toEqual({ applied: [], alreadyApplied: MIGRATIONS.map((m) => m.version), drifted: [] });
  });
});

describe('the cluster schema', () => {
  const statements = fullSchemaStatements('otel', { kind: 'cluster', cluster: 'tollgate' });

  it('runs every statement ON CLUSTER', () => {
    for (const sql of statements) expect(sql).toContain('ON CLUSTER `tollgate`');
  });

  it('stores each table as a replicated local table behind a Distributed table of the same name', () => {
    for (const t of [...SIGNAL_TABLES, 'tollgate_span_rollup_1m', 'tollgate_span_rollup_1h']) {
      const local = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS \`otel\`.\`${t}_local\``));
      expect(local, t).toMatch(/ENGINE = Replicated(Summing)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/);
      const distributed = statements.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS \`otel\`.\`${t}\``));
      expect(distributed, t).toContain(`ENGINE = Distributed(\`tollgate\`, \`otel\`, \`${t}_local\`, `);
    }
  });

  it('keeps a trace on one shard and sums the rollup on each shard', () => {
    expect(statements.find((s) => s.includes('`otel`.`otel_traces` ON CLUSTER'))).toContain('cityHash64(TraceId)');
    expect(statements.find((s) => s.includes('`tollgate_span_rollup_1m_local` ON CLUSTER'))).toContain("'{replica}', (Count, DurationSumNs))");
    const mv = statements.find((s) => s.includes('tollgate_span_rollup_1m_mv'));
    expect(mv).toContain('TO `otel`.`tollgate_span_rollup_1m_local`');
    expect(mv).toContain('FROM `otel`.`otel_traces_local`');
  });

  it('parses as ClickHouse SQL, statement by statement', async () => {
    for (const sql of statements) {
      await expect(store.query(`EXPLAIN AST ${sql}`), sql.slice(0, 80)).resolves.toBeDefined();
    }
  });
});

describe('the rollup', () => {
  it('buckets durations on the documented bounds, with +Inf last', () => {
    expect(tables.DURATION_BUCKET_BOUNDS_MS).toContain(300);
    expect(tables.SPAN_ROLLUP_MV.select).toContain(`toUInt64(${tables.DURATION_BUCKET_INF_NS})]`);
  });
});
