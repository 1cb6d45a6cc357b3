/**
 * A Prometheus-family daemon for tests (Alertmanager, Prometheus): spawned with its output kept for
 * error messages, ready once `/-/ready` answers 200, stopped with SIGTERM and its directory removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

export interface RunningDaemon {
  stop(): Promise<void>;
}

export async function startDaemon({ binary, name, args, baseUrl, dir, readyTimeoutMs }: {
  binary: string;
  /** How errors name it. */
  name: string;
  args: string[];
  baseUrl: string;
  /** Removed on stop. */
  dir: string;
  readyTimeoutMs: number;
}): Promise<RunningDaemon> {
  let output = '';
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    }
    try {
      if ((await fetch(`${baseUrl}/-/ready`, { signal: AbortSignal.timeout(1_000) })).status === 200) return { stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // listen() on a TCP port gives an AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
