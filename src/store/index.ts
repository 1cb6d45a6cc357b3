export { openStore } from './store.js';
export type { Store, QueryParams, OpenStoreResult, StatementObserver } from './store.js';
export { createBatchWriter } from './batch-writer.js';
export type { BatchWriter, RowBatch, EncodedRows, InsertBatch, InsertObservation } from './batch-writer.js';
export { encodeRows, INSERT_FORMAT, millisToDateTime64, nanosToDateTime64 } from './row-encoding.js';
export { fullSchemaStatements, MIGRATIONS } from './migrations.js';
export type { MigrationReport } from './migrations.js';
export type { SchemaForm } from './ddl.js';
export * as tables from './schema-tables.js';
