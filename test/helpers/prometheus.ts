/**
 * A real Prometheus (Debian's 2.42) as a PromQL oracle: samples written as OpenMetrics, turned
 * into TSDB blocks with promtool, served read-only on a free loopback port. The suite's global
 * setup (test/setup/real-parts.ts) installs the package or stops the run saying how to.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from '../setup/real-parts.js';
import { freePort, startDaemon } from './daemon.js';

const READY_TIMEOUT_MS = 30_000;

/** Debian's binaries (package `prometheus`); the error says how to install them when they are missing. */
export const prometheusBinary = (): string => requireBinary('prometheus');
export const promtoolBinary = (): string => requireBinary('promtool');

/** One series as the test writes it: integer-millisecond timestamps, float64 values. */
export interface OracleSeries {
  labels: Record<string, string>;
  timestampsMs: number[];
  values: number[];
}

/** Prometheus' /api/v1 envelope. */
export type ApiResponse =
  | { status: 'success'; data: { resultType: string; result: unknown } }
  | { status: 'error'; errorType: string; error: string };

export interface RunningPrometheus {
  baseUrl: string;
  query(query: string, timeSeconds: number): Promise<ApiResponse>;
  queryRange(query: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** OpenMetrics number syntax (Go's ParseFloat reads String(v) back to the same float64). */
function omValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The samples as OpenMetrics text: one family after another (families must not interleave),
 * seconds with millisecond fractions, `# EOF` at the end. No `# TYPE` lines: "unknown" accepts
 * any name, so counters need no `_total` rules.
 */
export function toOpenMetrics(series: readonly OracleSeries[]): string {
  const byName = new Map<string, OracleSeries[]>();
  for (const s of series) {
    const name = s.labels['__name__'] ?? '';
    byName.set(name, [...(byName.get(name) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    for (const s of list) {
      const labels = Object.entries(s.labels)
        .filter(([k]) => k !== '__name__')
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      const prefix = labels === '' ? name : `${name}{${labels}}`;
      s.timestampsMs.forEach((t, i) => lines.push(`${prefix} ${omValue(s.values[i] as number)} ${omTimestamp(t)}`));
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

const omTimestamp = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * The millisecond timestamp Prometheus stores for a written OpenMetrics timestamp: its parser
 * computes int64(seconds * 1000), which truncates e.g. 1700000000.123 to …122. Tests build their
 * in-memory copy through this so both sides hold identical samples.
 */
export const storedTimestampMs = (ms: number): number => Math.trunc(Number(omTimestamp(ms)) * 1000);

/**
 * Debian's Prometheus serving the TSDB in `dir`/tsdb read-only on a free loopback port, with a
 * retention of 10 years (test data is old) and no scrape targets. `dir` is removed on stop.
 */
export async function servePrometheusTsdb(dir: string, { readyTimeoutMs }: { readyTimeoutMs: number }): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global: {}\n');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { stop } = await startDaemon({
    binary: prometheusBinary(),
    name: 'prometheus',
    args: [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=10y',
      '--log.level=warn',
    ],
    baseUrl,
    dir,
    readyTimeoutMs,
  });
  return { baseUrl, stop };
}

export async function startPrometheus(series: readonly OracleSeries[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-prometheus-'));
  const dataFile = path.join(dir, 'data.om');
  const tsdb = path.join(dir, 'tsdb');
  writeFileSync(dataFile, toOpenMetrics(series));
  try {
    await promisify(execFile)(promtoolBinary(), ['tsdb', 'create-blocks-from', 'openmetrics', dataFile, tsdb], { maxBuffer: 16 << 20 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // The samples are from 2023; the default retention of 15d would delete them.
  const { baseUrl, stop } = await servePrometheusTsdb(dir, { readyTimeoutMs: READY_TIMEOUT_MS });
  const api = async (endpoint: string, params: Record<string, string>): Promise<ApiResponse> => {
    const res = await fetch(`${baseUrl}/api/v1/${endpoint}`, { method: 'POST', body: new URLSearchParams(params) });
    return (await res.json()) as ApiResponse; // Prometheus answers JSON for success and errors alike
  };
  return {
    baseUrl,
    query: (query, timeSeconds) => api('query', { query, time: String(timeSeconds) }),
    queryRange: (query, start, end, step) => api('query_range', { query, start: String(start), end: String(end), step: String(step) }),
    stop,
  };
}
