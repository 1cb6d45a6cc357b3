/**
 * @module store/store
 * The only code that talks to ClickHouse. Every statement goes through one queue (reads first);
 * every value goes in as a `{name:Type}` query parameter or through `insert()`.
 *
 * Inserts have a deadline (queue wait included), so an export is refused before the OTel exporters'
 * own 10 s timeout instead of being held while the store is slow; what cannot reach the store is
 * thrown as StoreUnavailableError, and `health()` says whether the store answers (unavailable.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseTarget } from '../config/index.js';
import { ensureServerDatabase, openClickHouse } from './client.js';
import { readWatermark, repairViews, startWriteWatermark, WATERMARK_FILE, type RepairReport, type WriteWatermark } from './crash-repair.js';
import { createDatabaseStatements, quoteIdentifier, type SchemaForm } from './ddl.js';
import { migrate, MIGRATIONS_TABLE, type MigrationReport } from './migrations.js';
import { applyRetention, type Retention, type RetentionChange } from './retention.js';
import { INSERT_FORMAT, millisToDateTime64 } from './row-encoding.js';
import { createStatementQueue, type Lane, type StatementQueue } from './statement-queue.js';
import { createHealthTracker, isUnreachable, StoreUnavailableError, type HealthTracker, type StoreHealth } from './unavailable.js';

export type QueryParams = Record<string, unknown>;

export interface Store {
  readonly database: string;
  readonly form: SchemaForm;
  readonly kind: ClickHouseTarget['kind'];
  /** Runs a SELECT and returns its rows (JSONEachRow; 64-bit integers arrive as strings). */
  query<T>(sql: string, params?: QueryParams, lane?: Lane): Promise<T[]>;
  /** A statement without a result; `lane` 'read' for small statements that must not wait behind bulk inserts (the lease). */
  command(sql: string, params?: QueryParams, lane?: Lane): Promise<void>;
  /** Inserts rows given as arrays in `columns` order. */
  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>;
  /** Inserts rows already encoded by `encodeRows` (chunks of whole lines), as one statement. */
  insertEncoded(table: string, columns: readonly string[], chunks: readonly string[]): Promise<void>;
  /** Whether the store answers, on a server within `timeoutMs` (@default 2000); updates `health()`. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** Whether the store answered its latest statements (a probe pings every second while it does not). */
  health(): StoreHealth;
  queueDepth(): ReturnType<StatementQueue['depth']>;
  close(): Promise<void>;
}

export interface OpenStoreResult {
  store: Store;
  migrations: MigrationReport;
  /** Tables whose TTL was changed to the configured retention at this start. */
  retention: RetentionChange[];
  /** The embedded store's views checked (and repaired where needed) after an unclean end (crash-repair.ts). */
  repair: RepairReport | undefined;
}

/** Called after every statement with its lane and how long it ran (queue wait excluded). */
export type StatementObserver = (lane: Lane, seconds: number, failed: boolean) => void;

export interface StoreTimeouts {
  /**
   * @default 5000: on a ClickHouse server, how long an insert may take, waiting in the queue
   * included, before it is given up (the rows' exports are answered retryable). Below the OTel
   * exporters' 10 s timeout. The embedded store has none: it is never out of reach, and a flood's
   * queue is bounded by ingest admission (429) instead.
   */
  insertTimeoutMs?: number;
  /** @default 30000: any other statement on a ClickHouse server (the HTTP request's timeout). */
  statementTimeoutMs?: number;
  /** Called when the store stops or starts answering. */
  onHealthChange?: (health: StoreHealth) => void;
}

