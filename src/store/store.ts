/**
 * @module store/store
 * The only code that talks to ClickHouse. Every statement goes through one queue (reads first);
 * every value goes in as a `{name:Type}` query parameter or through `insert()`.
 */
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseTarget } from '../config/index.js';
import { ensureServerDatabase, openClickHouse } from './client.js';
import { createDatabaseStatements, quoteIdentifier, type SchemaForm } from './ddl.js';
import { migrate, MIGRATIONS_TABLE, type MigrationReport } from './migrations.js';
import { applyRetention, type Retention, type RetentionChange } from './retention.js';
import { INSERT_FORMAT, millisToDateTime64 } from './row-encoding.js';
import { createStatementQueue, type Lane, type StatementQueue } from './statement-queue.js';

export type QueryParams = Record<string, unknown>;

export interface Store {
  readonly database: string;
  readonly form: SchemaForm;
  readonly kind: ClickHouseTarget['kind'];
  /** Runs a SELECT and returns its rows (JSONEachRow; 64-bit integers arrive as strings). */
  query<T>(sql: string, params?: QueryParams, lane?: Lane): Promise<T[]>;
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows given as arrays in `columns` order. */
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  /** Inserts rows already encoded by `encodeRows` (chunks of whole lines), as one statement. */
  insertEncoded(table: string, columns: readonly string[], chunks: readonly string[]): Promise<void>;
  ping(): Promise<boolean>;
  queueDepth(): ReturnType<StatementQueue['depth']>;
  close(): Promise<void>;
}

export interface OpenStoreResult {
  store: Store;
  migrations: MigrationReport;
  /** Tables whose TTL was changed to the configured retention at this start. */
  retention: RetentionChange[];
}

/** Called after every statement with its lane and how long it ran (queue wait excluded). */
export type StatementObserver = (lane: Lane, seconds: number, failed: boolean) => void;

