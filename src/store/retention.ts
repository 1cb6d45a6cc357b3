/**
 * @module store/retention
 * How long each table keeps its rows: a TTL per table, from the configured retention. Raw signals
 * go first (days, as the Collector exporter's `ttl`); the minute span rollup stays long enough to
 * record a new SLO back over its period; the hourly rollup and the recorded SLO minutes keep SLO
 * history, so SLO numbers do not change when raw data expires. Changing a retention is an
 * `ALTER TABLE … MODIFY TTL`, applied at start when the table's TTL differs; rows are never dropped
 * by it other than by the TTL itself. Tables are partitioned by day or month and set
 * `ttl_only_drop_parts`, so expiry removes whole parts instead of rewriting them.
 */
import { onCluster, quoteIdentifier, storageTableName, type SchemaForm } from './ddl.js';

export interface Retention {
  tracesSeconds: number;
  logsSeconds: number;
  metricsSeconds: number;
  /** The minute span rollup. */
  rollupSeconds: number;
  /** The hourly span rollup and the recorded SLO minutes. */
  historySeconds: number;
}

export const DEFAULT_RETENTION: Retention = {
  tracesSeconds: 7 * 86_400,
  logsSeconds: 7 * 86_400,
  metricsSeconds: 7 * 86_400,
  rollupSeconds: 35 * 86_400,
  historySeconds: 400 * 86_400,
};

/** Each table with a TTL: the DateTime expression its rows expire by, and which retention applies. */
export const RETAINED_TABLES: ReadonlyArray<{ table: string; time: string; retention: keyof Retention }> = [
  { table: 'otel_traces', time: 'toDateTime(Timestamp)', retention: 'tracesSeconds' },
  { table: 'otel_traces_trace_id_ts', time: 'Start', retention: 'tracesSeconds' },
  { table: 'otel_logs', time: 'TimestampTime', retention: 'logsSeconds' },
  ...['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'].map((k) => ({
    table: `otel_metrics_${k}`, time: 'toDateTime(TimeUnix)', retention: 'metricsSeconds' as const,
  })),
  { table: 'tollgate_span_rollup_1m', time: 'Minute', retention: 'rollupSeconds' },
  { table: 'tollgate_span_rollup_1h', time: 'Hour', retention: 'historySeconds' },
  { table: 'tollgate_slo_minutes', time: 'Minute', retention: 'historySeconds' },
];

export const ttlClause = (time: string, seconds: number): string => `${time} + toIntervalSecond(${seconds})`;

/** The statements that set every table's TTL (what `tollgate schema` prints after the tables). */
export function retentionStatements(database: string, form: SchemaForm, retention: Retention): string[] {
  return RETAINED_TABLES.map(({ table, time, retention: kind }) =>
    `ALTER TABLE ${quoteIdentifier(database)}.${quoteIdentifier(storageTableName(table, form))}${onCluster(form)} MODIFY TTL ${ttlClause(time, retention[kind])}`);
}

export interface RetentionRunner {
  /** Each table's `engine_full` (it holds the TTL ClickHouse keeps). */
  engines(tables: readonly string[]): Promise<Map<string, string>>;
  command(sql: string): Promise<void>;
}

export interface RetentionChange {
  table: string;
  /** The TTL the table had ('' for none) and the one it has now. */
  from: string;
  to: string;
}

/** Sets the TTLs that differ from `retention`; returns what changed. */
export async function applyRetention(runner: RetentionRunner, database: string, form: SchemaForm, retention: Retention): Promise<RetentionChange[]> {
  const local = RETAINED_TABLES.map((t) => storageTableName(t.table, form));
  const engines = await runner.engines(local);
  const statements = retentionStatements(database, form, retention);
  const changes: RetentionChange[] = [];
  for (const [i, { table, time, retention: kind }] of RETAINED_TABLES.entries()) {
    const want = ttlClause(time, retention[kind]);
    const engine = engines.get(local[i]!) ?? '';
    // ClickHouse keeps the clause as written: "… TTL toDateTime(Timestamp) + toIntervalSecond(604800) SETTINGS …".
    const had = /\bTTL (.*?)(?: SETTINGS |$)/.exec(engine)?.[1] ?? '';
    if (had === want) continue;
    await runner.command(statements[i]!);
    changes.push({ table, from: had, to: want });
  }
  return changes;
}
