/**
 * @module store/client
 * The one place a ClickHouse client is made: chDB in-process (embedded) or a ClickHouse server.
 * Both are `@clickhouse/client`; the rest of Tollgate never knows which.
 */
import { mkdirSync } from 'node:fs';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { ClickHouseTarget } from '../config/index.js';

/**
 * Settings every statement runs with. chDB defaults to unquoted 64-bit integers in JSON
 * (a server quotes them); quoting everywhere keeps both answers identical and exact.
 * They go on the client, never per query: chDB's connection applies per-query settings
 * with `SET`, which then persists into later statements on the same session.
 */
const CLIENT_SETTINGS = {
  output_format_json_quote_64bit_integers: 1,
  // chDB defaults to best_effort, which rejects `0.000000000` and reads `"12"` as 12 January;
  // `basic` parses Tollgate's `seconds.nanoseconds` text exactly (store/row-encoding.ts).
  date_time_input_format: 'basic',
} as const;

export interface OpenedClient {
  client: ClickHouseClient;
  /** The database Tollgate's tables live in. */
  database: string;
  /** How many statements may run at once: chDB runs one at a time per process. */
  maxConcurrentStatements: number;
  cluster: string | undefined;
}

/**
 * A server rejects every request naming a database that does not exist yet, so Tollgate's own
 * `CREATE DATABASE` has to go through a connection on `default` first.
 */
export async function ensureServerDatabase(target: ClickHouseTarget, statements: readonly string[]): Promise<void> {
  if (target.kind !== 'server' || target.database === 'default') return;
  const bootstrap = createClient({ url: target.url, username: target.username, password: target.password, database: 'default', request_timeout: 60_000 });
  try {
    for (const sql of statements) await bootstrap.command({ query: sql });
  } finally {
    await bootstrap.close();
  }
}

/**
 * `requestTimeoutMs`: how long a server may take to answer one request before the client gives up;
 * `readOnly`: every statement runs with `readonly = 1` (the server refuses writes), and no directory is created.
 */
export function openClickHouse(target: ClickHouseTarget, { requestTimeoutMs = 30_000, readOnly = false }: { requestTimeoutMs?: number; readOnly?: boolean } = {}): OpenedClient {
  const settings = readOnly ? { ...CLIENT_SETTINGS, readonly: '1' as const } : CLIENT_SETTINGS;
  switch (target.kind) {
    case 'embedded': {
      if (!readOnly) mkdirSync(target.path, { recursive: true });
      const connection = createChdbConnection({ path: target.path });
      const client = createClient({
        // chdb ships its own copy of @clickhouse/client-common's types, so TypeScript sees two
        // nominally different `Connection` interfaces; chdb implements this exact contract.
        connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
        clickhouse_settings: settings,
      });
      return { client, database: 'default', maxConcurrentStatements: 1, cluster: undefined };
    }
    case 'server': {
      const client = createClient({
        url: target.url,
        username: target.username,
        password: target.password,
        database: target.database,
        clickhouse_settings: settings,
        request_timeout: requestTimeoutMs,
        max_open_connections: 16,
        // Failed statements reach Tollgate's own log (pino) where they matter; the client would print each one again, unstructured.
        log: { level: ClickHouseLogLevel.OFF },
      });
      return { client, database: target.database, maxConcurrentStatements: 8, cluster: target.cluster };
    }
    default:
      return assertNever(target);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
