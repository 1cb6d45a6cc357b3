/**
 * bench/flood: what a running Tollgate (its own process, default settings) does under floods of
 * clients that never back off, beside one sender alone as the reference, measured in the same run.
 * For each flood it prints the peak RSS of the Tollgate process, the answers by status, each
 * client's success rate, the acknowledgement latency, /healthz latency (sampled every 50 ms) and the
 * longest event-loop delay Tollgate recorded (prom-client's monitorEventLoopDelay, read from
 * /metrics every second). Prints numbers; asserts nothing.
 *
 *   npm run bench:flood [-- --seconds 20] [-- --only http-2k,fair] [-- --record]
 *
 * `--record` writes the output into docs/benchmarks.md's flood block (bench/report.ts).
 *
 * The senders reuse bodies serialized once by the OpenTelemetry serializer the official exporters
 * use (ProtobufTraceSerializer); the fairness flood adds one official OTLP/HTTP exporter, which
 * retries 429 honouring Retry-After, exporting fresh spans one batch at a time.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { spawnTollgate, tempDir, testEnv, type ChildTollgate } from '../test/helpers/tollgate.js';
import { recordingOutput } from './report.js';
import { demoResource, makeSpans } from '../test/helpers/telemetry.js';

const recording = recordingOutput('flood', 'npm run bench:flood');
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--record'),
  options: { seconds: { type: 'string', default: '20' }, only: { type: 'string' } },
});
if (recording) console.log('(recording into docs/benchmarks.md)');
const FLOOD_SECONDS = Number(args.seconds);
/** The official exporters' default export timeout: an answer later than this is no answer. */
const CLIENT_TIMEOUT_MS = 10_000;
const TRACES = '/v1/traces';
const GRPC_TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

// ---- bodies, serialized once as the official exporters serialize them

const serialize = (spans: ReadableSpan[]): Buffer => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);

/** `count` spans with no attributes, events or links: the smallest spans the SDK sends (73 bytes each), the most rows per byte. */
function bareSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: demoResource({ config_hash: 'flood-70k' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('flood');
  for (let i = 0; i < count; i++) tracer.startSpan('GET /').end();
  return memory.getFinishedSpans();
}

console.log('building bodies …');
const body2k = serialize(makeSpans(1_000, demoResource({ config_hash: 'flood-2k' }))); // 1,000 server + 1,000 client spans
const body70k = serialize(bareSpans(70_000));
/** What a stalled upload declares; it sends two thirds of it and then nothing. */
const STALLED_DECLARED_BYTES = 15 * 1024 * 1024;
const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

// ---- measurement helpers

type Outcome = string;

class Tally {
  readonly outcomes = new Map<string, number>();
  readonly ackMs: number[] = [];
  readonly answerMs: number[] = [];
  readonly perClient: Array<{ ok: number; attempts: number }> = [];
  client(): { ok: number; attempts: number } {
    const c = { ok: 0, attempts: 0 };
    this.perClient.push(c);
    return c;
  }
  record(client: { ok: number; attempts: number }, outcome: Outcome, ms: number, ok: boolean): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    client.attempts++;
    this.answerMs.push(ms);
    if (ok) {
      client.ok++;
      this.ackMs.push(ms);
    }
  }
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (x: number): string => (Number.isNaN(x) ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const pct = (x: number): string => (Number.isNaN(x) ? '–' : `${(x * 100).toFixed(0)}%`);

/** Peak and samples of the Tollgate process' RSS, /healthz latency and its event-loop delay. */
function watch(tg: ChildTollgate): { stop(): Promise<{ peakRssMiB: number; healthMs: number[]; healthFailures: number; loopMaxMs: number; loopP99Ms: number }> } {
  const pid = tg.child.pid!;
  // Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0), so the peak is this flood's alone.
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: VmRSS sampling below still bounds it from below
  }
  let peakKb = 0;
  let loopMax = 0;
  let loopP99 = 0;
  let running = true;
  const rss = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    } catch {
      // the process is gone
    }
  }, 50);
  const health = probeHealth(tg.ports.http);
  const metricsAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const loop = (async () => {
    while (running) {
      const text = await new Promise<string>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: tg.ports.http, path: '/metrics', agent: metricsAgent, timeout: 5_000 }, (res) => {
          let out = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (out += d));
          res.on('end', () => resolve(out));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(''));
      });
      loopMax = Math.max(loopMax, Number(/^tollgate_nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? 0));
      loopP99 = Math.max(loopP99, Number(/^tollgate_nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? 0));
      await sleep(1_000);
    }
  })();
  return {
    async stop() {
      running = false;
      clearInterval(rss);
      await loop;
      metricsAgent.destroy();
      const { healthMs, healthFailures } = await health.stop();
      return { peakRssMiB: peakKb / 1024, healthMs, healthFailures, loopMaxMs: loopMax * 1000, loopP99Ms: loopP99 * 1000 };
    },
  };
}

