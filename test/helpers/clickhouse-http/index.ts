/**
 * @module test/helpers/clickhouse-http
 * A ClickHouse server for tests: server-main.ts (ClickHouse's HTTP interface answered by chDB) in a
 * child process, so that Tollgate processes and the test share it and the test can kill it like a
 * real server. Faults (slow answers, refused connections, failing or crashing inserts) are set
 * through its `/__control` path and last until changed or until the process ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ClickHouseHttpServerOptions {
  /** chDB's data directory; one server process per directory (chDB locks it). Created if missing. */
  dataDir: string;
  /** @default 0: any free port, kept for restart() */
  port?: number;
  /** Serve `ON CLUSTER <cluster>` DDL as a one-node cluster of that name. */
  cluster?: string;
  /** With `password`: refuse every other user with AUTHENTICATION_FAILED. @default any user is accepted */
  user?: string;
  password?: string;
  /** @default 30_000 */
  startTimeoutMs?: number;
}

export type CrashPoint = 'before' | 'after';

export interface ClickHouseHttpServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** SIGTERM: statements under way finish and are answered, chDB closes its data directory. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies wherever it is, as in a crash or an OOM kill. */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory (stopping first if still running); faults reset. */
  restart(): Promise<void>;
  /** Every answer waits this long before its statement runs; the statement still runs if the client gave up. */
  setDelayMs(ms: number): Promise<void>;
  /** Every request is answered by closing its connection. */
  setRefuse(refuse: boolean): Promise<void>;
  /** INSERTs answer TOO_MANY_PARTS (code 252, HTTP 500) without running. */
  setFailInserts(fail: boolean): Promise<void>;
  /** The process SIGKILLs itself at the next INSERT: before it runs, or after it ran but before answering. */
  setCrashOnInsert(point: CrashPoint | null): Promise<void>;
}

const SERVER_MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url));
/** `--import tsx` resolves from the repository, where tsx is a dependency. */
const REPO_ROOT = path.resolve(path.dirname(SERVER_MAIN), '..', '..', '..');

export async function startClickHouseHttpServer(options: ClickHouseHttpServerOptions): Promise<ClickHouseHttpServer> {
  const { dataDir, cluster, user, password, startTimeoutMs = 30_000 } = options;
  if ((user === undefined) !== (password === undefined)) throw new Error('startClickHouseHttpServer: user and password go together');
  mkdirSync(dataDir, { recursive: true });
  let port = options.port ?? 0;
  let child = await spawnServer();
  port = child.port;
  const url = `http://127.0.0.1:${port}`;

  async function spawnServer(): Promise<RunningChild> {
    const args = ['--import', 'tsx', SERVER_MAIN, '--data', dataDir, '--port', String(port), '--exit-with-stdin'];
    if (cluster !== undefined) args.push('--cluster', cluster);
    if (user !== undefined && password !== undefined) args.push('--user', user, '--password', password);
    return startChild(args, startTimeoutMs);
  }

  async function control(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${url}/__control`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`clickhouse-http /__control ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
  }

  return {
    url,
    get port() { return port; },
    dataDir,
    stop: () => child.signal('SIGTERM'),
    kill: () => child.signal('SIGKILL'),
    async restart() {
      await child.signal('SIGTERM');
      child = await spawnServer();
    },
    setDelayMs: (ms) => control({ delayMs: ms }),
    setRefuse: (refuse) => control({ refuse }),
    setFailInserts: (fail) => control({ failInserts: fail }),
    setCrashOnInsert: (point) => control({ crashOnInsert: point }),
  };
}

interface RunningChild {
  port: number;
  /** Sends the signal unless the process has already exited, and waits for the exit. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

async function startChild(args: string[], startTimeoutMs: number): Promise<RunningChild> {
  // stdin stays a pipe: with --exit-with-stdin the server ends when this process does.
  const proc: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8_000); // the tail is what explains a failed start
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited;
  };
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`clickhouse-http server did not listen within ${startTimeoutMs} ms:\n${stderr}`));
    }, startTimeoutMs);
    proc.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return;
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') {
        clearTimeout(timer);
        resolve(parsed.port);
      }
    });
    proc.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`clickhouse-http server exited (${code ?? sig}) before listening:\n${stderr}`));
    });
  });
  return { port, signal };
}
