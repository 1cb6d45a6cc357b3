/**
 * bench/ingest: OTLP spans/s end to end (decode → stored → acknowledged) through a running
 * Tollgate, over OTLP/HTTP protobuf and OTLP/gRPC from concurrent clients, beside raw inserts of
 * the same rows into chDB measured in the same run. Prints numbers and ratios; asserts nothing.
 *
 *   node --import tsx bench/ingest.ts [--requests 300] [--spans 1000] [--clients 16]
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { decodeExport } from '../src/ingest/index.js';
import { encodeRows, fullSchemaStatements } from '../src/store/index.js';
import { Readable } from 'node:stream';
import { spawnTollgate, tempDir, testEnv } from '../test/helpers/tollgate.js';
import { benchArgs, recordingOutput } from './report.js';
import { spanRequests } from './span-mix.js';

recordingOutput('ingest', 'npm run bench');
const { values: args } = parseArgs({
  args: benchArgs(),
  options: { requests: { type: 'string', default: '300' }, spans: { type: 'string', default: '1000' }, clients: { type: 'string', default: '16' } },
});
const REQUESTS = Number(args.requests);
const SPANS = Number(args.spans);
const CLIENTS = Number(args.clients);
const TOTAL = REQUESTS * SPANS;
const CHUNK_ROWS = 10_000; // Tollgate's default batch size, so the reference inserts alike

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number): string => `${Math.round(x * 100)}%`;

console.log(`building ${REQUESTS} requests × ${SPANS} spans …`);
const bodies = spanRequests(REQUESTS, SPANS);
const avgKb = bodies.reduce((n, b) => n + b.byteLength, 0) / bodies.length / 1024;

// ---- reference: the same rows, decoded once, inserted straight into chDB (no network, no queue)
const refDir = tempDir('tollgate-bench-ref-');
const connection = createChdbConnection({ path: path.join(refDir, 'clickhouse') });
// chdb ships its own copy of client-common's types; the connection implements this exact contract.
const client = createClient({ connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] });
for (const sql of fullSchemaStatements('default', { kind: 'single' })) await client.command({ query: sql });

/** CPU microseconds per row of this process (all threads, chDB's included) while `run` ran. */
async function cpuMicrosPerRow(run: () => Promise<void> | void): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / TOTAL;
}

let t = performance.now();
let decoded: ReturnType<typeof decodeExport>[] = [];
const decodeCpu = await cpuMicrosPerRow(() => {
  decoded = bodies.map((b) => decodeExport('traces', 'protobuf', b, { receivedAtNs: BigInt(Date.now()) * 1_000_000n }));
});
const decodeSeconds = (performance.now() - t) / 1000;
const columns = decoded[0]!.batches[0]!.columns;
const rows = decoded.flatMap((d) => d.batches[0]!.rows);
const chunks: unknown[][][] = [];
for (let i = 0; i < rows.length; i += CHUNK_ROWS) chunks.push(rows.slice(i, i + CHUNK_ROWS));

t = performance.now();
let texts: string[] = [];
const encodeCpu = await cpuMicrosPerRow(() => {
  texts = chunks.map((c) => encodeRows(c));
});
const serializeSeconds = (performance.now() - t) / 1000;
const payloads = texts.map((text) => Buffer.from(text));

t = performance.now();
const columnList = columns.map((c) => `\`${c}\``).join(', ');
for (const text of texts) {
  const r = await client.exec({ query: `INSERT INTO otel_traces (${columnList}) FORMAT JSONCompactEachRow`, values: Readable.from([text], { objectMode: false }) });
  r.stream.resume();
}
const clientInsertSeconds = (performance.now() - t) / 1000;
// Disk a span takes once stored and merged: measured on the one copy client.exec stored (rawInsert adds another below).
await client.command({ query: 'OPTIMIZE TABLE otel_traces FINAL' });
const parts = await (await client.query({
  query: `SELECT table, sum(rows) AS n, sum(bytes_on_disk) AS bytes FROM system.parts
          WHERE active AND database = currentDatabase() GROUP BY table HAVING n > 0 ORDER BY bytes DESC`,
  format: 'JSONEachRow',
})).json<{ table: string; n: string; bytes: string }>();
const storedSpans = Number(parts.find((p) => p.table === 'otel_traces')?.n ?? 0);
const diskPerSpan = parts.reduce((n, p) => n + Number(p.bytes), 0) / storedSpans;
t = performance.now();
const insertCpu = await cpuMicrosPerRow(async () => {
  for (const values of payloads) await connection.chdb.rawInsert({ table: 'otel_traces', columns, values, format: 'JSONCompactEachRow' });
});
const rawInsertSeconds = (performance.now() - t) / 1000;
await client.close();
rmSync(refDir, { recursive: true, force: true });