const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));

/**
 * /healthz every 50 ms from a process of its own, so the latencies are Tollgate's and not this
 * process' (its event loop is busy with up to 120 senders).
 */
const PROBE = `
import http from 'node:http';
const port = Number(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const ms = []; let failures = 0; let running = true;
process.stdin.on('data', () => { running = false; });
while (running) {
  const started = performance.now();
  const status = await new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent, timeout: 5000 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
  ms.push(performance.now() - started);
  if (status !== 200) failures++;
  await new Promise((r) => setTimeout(r, 50));
}
process.stdout.write(JSON.stringify({ ms, failures }));
process.exit(0);
`;

function probeHealth(port: number): { stop(): Promise<{ healthMs: number[]; healthFailures: number }> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    async stop() {
      child.stdin.write('stop');
      await exited;
      const parsed = JSON.parse(out) as { ms: number[]; failures: number };
      return { healthMs: parsed.ms, healthFailures: parsed.failures };
    },
  };
}

// ---- senders

/** One raw OTLP/HTTP sender: posts `body` again as soon as it is answered, whatever the answer. */
async function httpSender(port: number, body: Buffer, until: number, tally: Tally): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const me = tally.client();
  while (Date.now() < until) {
    const started = performance.now();
    const outcome = await new Promise<Outcome>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: TRACES, method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength } },
        (res) => {
          res.resume();
          res.on('end', () => {
            const s = res.statusCode ?? 0;
            resolve(s === 200 || s === 429 || s === 503 || s === 413 ? (String(s) as Outcome) : 'other status');
          });
          res.on('error', () => resolve('socket error'));
        },
      );
      const timer = setTimeout(() => {
        resolve('timeout 10 s');
        req.destroy();
      }, CLIENT_TIMEOUT_MS);
      req.on('error', () => resolve('socket error'));
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
    tally.record(me, outcome, performance.now() - started, outcome === '200');
  }
  agent.destroy();
}

/** One raw OTLP/gRPC sender on its own channel (its own connection). */
async function grpcSender(port: number, body: Buffer, until: number, tally: Tally): Promise<void> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const me = tally.client();
  while (Date.now() < until) {
    const started = performance.now();
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(GRPC_TRACES, (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + CLIENT_TIMEOUT_MS }, (e) => resolve(e)),
    );
    const outcome: Outcome = err === null ? 'grpc OK' : `grpc ${grpc.status[err.code] ?? err.code}`;
    tally.record(me, outcome, performance.now() - started, err === null);
  }
  client.close();
}