/** `retention`: the TTLs to set (Tollgate's configured ones); without it, tables keep the TTLs they have (tools, tests). */
export async function openStore(target: ClickHouseTarget, onStatement?: StatementObserver, retention?: Retention): Promise<OpenStoreResult> {
  if (target.kind === 'server') {
    const form: SchemaForm = target.cluster === undefined ? { kind: 'single' } : { kind: 'cluster', cluster: target.cluster };
    await ensureServerDatabase(target, createDatabaseStatements(target.database, form));
  }
  const opened = openClickHouse(target);
  const form: SchemaForm = opened.cluster === undefined ? { kind: 'single' } : { kind: 'cluster', cluster: opened.cluster };
  const queue = createStatementQueue({ maxConcurrent: opened.maxConcurrentStatements });
  const store = new ClickHouseStore(opened.client, opened.database, form, target.kind, onStatement === undefined ? queue : timed(queue, onStatement));
  try {
    const migrations = await migrate(
      {
        command: (sql) => store.command(sql),
        appliedMigrations: async () =>
          (await store.query<{ Version: number | string; Checksum: string }>(
            `SELECT Version, Checksum FROM ${quoteIdentifier(opened.database)}.${quoteIdentifier(MIGRATIONS_TABLE.name)}`,
          )).map((r) => ({ version: Number(r.Version), checksum: r.Checksum })),
        recordMigration: (r) =>
          store.insertRows(MIGRATIONS_TABLE.name, ['Version', 'Name', 'Checksum', 'AppliedAt'], [[r.version, r.name, r.checksum, millisToDateTime64(Date.now())]]),
      },
      opened.database,
      form,
    );
    const changed = retention === undefined ? [] : await applyRetention({
      command: (sql) => store.command(sql),
      engines: async (tables) => new Map((await store.query<{ name: string; engine_full: string }>(
        `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {tables:Array(String)}`,
        { db: opened.database, tables },
      )).map((r) => [r.name, r.engine_full])),
    }, opened.database, form, retention);
    return { store, migrations, retention: changed };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Thrown when a read-only store cannot be opened: no data there, or another process holds an embedded store. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * The store for reading only (tools such as `tollgate diff`): no migrations, no retention changes,
 * every statement under `readonly = 1`. An embedded store must exist already, and chDB lets one
 * process open a data directory: while a Tollgate runs on it, this fails and the tool should ask
 * that Tollgate instead.
 */
export async function openStoreReadOnly(target: ClickHouseTarget): Promise<Store> {
  if (target.kind === 'embedded' && !existsSync(target.path)) {
    throw new StoreUnavailableError(`no Tollgate store at ${target.path} (set TOLLGATE_DATA_DIR, or pass --url to ask a running Tollgate)`);
  }
  let opened: ReturnType<typeof openClickHouse>;
  try {
    opened = openClickHouse(target, { readOnly: true });
  } catch (e) {
    throw unavailable(target, e);
  }
  const form: SchemaForm = opened.cluster === undefined ? { kind: 'single' } : { kind: 'cluster', cluster: opened.cluster };
  const store = new ClickHouseStore(opened.client, opened.database, form, target.kind, createStatementQueue({ maxConcurrent: opened.maxConcurrentStatements }));
  try {
    await store.query('SELECT 1 FROM tollgate_slo_minutes LIMIT 0');
  } catch (e) {
    await store.close().catch(() => undefined);
    throw unavailable(target, e);
  }
  return store;
}

function unavailable(target: ClickHouseTarget, e: unknown): StoreUnavailableError {
  const message = e instanceof Error ? e.message : String(e);
  // chDB prints "Cannot lock file …/status. Another server instance in same directory is already running" and throws this.
  if (target.kind === 'embedded' && /lock|Failed to create connection/i.test(message)) {
    return new StoreUnavailableError(`the store at ${target.path} is open in another process (a running Tollgate: chDB lets one process open a data directory); pass --url to ask that Tollgate`);
  }
  return new StoreUnavailableError(`cannot read the Tollgate store: ${message.split('\n')[0]}`);
}

function timed(queue: StatementQueue, onStatement: StatementObserver): StatementQueue {
  return {
    ...queue,
    run: (lane, work) =>
      queue.run(lane, async () => {
        const started = performance.now();
        let failed = true;
        try {
          const result = await work();
          failed = false;
          return result;
        } finally {
          onStatement(lane, (performance.now() - started) / 1000, failed);
        }
      }),
  };
}

class ClickHouseStore implements Store {
  constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
    readonly form: SchemaForm,
    readonly kind: ClickHouseTarget['kind'],
    private readonly queue: StatementQueue,
  ) {}

  query<T>(sql: string, params: QueryParams = {}, lane: Lane = 'read'): Promise<T[]> {
    return this.queue.run(lane, async () => {
      const rs = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    });
  }

  command(sql: string, params: QueryParams = {}): Promise<void> {
    return this.queue.run('write', async () => {
      await this.client.command({ query: sql, query_params: params });
    });
  }

  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    return this.queue.run('write', async () => {
      await this.client.insert({
        table: `${quoteIdentifier(this.database)}.${quoteIdentifier(table)}`,
        columns: [...columns] as [string, ...string[]],
        values: rows,
        format: 'JSONCompactEachRow',
      });
    });
  }

  insertEncoded(table: string, columns: readonly string[], chunks: readonly string[]): Promise<void> {
    const target = `${quoteIdentifier(this.database)}.${quoteIdentifier(table)}`;
    const columnList = columns.map(quoteIdentifier).join(', ');
    return this.queue.run('write', async () => {
      // exec() sends the already-encoded lines as the body (insert() would insist on re-encoding
      // objects for a JSON format); the statement names only Tollgate's own identifiers.
      const result = await this.client.exec({
        query: `INSERT INTO ${target} (${columnList}) FORMAT ${INSERT_FORMAT}`,
        values: Readable.from(chunks, { objectMode: false }),
      });
      result.stream.resume();
      await finished(result.stream);
    });
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.queue.run('read', () => this.client.ping())).success;
    } catch {
      return false;
    }
  }

  queueDepth(): ReturnType<StatementQueue['depth']> {
    return this.queue.depth();
  }

  async close(): Promise<void> {
    await this.queue.idle();
    await this.client.close();
  }
}
