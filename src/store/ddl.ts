/**
 * @module store/ddl
 * Turns table and view specs into CREATE statements, in one of two forms:
 * - single: plain MergeTree tables (chDB, or one ClickHouse server);
 * - cluster: `ON CLUSTER`, a Replicated*MergeTree `<name>_local` on every node and a `Distributed`
 *   table under the plain name, so readers and writers use the same names in both forms.
 *   Materialized views attach to the local tables, so each shard rolls up its own rows.
 * Identifiers come from Tollgate's own specs and from validated config, never from requests.
 */
import type { MaterializedViewSpec, TableSpec } from './schema-tables.js';

export type SchemaForm = { kind: 'single' } | { kind: 'cluster'; cluster: string };

/** Letters, digits, `_`, `-` (cluster names) and `.` (Nested subcolumns such as Events.Timestamp). */
const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function quoteIdentifier(name: string): string {
  if (!SAFE_IDENTIFIER.test(name)) {
    throw new Error(`not a safe identifier: ${JSON.stringify(name)}`);
  }
  return `\`${name}\``;
}

export const onCluster = (form: SchemaForm): string => (form.kind === 'cluster' ? ` ON CLUSTER ${quoteIdentifier(form.cluster)}` : '');

/** The table that physically holds rows: `<name>_local` in the cluster form. */
export const storageTableName = (name: string, form: SchemaForm): string => (form.kind === 'cluster' ? `${name}_local` : name);

function engineClause(t: TableSpec, form: SchemaForm): string {
  const args = t.engineArgs ?? '';
  if (form.kind === 'single') return `${t.engine}(${args})`;
  // {shard}, {replica}, {database} and {table} are ClickHouse server macros, filled in per node.
  const replicated = `'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'`;
  // A SummingMergeTree's column tuple follows the path and replica name.
  const extra = args === '' ? '' : `, ${args}`;
  return `Replicated${t.engine}(${replicated}${extra})`;
}

export function createTableStatements(t: TableSpec, database: string, form: SchemaForm): string[] {
  const db = quoteIdentifier(database);
  const local = storageTableName(t.name, form);
  const create = [
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(local)}${onCluster(form)} (${t.body}\n)`,
    `ENGINE = ${engineClause(t, form)}`,
    `PARTITION BY ${t.partitionBy}`,
    ...(t.primaryKey === undefined ? [] : [`PRIMARY KEY ${t.primaryKey}`]),
    `ORDER BY ${t.orderBy}`,
    `SETTINGS ${t.settings}`,
  ].join('\n');
  if (form.kind === 'single') return [create];
  const distributed =
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(t.name)}${onCluster(form)} AS ${db}.${quoteIdentifier(local)}\n` +
    `ENGINE = Distributed(${quoteIdentifier(form.cluster)}, ${db}, ${quoteIdentifier(local)}, ${t.shardingKey})`;
  return [create, distributed];
}

export function createViewStatements(v: MaterializedViewSpec, database: string, form: SchemaForm): string[] {
  const db = quoteIdentifier(database);
  const from = `${db}.${quoteIdentifier(storageTableName(v.from, form))}`;
  const to = `${db}.${quoteIdentifier(storageTableName(v.to, form))}`;
  const select = v.select.replaceAll('{from}', from);
  return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${quoteIdentifier(v.name)}${onCluster(form)} TO ${to}\nAS ${select}`];
}

export function createDatabaseStatements(database: string, form: SchemaForm): string[] {
  return [`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}${onCluster(form)}`];
}