/** `retention`: the TTLs to set (Tollgate's configured ones); without it, tables keep the TTLs they have (tools, tests). */
export async function openStore(target: ClickHouseTarget, onStatement?: StatementObserver, retention?: Retention, timeouts: StoreTimeouts = {}): Promise<OpenStoreResult> {
  if (target.kind === 'server') {
    const form: SchemaForm = target.cluster === undefined ? { kind: 'single' } : { kind: 'cluster', cluster: target.cluster };
    await ensureServerDatabase(target, createDatabaseStatements(target.database, form));
  }
  // Read before chDB opens the directory: what the last process left, not what this one writes.
  const watermarkFile = target.kind === 'embedded' ? path.join(target.path, WATERMARK_FILE) : undefined;
  const lastEnd = watermarkFile === undefined ? undefined : readWatermark(watermarkFile);
  const opened = openClickHouse(target, { requestTimeoutMs: timeouts.statementTimeoutMs ?? 30_000 });
  const form: SchemaForm = opened.cluster === undefined ? { kind: 'single' } : { kind: 'cluster', cluster: opened.cluster };
  const queue = createStatementQueue({ maxConcurrent: opened.maxConcurrentStatements });
  const store = new ClickHouseStore(
    opened.client, opened.database, form, target.kind, onStatement === undefined ? queue : timed(queue, onStatement),
    target.kind === 'server' ? timeouts.insertTimeoutMs ?? 5_000 : undefined, createHealthTracker(timeouts.onHealthChange),
  );
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
    // After a kill mid-insert, the views can lag their source; they are made whole before any
    // new write, and only then is the new run's watermark written (a kill during the repair repeats it).
    const repair = lastEnd === undefined ? undefined : await repairViews(store, opened.database, lastEnd);
    if (watermarkFile !== undefined) store.trackWrites(startWriteWatermark(watermarkFile));
    return { store, migrations, retention: changed, repair };
  } catch (e) {
    await store.close();
    throw e;
  }
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
  const store = new ClickHouseStore(
    opened.client, opened.database, form, target.kind, createStatementQueue({ maxConcurrent: opened.maxConcurrentStatements }), undefined, createHealthTracker(),
  );
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
  private watermark: WriteWatermark | undefined;
  private probe: NodeJS.Timeout | undefined;
  private probing: Promise<boolean> | undefined;
  private closed = false;

  constructor(
    private readonly client: ClickHouseClient,
    readonly database: string,
    readonly form: SchemaForm,
    readonly kind: ClickHouseTarget['kind'],
    private readonly queue: StatementQueue,
    private readonly insertTimeoutMs: number | undefined,
    private readonly tracker: HealthTracker,
  ) {}

  trackWrites(watermark: WriteWatermark): void {
    this.watermark = watermark;
  }

  /** Runs an insert into `table`, known to the watermark while it runs. */
  private async tracked(table: string, insert: () => Promise<void>): Promise<void> {
    const done = this.watermark?.begin(table);
    try {
      await insert();
    } finally {
      done?.();
    }
  }

  /**
   * Runs a statement through the queue and keeps `health()`: an answer (even an error) means up;
   * no answer means down, and starts the probe. With `deadlineMs` the statement is given up at that
   * deadline, waiting in the queue included: not started if still queued, aborted if running.
   */
  private async run<T>(lane: Lane, work: (signal: AbortSignal | undefined) => Promise<T>, deadlineMs?: number): Promise<T> {
    const controller = deadlineMs === undefined ? undefined : new AbortController();
    let started = false;
    let timer: NodeJS.Timeout | undefined;
    // Still queued at the deadline: the store is busy, not unreachable; health stays as it is.
    const noRoom = (): StoreUnavailableError =>
      Object.assign(new StoreUnavailableError(`no room for the insert within ${deadlineMs} ms (statements queued ahead of it); retry later`), { queued: true });
    const queued = this.queue.run(lane, () => {
      // Given up while queued (the deadline's rejection has already answered): not started.
      if (controller?.signal.aborted === true) return Promise.reject(noRoom());
      started = true;
      return work(controller?.signal);
    });
    const attempts: Array<Promise<T>> = [queued];
    if (controller !== undefined) {
      attempts.push(new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(started ? new StoreUnavailableError(`the store did not answer the insert within ${deadlineMs} ms`) : noRoom());
        }, deadlineMs);
      }));
      queued.catch(() => undefined); // the loser of the race
    }
    try {
      const result = await Promise.race(attempts);
      this.tracker.answered();
      return result;
    } catch (err) {
      if (!isUnreachable(err)) {
        this.tracker.answered();
        throw err;
      }
      if (!(err as { queued?: boolean }).queued) this.markDown(err);
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`the store is unreachable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private markDown(err: unknown): void {
    this.tracker.unreachable(err, Date.now());
    if (this.probe !== undefined || this.closed) return;
    this.probe = setInterval(() => {
      if (this.tracker.current().up || this.closed) {
        clearInterval(this.probe);
        this.probe = undefined;
        return;
      }
      // One probe at a time: a store that answers in seconds must not fill the queue with pings.
      this.probing ??= this.ping().finally(() => (this.probing = undefined));
    }, 1_000);
    this.probe.unref();
  }

  query<T>(sql: string, params: QueryParams = {}, lane: Lane = 'read'): Promise<T[]> {
    return this.run(lane, async () => {
      const rs = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    });
  }

  command(sql: string, params: QueryParams = {}, lane: Lane = 'write'): Promise<void> {
    return this.run(lane, async () => {
      await this.client.command({ query: sql, query_params: params });
    });
  }

  insertRows(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    return this.run('write', (signal) => this.tracked(table, async () => {
      await this.client.insert({
        table: `${quoteIdentifier(this.database)}.${quoteIdentifier(table)}`,
        columns: [...columns] as [string, ...string[]],
        values: rows,
        format: 'JSONCompactEachRow',
        ...(signal === undefined ? {} : { abort_signal: signal }),
      });
    }), this.insertTimeoutMs);
  }

  insertEncoded(table: string, columns: readonly string[], chunks: readonly string[]): Promise<void> {
    const target = `${quoteIdentifier(this.database)}.${quoteIdentifier(table)}`;
    const columnList = columns.map(quoteIdentifier).join(', ');
    return this.run('write', (signal) => this.tracked(table, async () => {
      // exec() sends the already-encoded lines as the body (insert() would insist on re-encoding
      // objects for a JSON format); the statement names only Tollgate's own identifiers.
      const result = await this.client.exec({
        query: `INSERT INTO ${target} (${columnList}) FORMAT ${INSERT_FORMAT}`,
        values: Readable.from(chunks, { objectMode: false }),
        ...(signal === undefined ? {} : { abort_signal: signal }),
      });
      result.stream.resume();
      await finished(result.stream);
    }), this.insertTimeoutMs);
  }

  async ping(timeoutMs = 2_000): Promise<boolean> {
    // In-process chDB that is slow to answer is busy, not out of reach: it gets no deadline.
    if (this.kind === 'embedded') return this.queue.run('read', () => this.client.ping()).then((r) => r.success, () => false);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      const answered = this.queue.run('read', () => this.client.ping()).then((r) => r.success, () => false);
      const ok = await Promise.race([answered, late]);
      if (ok) this.tracker.answered();
      else this.markDown(new StoreUnavailableError(`the store did not answer a ping within ${timeoutMs} ms`));
      return ok;
    } finally {
      clearTimeout(timer);
    }
  }

  health(): StoreHealth {
    return this.tracker.current();
  }

  queueDepth(): ReturnType<StatementQueue['depth']> {
    return this.queue.depth();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe !== undefined) clearInterval(this.probe);
    await this.queue.idle();
    // Nothing runs now: every insert returned, so the next start has nothing to repair.
    this.watermark?.markClean();
    await this.client.close();
  }
}
