/**
 * bench/gate: `POST /v1/gate` over HTTP against a Tollgate (embedded chDB, its own process) holding
 * 7 days of spans for 20 services. Runs `--calls` decisions with `--concurrency` in flight, first
 * alone, then while OTLP ingest runs at `--ingest` spans/s, and prints latency percentiles,
 * throughput, the verdicts, the ingest rate achieved, and as a reference from the same run the
 * failing promotion made one at a time. Asserts nothing.
 *
 *   node --import tsx bench/gate.ts [--spans 10000000] [--concurrency 20] [--calls 400] [--ingest 5000]
 *
 * The gate reads every count from the SLO engine's recorded minutes (no statement); only a deny asks
 * the store, for the causes of the release's bad events. chDB runs one statement at a time, so that
 * one read waits behind whatever insert of spans is running.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchArgs, recordingOutput } from './report.js';
import {
  DAYS, failingPromotion, fmt, gate as gateAt, ms, percentile, prepareGateData, question, SERVICES, sortedOf, startIngest, waitRecorded,
  type GateBody, type Kind, type Timed,
} from './gate-data.js';
import { spawnTollgate, testEnv } from '../test/helpers/tollgate.js';

recordingOutput('gate', 'npm run bench:gate');
const { values: args } = parseArgs({
  args: benchArgs(),
  options: {
    spans: { type: 'string', default: '10000000' },
    concurrency: { type: 'string', default: '20' },
    calls: { type: 'string', default: '400' },
    ingest: { type: 'string', default: '5000' },
  },
});
const INGEST_SPANS_PER_SECOND = Number(args.ingest);
const SPANS = Number(args.spans);
const CONCURRENCY = Number(args.concurrency);
const CALLS = Number(args.calls);
const REFERENCE_RUNS = 40;
const data = await prepareGateData(SPANS, 'tollgate-bench-gate-');
const { loadSeconds, sizes } = data;

const tollgate = await spawnTollgate(testEnv(data.dataDir, { TOLLGATE_SLO_DIR: data.sloDir }));
// A bench that fails half-way must not leave Tollgate running.
process.on('exit', () => tollgate.child.kill('SIGKILL'));
const apiUrl = `http://127.0.0.1:${tollgate.ports.http}`;
const otlpUrl = `http://127.0.0.1:${tollgate.ports.otlpHttp}`;

const gate = (body: GateBody): Promise<Timed> => gateAt(apiUrl, body);
const recordSeconds = await waitRecorded(apiUrl);

// ---- CONCURRENCY async loops taking the next question until CALLS are answered
async function run(): Promise<{ results: Array<Timed & { kind: Kind }>; seconds: number }> {
  const results: Array<Timed & { kind: Kind }> = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, CALLS) }, async () => {
      for (let k = next++; k < CALLS; k = next++) {
        const q = question(k);
        results.push({ kind: q.kind, ...(await gate(q.body)) });
      }
    }),
  );
  return { results, seconds: (performance.now() - started) / 1000 };
}

await gate(failingPromotion); // warm-up
const alone = await run();
const ingest = startIngest(otlpUrl, INGEST_SPANS_PER_SECOND);
await new Promise((r) => setTimeout(r, 2_000)); // ingest at its pace before the gate starts
const loaded = await run();
const ingested = await ingest.stop();

// ---- reference, nothing else running: the failing promotion (the call that also asks the store for causes), one at a time
const sequential: Timed[] = [];
for (let i = 0; i < REFERENCE_RUNS; i++) sequential.push(await gate(failingPromotion));
const seqP50 = percentile(sortedOf(sequential.map((r) => r.totalMs)), 50);

// ---- report
const lines = (label: string, r: { results: Array<Timed & { kind: Kind }>; seconds: number }): string => {
  const latencies = sortedOf(r.results.map((x) => x.totalMs));
  const counts = { allow: 0, deny: 0, wait: 0 };
  for (const x of r.results) counts[x.decision]++;
  return `  ${fmt(CALLS)} calls to POST /v1/gate over HTTP, ${CONCURRENCY} in flight, ${label}:
    latency p50 ${ms(percentile(latencies, 50))} ms, p90 ${ms(percentile(latencies, 90))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies.at(-1) ?? NaN)} ms
    ${(CALLS / r.seconds).toFixed(1)} decisions/s (${r.seconds.toFixed(1)} s); verdicts: allow ${counts.allow}, deny ${counts.deny}, wait ${counts.wait}`;
};
const byKind = new Map<Kind, Map<string, number[]>>();
for (const r of loaded.results) {
  const m = byKind.get(r.kind) ?? new Map<string, number[]>();
  const key = r.decision === 'allow' ? `allow (${r.basis ?? '?'})` : r.decision;
  m.set(key, [...(m.get(key) ?? []), r.totalMs]);
  byKind.set(r.kind, m);
}
/** How many, and their slowest call: which calls make the tail. */
const kindLine = (d: string, times: number[]): string => `${d} ${times.length} (slowest ${ms(Math.max(...times))} ms)`;
const p99Loaded = percentile(sortedOf(loaded.results.map((r) => r.totalMs)), 99);
const deny = loaded.results.find((r) => r.decision === 'deny') ?? sequential[0];
const topCause = deny?.topCause;
console.log(`
Gate benchmark: ${fmt(SPANS)} spans over ${DAYS} days, ${SERVICES} services (+1 without traffic), ${process.version}, ${os.cpus().length} cores, chDB embedded
  load through the materialized views: ${loadSeconds.toFixed(1)} s (${fmt(SPANS / loadSeconds)} spans/s, with the logs)
  rows: ${sizes.map((r) => `${r.table} ${fmt(Number(r.rows))}`).join(', ')}
  Tollgate in its own process; SLO minutes recorded back over 30 days at its start: ${recordSeconds.toFixed(1)} s
${lines('nothing else running', alone)}
${lines(`while ingest runs (${fmt(ingested.spans / ingested.seconds)} spans/s acknowledged over OTLP/HTTP, ${ingested.refused} exports refused)`, loaded)}
${[...byKind].map(([kind, m]) => `      ${kind}: ${[...m].map(([d, times]) => kindLine(d, times)).join(', ')}`).join('\n')}
  reference, the failing promotion one call at a time, nothing else running: p50 ${ms(seqP50)} ms over ${REFERENCE_RUNS} runs
    p99 under ingest / sequential p50 = ${(p99Loaded / seqP50).toFixed(1)}×
  example deny: ${deny?.decision === 'deny' ? deny.summary : '(none)'}
    top cause: ${topCause === undefined ? '(none)' : `${topCause.headline} (${topCause.change}) ×${topCause.count}, log: ${topCause.example_log_lines[0] ?? '(no log line)'}`}
`);
tollgate.child.kill('SIGTERM');
await tollgate.exited;
rmSync(data.root, { recursive: true, force: true });
