/**
 * bench/mixed: what a busy Tollgate does at once, each part alone and then together, on the store
 * bench/gate uses (7 days of spans, 20 services, one SLO and policy each; Tollgate in its own
 * process):
 * - ingest: OTLP/HTTP protobuf exports of 500 SDK spans, paced at `--ingest` spans/s;
 * - dashboards: the shipped SLO dashboards' panel queries (variables resolved as Grafana does),
 *   all of them as range queries over the last 6 h at a 60 s step, every 10 s, 6 at a time (a
 *   browser's connections to one host);
 * - the gate: `--gate` calls in flight, back to back, from bench/gate's mix of questions.
 * Prints p50/p99 of each part alone and together, and the ratio. Asserts nothing.
 *
 *   node --import tsx bench/mixed.ts [--spans 10000000] [--seconds 30] [--ingest 5000] [--gate 5]
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { dashboards, defaultVariables, queriesOf, substitute } from '../test/helpers/dashboards.js';
import { spawnTollgate, testEnv } from '../test/helpers/tollgate.js';
import { fmt, gate, ms, percentile, prepareGateData, question, sortedOf, startIngest, waitRecorded } from './gate-data.js';
import { benchArgs, recordingOutput } from './report.js';

recordingOutput('mixed', 'npm run bench:mixed');
const { values: args } = parseArgs({
  args: benchArgs(),
  options: {
    spans: { type: 'string', default: '10000000' },
    seconds: { type: 'string', default: '30' },
    ingest: { type: 'string', default: '5000' },
    gate: { type: 'string', default: '5' },
  },
});
const SPANS = Number(args.spans);
const SECONDS = Number(args.seconds);
const INGEST = Number(args.ingest);
const GATE_IN_FLIGHT = Number(args.gate);
const DASHBOARD_FILES = ['tollgate-slo-overview.json', 'tollgate-slo-detail.json'];
const REFRESH_MS = 10_000;
const BROWSER_CONNECTIONS = 6;
const RANGE_SECONDS = 6 * 3_600;
const STEP_SECONDS = 60;

const data = await prepareGateData(SPANS, 'tollgate-bench-mixed-');
const tollgate = await spawnTollgate(testEnv(data.dataDir, { TOLLGATE_SLO_DIR: data.sloDir }));
// A bench that fails half-way must not leave Tollgate running.
process.on('exit', () => tollgate.child.kill('SIGKILL'));
const apiUrl = `http://127.0.0.1:${tollgate.ports.http}`;
const otlpUrl = `http://127.0.0.1:${tollgate.ports.otlpHttp}`;
const recordSeconds = await waitRecorded(apiUrl);

// ---- the dashboards' queries, variables resolved once as Grafana does on opening them
const panelQueries: string[] = [];
for (const d of dashboards.filter((x) => DASHBOARD_FILES.includes(x.file))) {
  const vars = await defaultVariables(apiUrl, Date.now(), d);
  for (const q of queriesOf(d)) panelQueries.push(substitute(q.expr, vars));
}

interface Part { run(untilMs: number): Promise<number[]>; }

/** Every REFRESH_MS, every panel's range query, BROWSER_CONNECTIONS at a time; the latency of each query. */
const dashboardPart: Part = {
  async run(untilMs) {
    const latencies: number[] = [];
    while (performance.now() < untilMs) {
      const refreshStarted = performance.now();
      const endS = Date.now() / 1000;
      const queue = [...panelQueries];
      await Promise.all(Array.from({ length: BROWSER_CONNECTIONS }, async () => {
        for (let q = queue.shift(); q !== undefined; q = queue.shift()) {
          const started = performance.now();
          const res = await fetch(`${apiUrl}/api/v1/query_range`, {
            method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ query: q, start: String(endS - RANGE_SECONDS), end: String(endS), step: String(STEP_SECONDS) }).toString(),
          });
          const body = (await res.json()) as { status: string; error?: string };
          if (body.status !== 'success') throw new Error(`${q}: ${body.error ?? res.status}`);
          latencies.push(performance.now() - started);
        }
      }));
      const wait = refreshStarted + REFRESH_MS - performance.now();
      if (wait > 0 && performance.now() + wait < untilMs) await new Promise((r) => setTimeout(r, wait));
      else if (wait > 0) break;
    }
    return latencies;
  },
};

/** GATE_IN_FLIGHT loops asking the gate back to back. */
const gatePart: Part = {
  async run(untilMs) {
    const latencies: number[] = [];
    let k = 0;
    await Promise.all(Array.from({ length: GATE_IN_FLIGHT }, async () => {
      while (performance.now() < untilMs) latencies.push((await gate(apiUrl, question(k++).body)).totalMs);
    }));
    return latencies;
  },
};

/** Paced ingest; the latency of each export's acknowledgement. */
let ingestRate = 0;
const ingestPart: Part = {
  async run(untilMs) {
    const ingest = startIngest(otlpUrl, INGEST);
    await new Promise((r) => setTimeout(r, Math.max(0, untilMs - performance.now())));
    const r = await ingest.stop();
    ingestRate = r.spans / r.seconds;
    return r.ackMs;
  },
};

const parts = { ingest: ingestPart, dashboards: dashboardPart, gate: gatePart } as const;
type Name = keyof typeof parts;
const alone = new Map<Name, { latencies: number[]; rate?: number }>();
for (const name of Object.keys(parts) as Name[]) {
  const latencies = await parts[name].run(performance.now() + SECONDS * 1000);
  alone.set(name, { latencies, ...(name === 'ingest' ? { rate: ingestRate } : {}) });
}
const untilMs = performance.now() + SECONDS * 1000;
const together = await Promise.all((Object.keys(parts) as Name[]).map(async (name) => ({ name, latencies: await parts[name].run(untilMs) })));
const togetherRate = ingestRate;

const stats = (xs: number[]): { p50: number; p99: number; n: number } => {
  const sorted = sortedOf(xs);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: xs.length };
};
const label: Record<Name, string> = {
  ingest: `ingest at ${fmt(INGEST)} spans/s (acknowledgement)`,
  dashboards: `dashboards: ${panelQueries.length} panel queries every 10 s (each query)`,
  gate: `gate: ${GATE_IN_FLIGHT} calls in flight (each call)`,
};
console.log(`
Mixed-load benchmark: ${fmt(SPANS)} spans over 7 days, 20 services, ${process.version}, ${os.cpus().length} cores, chDB embedded, Tollgate in its own process
  load: ${data.loadSeconds.toFixed(1)} s; SLO minutes recorded back at start: ${recordSeconds.toFixed(1)} s; ${SECONDS} s per phase
  ${'part'.padEnd(58)} ${'alone p50 / p99 (n)'.padEnd(26)} ${'together p50 / p99 (n)'.padEnd(26)} p99 together / alone
${(Object.keys(parts) as Name[]).map((name) => {
  const a = stats(alone.get(name)!.latencies);
  const t = stats(together.find((x) => x.name === name)!.latencies);
  return `  ${label[name].padEnd(58)} ${`${ms(a.p50)} / ${ms(a.p99)} ms (${a.n})`.padEnd(26)} ${`${ms(t.p50)} / ${ms(t.p99)} ms (${t.n})`.padEnd(26)} ${(t.p99 / a.p99).toFixed(1)}×`;
}).join('\n')}
  ingest achieved: alone ${fmt(alone.get('ingest')!.rate ?? 0)} spans/s, together ${fmt(togetherRate)} spans/s
`);
tollgate.child.kill('SIGTERM');
await tollgate.exited;
rmSync(data.root, { recursive: true, force: true });