/** The official OTLP/HTTP (protobuf) exporter, one export of fresh spans at a time, as a batch processor sends them. */
async function officialExporter(port: number, until: number, tally: Tally): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}${TRACES}`, timeoutMillis: CLIENT_TIMEOUT_MS });
  const me = tally.client();
  while (Date.now() < until) {
    const spans = makeSpans(256, demoResource({ config_hash: 'flood-exporter' }));
    const started = performance.now();
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    const ok = result.code === ExportResultCode.SUCCESS;
    tally.record(me, ok ? 'exported' : 'export failed', performance.now() - started, ok);
    await sleep(500);
  }
  await exporter.shutdown();
}

/**
 * Uploads that declare `declaredBytes`, send two thirds of it and then nothing (a stalled client),
 * again as soon as one is answered or dropped.
 */
async function stalledUploads(port: number, count: number, declaredBytes: number, until: number): Promise<{ answered: Map<string, number> }> {
  const answered = new Map<string, number>();
  const sent = Buffer.alloc(Math.floor((declaredBytes * 2) / 3), 0x0a);
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (Date.now() < until) {
        const status = await new Promise<string>((resolve) => {
          const req = http.request(
            { host: '127.0.0.1', port, path: TRACES, method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': declaredBytes } },
            (res) => {
              res.resume();
              res.on('end', () => resolve(String(res.statusCode)));
            },
          );
          req.on('error', () => resolve('connection closed'));
          req.write(sent);
          const timer = setTimeout(() => {
            req.destroy();
            resolve('still stalled at the end');
          }, Math.max(0, until - Date.now()));
          req.on('close', () => clearTimeout(timer));
        });
        answered.set(status, (answered.get(status) ?? 0) + 1);
      }
    }),
  );
  return { answered };
}

// ---- floods

interface Flood {
  name: string;
  what: string;
  run(tg: ChildTollgate, until: number): Promise<{ main: Tally; extra?: Record<string, Tally>; note?: string }>;
}

/** `senders` plain HTTP senders of one body, never backing off (one sender: the reference). */
const httpFlood = (name: string, what: string, senders: number, body: Buffer): Flood => ({
  name,
  what,
  async run(tg, until) {
    const t = new Tally();
    await Promise.all(Array.from({ length: senders }, () => httpSender(tg.ports.otlpHttp, body, until, t)));
    return { main: t };
  },
});

const floods: Flood[] = [
  httpFlood('alone-2k', `reference: 1 HTTP sender of 2,000-span requests (${mb(body2k.byteLength)}), alone`, 1, body2k),
  httpFlood('http-2k', `120 HTTP senders of 2,000-span requests (${mb(body2k.byteLength)}), never backing off`, 120, body2k),
  httpFlood('alone-70k', `reference: 1 HTTP sender of 70,000-span requests (${mb(body70k.byteLength)}), alone`, 1, body70k),
  httpFlood('http-70k', `24 HTTP senders of 70,000-span requests (${mb(body70k.byteLength)}), never backing off`, 24, body70k),
  {
    name: 'grpc-32',
    what: '32 gRPC clients (own connections) of 2,000-span requests, never backing off',
    async run(tg, until) {
      const t = new Tally();
      await Promise.all(Array.from({ length: 32 }, () => grpcSender(tg.ports.otlpGrpc, body2k, until, t)));
      return { main: t };
    },
  },
  {
    name: 'grpc-70k',
    what: `32 gRPC clients of 70,000-span requests (${mb(body70k.byteLength)}), never backing off`,
    async run(tg, until) {
      const t = new Tally();
      await Promise.all(Array.from({ length: 32 }, () => grpcSender(tg.ports.otlpGrpc, body70k, until, t)));
      return { main: t };
    },
  },
  {
    name: 'fair',
    what: '100 HTTP senders of 2,000-span requests never backing off, beside 1 official OTLP/HTTP exporter (512-span exports)',
    async run(tg, until) {
      const flood = new Tally();
      const exporter = new Tally();
      await Promise.all([
        ...Array.from({ length: 100 }, () => httpSender(tg.ports.otlpHttp, body2k, until, flood)),
        officialExporter(tg.ports.otlpHttp, until, exporter),
      ]);
      return { main: flood, extra: { 'official exporter': exporter } };
    },
  },
  {
    name: 'stalled',
    what: `12 uploads declaring ${mb(STALLED_DECLARED_BYTES)} stalled after two thirds, beside 4 HTTP senders of 2,000-span requests`,
    async run(tg, until) {
      const t = new Tally();
      const [stalled] = await Promise.all([
        stalledUploads(tg.ports.otlpHttp, 12, STALLED_DECLARED_BYTES, until),
        ...Array.from({ length: 4 }, () => httpSender(tg.ports.otlpHttp, body2k, until, t)),
      ]);
      return { main: t, note: `stalled uploads answered: ${[...stalled.answered].map(([k, v]) => `${k} ×${v}`).join(', ')}` };
    },
  },
];

function describeTally(label: string, t: Tally, seconds: number): string[] {
  const total = [...t.outcomes.values()].reduce((a, b) => a + b, 0);
  const shares = [...t.outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v / total)} (${v})`).join(', ');
  const rates = t.perClient.map((c) => (c.attempts === 0 ? NaN : c.ok / c.attempts)).filter((x) => !Number.isNaN(x));
  const within = t.answerMs.filter((x) => x <= CLIENT_TIMEOUT_MS).length;
  return [
    `  ${label}: ${total} answers in ${seconds} s (${(t.ackMs.length / seconds).toFixed(1)} acknowledged/s): ${shares}`,
    `    per-client success: min ${pct(quantile(rates, 0))}, median ${pct(quantile(rates, 0.5))}, max ${pct(quantile(rates, 1))} (${rates.length} clients)`,
    `    acknowledged: p50 ${ms(quantile(t.ackMs, 0.5))}, p99 ${ms(quantile(t.ackMs, 0.99))}, max ${ms(quantile(t.ackMs, 1))}; every answer: p50 ${ms(quantile(t.answerMs, 0.5))}, p99 ${ms(quantile(t.answerMs, 0.99))}; answered within 10 s ${pct(within / total)}`,
  ];
}

