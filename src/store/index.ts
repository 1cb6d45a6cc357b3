export { openStore } from './store.js';
export type { Store, QueryParams, OpenStoreResult } from './store.js';
export { createBatchWriter } from './batch-writer.js';
export type { BatchWriter, RowBatch, InsertObservation } from './batch-writer.js';
export { fullSchemaStatements, MIGRATIONS } from './migrations.js';
export type { MigrationReport } from './migrations.js';
export type { SchemaForm } from './ddl.js';
export * as tables from './schema-tables.js';
