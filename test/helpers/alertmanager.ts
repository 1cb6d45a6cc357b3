/**
 * A real Alertmanager for tests: Debian's prometheus-alertmanager on a free loopback port, with
 * one `null` receiver and clustering off. The suite's global setup installs the package.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireBinary } from '../setup/real-parts.js';
import { freePort, startDaemon } from './daemon.js';

const BINARY = 'prometheus-alertmanager';
const CONFIG = `route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n`;
const READY_TIMEOUT_MS = 30_000;

/** Alertmanager's `gettableAlert`, the fields tests check. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
  receivers: Array<{ name: string }>;
}

export interface RunningAlertmanager {
  baseUrl: string;
  /** Tollgate's alerts Alertmanager holds (`?active=true` and the like as `query`). */
  alerts(query?: string): Promise<GettableAlert[]>;
  /** `alertmanager_alerts_received_total{status, version="v2"}` from its own metrics. */
  receivedTotal(status: 'firing' | 'resolved'): Promise<number>;
  stop(): Promise<void>;
}


/** `config`: alertmanager.yml to run with (e.g. a webhook receiver that counts notifications); default: one `null` receiver. */
export async function startAlertmanager({ config = CONFIG }: { config?: string } = {}): Promise<RunningAlertmanager> {
  const binary = requireBinary(BINARY);
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-alertmanager-'));
  writeFileSync(path.join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { stop } = await startDaemon({
    binary: binary,
    name: BINARY,
    args: [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // empty disables gossip (HA mode), which would otherwise bind 0.0.0.0:9094
    ],
    baseUrl,
    dir,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return {
    baseUrl,
    async alerts(query = '') {
      const res = await fetch(`${baseUrl}/api/v2/alerts${query}`);
      if (res.status !== 200) throw new Error(`Alertmanager answered ${res.status}`);
      return ((await res.json()) as GettableAlert[]).filter((a) => a.labels['alertname'] === 'TollgateSLOBurnRate');
    },
    async receivedTotal(status) {
      const text = await (await fetch(`${baseUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('alertmanager_alerts_received_total{') && l.includes(`status="${status}"`) && l.includes('version="v2"'));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    },
    stop,
  };
}