const selected = args.only === undefined ? floods : floods.filter((f) => args.only!.split(',').includes(f.name));
console.log(`flood benchmark: ${FLOOD_SECONDS} s per flood, Tollgate with default settings in its own process, Node ${process.version}, ${os.cpus().length} cores`);
console.log(`bodies (protobuf, ProtobufTraceSerializer): 2,000 spans with a few attributes ${body2k.byteLength.toLocaleString('en-US')} B; 70,000 spans without ${body70k.byteLength.toLocaleString('en-US')} B`);
for (const flood of selected) {
  const dataDir = tempDir('tollgate-flood-');
  const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '200' }));
  try {
    await sleep(1_000);
    const idleRss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${tg.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    const loadBefore = os.loadavg()[0]!;
    const watcher = watch(tg);
    const started = Date.now();
    const result = await flood.run(tg, started + FLOOD_SECONDS * 1000);
    const seconds = (Date.now() - started) / 1000;
    const w = await watcher.stop();
    console.log(`\n${flood.name}: ${flood.what}`);
    console.log(`  machine load average (1 min, ${os.cpus().length} cores): ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`);
    console.log(`  Tollgate RSS: idle ${idleRss.toFixed(0)} MiB, peak ${w.peakRssMiB.toFixed(0)} MiB`);
    console.log(`  /healthz: p50 ${ms(quantile(w.healthMs, 0.5))}, p99 ${ms(quantile(w.healthMs, 0.99))}, max ${ms(quantile(w.healthMs, 1))}, ${w.healthMs.length} probes, ${w.healthFailures} not 200`);
    console.log(`  event loop delay (Tollgate): longest ${ms(w.loopMaxMs)}, worst 1-s p99 ${ms(w.loopP99Ms)}`);
    for (const line of describeTally('senders', result.main, FLOOD_SECONDS)) console.log(line);
    for (const [label, t] of Object.entries(result.extra ?? {})) for (const line of describeTally(label, t, FLOOD_SECONDS)) console.log(line);
    if (result.note !== undefined) console.log(`  ${result.note}`);
    if (seconds > FLOOD_SECONDS + CLIENT_TIMEOUT_MS / 1000 + 5) console.log(`  (the flood took ${seconds.toFixed(0)} s to end: answers were late)`);
  } finally {
    tg.child.kill('SIGKILL');
    await tg.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
