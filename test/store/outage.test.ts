/**
 * A store outage under a running Tollgate in server mode (the test ClickHouse server, killed
 * mid-ingest and restarted): exports are refused retryably on both transports, nothing
 * acknowledged is lost, reads answer a clear JSON 503, /healthz says the store is down and keeps
 * answering, and everything recovers by itself. Then a store that answers in seconds: exports are
 * refused before the OTel exporters' 10 s timeout instead of being held.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';
import { body, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

let dir: string;
let ch: ClickHouseHttpServer;
let tg: InProcessTollgate;

beforeAll(async () => {
  dir = tempDir('tollgate-outage-');
  ch = await startClickHouseHttpServer({ dataDir: path.join(dir, 'clickhouse') });
  tg = await startInProcess({ CLICKHOUSE_URL: ch.url, CLICKHOUSE_DATABASE: 'outage', TOLLGATE_EVALUATION_INTERVAL_MS: '1000', TOLLGATE_RECORD_INTERVAL_MS: '500' }, path.join(dir, 'tollgate'));
});
afterAll(async () => {
  await tg?.cleanup();
  await ch?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const exportSpans = (exporter: TracesProto, spans: ReadableSpan[]): Promise<ExportResult> => new Promise((resolve) => exporter.export(spans, resolve));

const postTraces = (configHash: string): Promise<Response> =>
  fetch(`${tg.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: body(ProtobufTraceSerializer.serializeRequest(makeSpans(5, demoResource({ config_hash: configHash })))!),
  });

function grpcExport(configHash: string): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${tg.ports.otlpGrpc}`, grpc.credentials.createInsecure());
  const payload = Buffer.from(ProtobufTraceSerializer.serializeRequest(makeSpans(5, demoResource({ config_hash: configHash })))!);
  return new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, payload, (e) => resolve(e)),
  ).finally(() => client.close());
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('the store stopped mid-ingest', () => {
  it('refuses exports retryably, loses nothing acknowledged, answers reads 503, and recovers by itself', async () => {
    // The official exporter retries 503s itself (honouring Retry-After) within its 10 s timeout.
    const exporter = new TracesProto({ url: `${tg.otlpHttpUrl}/v1/traces` });
    const acked = new Set<string>();
    let sending = true;
    const sender = (async () => {
      let refused = 0;
      while (sending) {
        const spans = makeSpans(10, demoResource({ config_hash: 'cfg-outage' }));
        const result = await exportSpans(exporter, spans);
        if (result.code === ExportResultCode.SUCCESS) for (const s of spans) acked.add(s.spanContext().spanId);
        else refused++;
      }
      return refused;
    })();
    await eventually('some exports acknowledged', async () => (acked.size >= 100 ? true : undefined));

    await ch.kill(); // mid-ingest, as a crash
    const refusedHttp = await timed(() => postTraces('cfg-refused'));
    console.log(`export against a killed store: ${refusedHttp.value.status} after ${Math.round(refusedHttp.ms)} ms`);
    expect(refusedHttp.value.status).toBe(503);
    expect(Number(refusedHttp.value.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refusedHttp.ms).toBeLessThan(5_000);
    const refusedGrpc = await grpcExport('cfg-refused');
    expect(refusedGrpc?.code).toBe(grpc.status.UNAVAILABLE);

    const health = await timed(() => fetch(`${tg.apiUrl}/healthz`));
    expect(health.value.status).toBe(503);
    expect(health.ms).toBeLessThan(3_000);
    expect(await health.value.json()).toMatchObject({
      status: 'unavailable', checks: { store: false, schema: true, slo_directory: true }, store: { down_since: expect.any(String), reason: expect.any(String) },
    });
    const slos = await fetch(`${tg.apiUrl}/v1/slos`);
    expect(slos.status).toBe(503);
    expect(slos.headers.get('retry-after')).toBe('5');
    expect(await slos.json()).toEqual({ error: expect.stringMatching(/^the store \(ClickHouse\) is unavailable since .+; retry later$/) });
    const query = await fetch(`${tg.apiUrl}/api/v1/query?query=up`);
    expect(query.status).toBe(503);
    expect(await query.json()).toMatchObject({ status: 'error', errorType: 'unavailable' });
    expect(await (await fetch(`${tg.apiUrl}/metrics`)).text()).toContain('\ntollgate_store_up 0\n');

    await new Promise((r) => setTimeout(r, 1_000));
    await ch.restart();
    // Nothing is done to Tollgate: the probe finds the store again, and exports and reads go through.
    await eventually('healthy again', async () => ((await fetch(`${tg.apiUrl}/healthz`)).status === 200 ? true : undefined));
    expect((await postTraces('cfg-after')).status).toBe(200);
    expect((await fetch(`${tg.apiUrl}/v1/slos`)).status).toBe(200);
    expect((await fetch(`${tg.apiUrl}/api/v1/query?query=vector(1)`)).status).toBe(200);
    await eventually('more exports acknowledged after the restart', async () => {
      const before = acked.size;
      await new Promise((r) => setTimeout(r, 300));
      return acked.size > before ? true : undefined;
    });
    sending = false;
    await sender;
    await exporter.shutdown();

    const stored = new Set((await tg.store.query<{ SpanId: string }>(`SELECT SpanId FROM otel_traces WHERE ConfigHash = 'cfg-outage'`)).map((r) => r.SpanId));
    expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
    expect(await tg.store.query(`SELECT count() AS n FROM otel_traces WHERE ConfigHash = 'cfg-refused'`)).toEqual([{ n: '0' }]);
  });
});

describe('a store that answers in seconds', () => {
  it('refuses an export with 503 before the exporters\' 10 s timeout instead of holding it, and takes exports again once it is fast', async () => {
    await ch.setDelayMs(15_000);
    try {
      const slow = await timed(() => postTraces('cfg-slow'));
      console.log(`export against a store answering in 15 s: ${slow.value.status} after ${Math.round(slow.ms)} ms`);
      expect(slow.value.status).toBe(503);
      expect(Number(slow.value.headers.get('retry-after'))).toBeGreaterThan(0);
      // The insert deadline (5 s) plus the batch delay: well before 10 s.
      expect(slow.ms).toBeGreaterThan(4_000);
      expect(slow.ms).toBeLessThan(8_000);
      const health = await timed(() => fetch(`${tg.apiUrl}/healthz`));
      expect(health.value.status).toBe(503);
      expect(health.ms).toBeLessThan(3_000);
    } finally {
      // The statements still sleeping in the server would hold Tollgate's requests for their 15 s:
      // a crash and restart drops them, as a real server's restart would.
      await ch.kill();
      await ch.restart();
    }
    await eventually('healthy again', async () => ((await fetch(`${tg.apiUrl}/healthz`)).status === 200 ? true : undefined), 30_000);
    expect((await postTraces('cfg-fast')).status).toBe(200);
  });
});
