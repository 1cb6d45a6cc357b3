/**
 * @module store/migrations
 * Versioned, idempotent schema changes. Each migration runs once per database and is recorded in
 * `tollgate_schema_migrations`; statements are `IF NOT EXISTS`, so a crash halfway through a
 * migration is repaired by running it again. An upgrade adds migrations; it never asks a user to
 * drop data. A recorded migration whose text has since changed is reported, never re-run.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_RETENTION, retentionStatements, type Retention } from './retention.js';
import { createDatabaseStatements, createTableStatements, createViewStatements, type SchemaForm } from './ddl.js';
import {
  ALERT_EVENTS, DEPLOYMENTS, GATE_DECISIONS, LEASES, OVERRIDES, SIGNAL_TABLES, SLO_MINUTES, SLO_RECORDINGS, SPAN_ROLLUP, SPAN_ROLLUP_HOURLY, SPAN_ROLLUP_HOURLY_MV, SPAN_ROLLUP_MV, TRACE_ID_TS_MV, type TableSpec,
} from './schema-tables.js';

export interface Migration {
  version: number;
  name: string;
  statements(database: string, form: SchemaForm): string[];
}

export const MIGRATIONS_TABLE: TableSpec = {
  name: 'tollgate_schema_migrations',
  body: `
    Version UInt32,
    Name String,
    Checksum String,
    AppliedAt DateTime64(3)`,
  engine: 'MergeTree',
  partitionBy: 'tuple()',
  orderBy: 'Version',
  settings: 'index_granularity = 8192',
  shardingKey: 'Version',
};

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'OpenTelemetry signal tables (collector ClickHouse exporter schema) with ConfigHash and Environment',
    statements: (db, form) => [
      ...SIGNAL_TABLES.flatMap((t) => createTableStatements(t, db, form)),
      ...createViewStatements(TRACE_ID_TS_MV, db, form),
    ],
  },
  {
    version: 2,
    name: 'per-minute span rollup for SLO windows',
    statements: (db, form) => [
      ...createTableStatements(SPAN_ROLLUP, db, form),
      ...createViewStatements(SPAN_ROLLUP_MV, db, form),
    ],
  },
  {
    version: 3,
    name: 'alert state transitions',
    statements: (db, form) => createTableStatements(ALERT_EVENTS, db, form),
  },
  {
    version: 4,
    name: 'hourly span rollup for long SLO windows',
    statements: (db, form) => [
      ...createTableStatements(SPAN_ROLLUP_HOURLY, db, form),
      ...createViewStatements(SPAN_ROLLUP_HOURLY_MV, db, form),
    ],
  },
  {
    version: 5,
    name: 'gate decisions and break-glass overrides',
    statements: (db, form) => [...createTableStatements(GATE_DECISIONS, db, form), ...createTableStatements(OVERRIDES, db, form)],
  },
  {
    version: 6,
    name: 'deploy events',
    statements: (db, form) => createTableStatements(DEPLOYMENTS, db, form),
  },
  {
    version: 7,
    name: 'recorded SLO minutes and how far each SLO version is recorded',
    statements: (db, form) => [...createTableStatements(SLO_MINUTES, db, form), ...createTableStatements(SLO_RECORDINGS, db, form)],
  },
  {
    version: 8,
    name: 'leases: one evaluating replica among several',
    statements: (db, form) => createTableStatements(LEASES, db, form),
  },
];

/**
 * Everything a fresh database needs, in order: what `deploy/clickhouse/` prints for operators. The
 * TTLs come last, for the default retention (Tollgate sets the configured one at start).
 */
export function fullSchemaStatements(database: string, form: SchemaForm, retention: Retention = DEFAULT_RETENTION): string[] {
  return [
    ...(database === 'default' ? [] : createDatabaseStatements(database, form)),
    ...createTableStatements(MIGRATIONS_TABLE, database, form),
    ...MIGRATIONS.flatMap((m) => m.statements(database, form)),
    ...retentionStatements(database, form, retention),
  ];
}

export function migrationChecksum(m: Migration, database: string, form: SchemaForm): string {
  return createHash('sha256').update(m.statements(database, form).join(';\n')).digest('hex').slice(0, 16);
}

/** What the migrator needs from the store: run a statement, read rows, insert rows. */
export interface MigrationRunner {
  command(sql: string): Promise<void>;
  appliedMigrations(): Promise<Array<{ version: number; checksum: string }>>;
  recordMigration(row: { version: number; name: string; checksum: string }): Promise<void>;
}

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
  /** Versions whose recorded checksum differs from this build's text (edited after release). */
  drifted: number[];
}

export async function migrate(runner: MigrationRunner, database: string, form: SchemaForm): Promise<MigrationReport> {
  if (database !== 'default') {
    for (const sql of createDatabaseStatements(database, form)) await runner.command(sql);
  }
  for (const sql of createTableStatements(MIGRATIONS_TABLE, database, form)) await runner.command(sql);
  const recorded = new Map((await runner.appliedMigrations()).map((r) => [r.version, r.checksum]));
  const report: MigrationReport = { applied: [], alreadyApplied: [], drifted: [] };
  for (const m of MIGRATIONS) {
    const checksum = migrationChecksum(m, database, form);
    const seen = recorded.get(m.version);
    if (seen !== undefined) {
      report.alreadyApplied.push(m.version);
      if (seen !== checksum) report.drifted.push(m.version);
      continue;
    }
    for (const sql of m.statements(database, form)) await runner.command(sql);
    await runner.recordMigration({ version: m.version, name: m.name, checksum });
    report.applied.push(m.version);
  }
  return report;
}