// ---- Tollgate end to end, in its own process, fed over loopback by concurrent clients
const dataDir = tempDir('tollgate-bench-');
const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: process.env['BENCH_BATCH_DELAY_MS'] ?? '200' }));

const metricsUrl = `http://127.0.0.1:${tg.ports.http}/metrics`;
/** Seconds the store spent inserting, and the event loop's busy share since the last scrape. */
async function tollgateLoad(): Promise<{ insertSeconds: number; loop: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const insertSeconds = [...text.matchAll(/^tollgate_store_statement_seconds_sum\{lane="write"[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return { insertSeconds, loop: Number(/^tollgate_event_loop_utilization (\S+)$/m.exec(text)?.[1]) };
}

async function runClients(send: (body: Uint8Array) => Promise<boolean>): Promise<{ seconds: number; failed: number; storeBusy: number; loop: number }> {
  let next = 0;
  let failed = 0;
  const before = await tollgateLoad();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        // A refused export is retried after the advertised delay, as the OTel HTTP exporter does.
        while (!(await send(body))) {
          failed++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await tollgateLoad();
  return { seconds, failed, storeBusy: (after.insertSeconds - before.insertSeconds) / seconds, loop: after.loop };
}

const url = `http://127.0.0.1:${tg.ports.otlpHttp}/v1/traces`;
const http = await runClients(async (body) => {
  const res = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/x-protobuf' } });
  await res.arrayBuffer();
  return res.status === 200;
});

const grpcClient = new grpc.Client(`127.0.0.1:${tg.ports.otlpGrpc}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
const grpcRun = await runClients(
  (body) =>
    new Promise((resolve) =>
      grpcClient.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), (err) => resolve(err === null)),
    ),
);
grpcClient.close();
const peakRssMiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${tg.child.pid}/status`, 'utf8'))?.[1]) / 1024;
tg.child.kill('SIGTERM');
await tg.exited;
rmSync(dataDir, { recursive: true, force: true });

const rate = (seconds: number): number => TOTAL / seconds;
const fastestRaw = rate(rawInsertSeconds);
console.log(`
ingest benchmark: ${REQUESTS} requests × ${SPANS} spans = ${fmt(TOTAL)} spans (avg ${avgKb.toFixed(0)} KB protobuf per request), ${CLIENTS} concurrent clients
machine: ${process.version}, ${os.cpus().length} cores; Tollgate and the clients share them

reference, same rows into the same schema (in-process chDB, no network, no queue):
  decode only (protobuf → rows)                          ${fmt(rate(decodeSeconds)).padStart(9)} spans/s
  encode only (rows → JSONCompactEachRow lines)          ${fmt(rate(serializeSeconds)).padStart(9)} rows/s
  client.exec of the encoded lines (Tollgate's statement) ${fmt(rate(clientInsertSeconds)).padStart(9)} rows/s
  rawInsert JSONCompactEachRow buffer (fastest)          ${fmt(fastestRaw).padStart(9)} rows/s   (${fmt(rate(serializeSeconds + rawInsertSeconds))} rows/s counting JSON serialization)
  CPU per span: decode ${decodeCpu.toFixed(0)} µs + encode ${encodeCpu.toFixed(0)} µs + chDB insert ${insertCpu.toFixed(0)} µs (all its threads) = ${(decodeCpu + encodeCpu + insertCpu).toFixed(0)} µs,
    so ${os.cpus().length} cores bound end-to-end ingest near ${fmt((os.cpus().length * 1e6) / (decodeCpu + encodeCpu + insertCpu))} spans/s before HTTP, queueing and the clients' own work

Tollgate end to end (decode → stored → acknowledged):
  OTLP/HTTP protobuf  ${fmt(rate(http.seconds)).padStart(9)} spans/s   ratio to fastest raw insert ${(rate(http.seconds) / fastestRaw).toFixed(2)}   (${http.failed} refusals retried; store busy ${pct(http.storeBusy)}, event loop busy ${pct(http.loop)})
  OTLP/gRPC           ${fmt(rate(grpcRun.seconds)).padStart(9)} spans/s   ratio to fastest raw insert ${(rate(grpcRun.seconds) / fastestRaw).toFixed(2)}   (${grpcRun.failed} refusals retried; store busy ${pct(grpcRun.storeBusy)}, event loop busy ${pct(grpcRun.loop)})
  peak RSS of the Tollgate process: ${peakRssMiB.toFixed(0)} MiB

disk, this span mix stored and merged: ${diskPerSpan.toFixed(0)} bytes per span in all tables (${parts.map((p) => `${p.table} ${(Number(p.bytes) / storedSpans).toFixed(1)}`).join(', ')})
  so a day at 1,000 spans/s takes ${((diskPerSpan * 86_400_000) / 1024 ** 3).toFixed(1)} GiB (raw spans kept TOLLGATE_RETENTION_TRACES days; the rollups much longer but far smaller)
`);
