/**
 * Starting a real Tollgate for tests: in-process on port 0 with its own chDB directory, or as a
 * child process (`node --import tsx src/main.ts`) when a test must kill or signal it.
 * chDB allows one data directory per process; vitest runs each test file in its own fork.
 *
 * With TOLLGATE_TEST_STORE=server (the vitest project `server`), an in-process Tollgate stores
 * through ClickHouse's HTTP interface instead: its own test ClickHouse server
 * (test/helpers/clickhouse-http) on the same data directory, CLICKHOUSE_URL pointing at it, so
 * the same test file exercises server mode (`startInProcess` on an existing directory reopens the
 * same server data, as a restart does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { startTollgate, type RunningTollgate } from '../../src/server.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from './clickhouse-http/index.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export function tempDir(prefix = 'tollgate-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Env for a Tollgate that listens on free ports and keeps its data in `dataDir`. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TOLLGATE_HTTP_PORT: '0',
    TOLLGATE_OTLP_HTTP_PORT: '0',
    TOLLGATE_OTLP_GRPC_PORT: '0',
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_SLO_DIR: path.join(REPO_ROOT, 'slo-definitions'),
    TOLLGATE_LOG_LEVEL: 'silent',
    TOLLGATE_BATCH_MAX_DELAY_MS: '20',
    // Tests send data at fixed instants up to a year old; expiry has its own tests (test/store/retention.test.ts).
    TOLLGATE_RETENTION_TRACES: '3650',
    TOLLGATE_RETENTION_LOGS: '3650',
    TOLLGATE_RETENTION_METRICS: '3650',
    TOLLGATE_RETENTION_ROLLUPS: '3650',
    TOLLGATE_RETENTION_SLO_HISTORY: '3650',
    ...extra,
  };
}

/** Whether in-process Tollgates store through a test ClickHouse server (the `server` vitest project). */
export const serverModeTests = (): boolean => process.env['TOLLGATE_TEST_STORE'] === 'server';

export interface InProcessTollgate extends RunningTollgate {
  dataDir: string;
  /** The test ClickHouse server in server mode (TOLLGATE_TEST_STORE=server); undefined on chDB in-process. */
  clickhouse: ClickHouseHttpServer | undefined;
  otlpHttpUrl: string;
  otlpGrpcUrl: string;
  apiUrl: string;
  cleanup(): Promise<void>;
}

/** `dataDir`: start on an existing data directory (a restart); removed by cleanup all the same. */
export async function startInProcess(extra: Record<string, string> = {}, dataDir = tempDir()): Promise<InProcessTollgate> {
  const clickhouse = serverModeTests() && extra['CLICKHOUSE_URL'] === undefined
    ? await startClickHouseHttpServer({ dataDir: path.join(dataDir, 'clickhouse-server') })
    : undefined;
  const server: Record<string, string> = clickhouse === undefined ? {} : { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_DATABASE: 'tollgate' };
  const config = loadConfig(testEnv(dataDir, { ...server, ...extra }), REPO_ROOT);
  let running: RunningTollgate;
  try {
    running = await startTollgate(config, pino({ level: config.logLevel }));
  } catch (e) {
    await clickhouse?.stop();
    throw e;
  }
  return {
    ...running,
    dataDir,
    clickhouse,
    otlpHttpUrl: `http://127.0.0.1:${running.ports.otlpHttp}`,
    otlpGrpcUrl: `http://127.0.0.1:${running.ports.otlpGrpc}`,
    apiUrl: `http://127.0.0.1:${running.ports.http}`,
    // The test server goes with the Tollgate that started it, so a restart on the same directory can start it again.
    async stop() {
      await running.stop();
      await clickhouse?.stop();
    },
    async cleanup() {
      await running.stop();
      await clickhouse?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildTollgate {
  child: ChildProcess;
  ports: { http: number; otlpHttp: number; otlpGrpc: number };
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `src/main.ts` and resolves once it logs its ports (or rejects with its output). */
export function spawnTollgate(env: Record<string, string>, timeoutMs = 60_000): Promise<ChildTollgate> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    // Readiness is read from the 'Tollgate is listening' log line, so the child always logs at info.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env, TOLLGATE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Tollgate did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output += `${line}\n`;
      try {
        const entry = JSON.parse(line) as { msg?: string; ports?: ChildTollgate['ports'] };
        if (entry.msg === 'Tollgate is listening' && entry.ports !== undefined) {
          clearTimeout(timer);
          resolve({ child, ports: entry.ports, output: () => output, exited });
        }
      } catch {
        // not a log line
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`Tollgate exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
}

/** Rows in a table, counted through the running Tollgate's own store. */
export async function countRows(t: RunningTollgate, table: string, where = '1'): Promise<number> {
  const rows = await t.store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * A fetch body from encoder output. The OTel serializers return `Uint8Array<ArrayBufferLike>`, which
 * TypeScript 5.9 will not take as a BodyInit; their bytes always sit on a plain ArrayBuffer.
 */
export function body(bytes: Uint8Array | string): BodyInit {
  return typeof bytes === 'string' ? bytes : (bytes as Uint8Array<ArrayBuffer>);
}
