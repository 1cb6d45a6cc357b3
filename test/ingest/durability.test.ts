/**
 * What Tollgate acknowledged is stored: across `kill -9`, across SIGTERM with exports in flight,
 * and when an insert fails (the export is answered retryable, and Tollgate recovers by itself).
 */
import { rmSync } from 'node:fs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { body, countRows, spawnTollgate, startInProcess, tempDir, testEnv } from '../helpers/tollgate.js';
import { demoResource, makeLogs, makeSpans } from '../helpers/telemetry.js';
import path from 'node:path';

function exportSpans(exporter: { export(s: ReadableSpan[], cb: (r: ExportResult) => void): void }, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

async function storedRows(dataDir: string, hash: string): Promise<{ total: number; spanIds: Set<string> }> {
  const { store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') });
  try {
    const rows = await store.query<{ SpanId: string }>(`SELECT SpanId FROM otel_traces WHERE ConfigHash = {hash:String}`, { hash });
    return { total: rows.length, spanIds: new Set(rows.map((r) => r.SpanId)) };
  } finally {
    await store.close();
  }
}

describe('kill -9', () => {
  it('loses no acknowledged span: every acked export is there after a restart', async () => {
    const dataDir = tempDir();
    const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '50' }));
    const acked: string[] = [];
    try {
      const grpc = new TracesGrpc({ url: `http://127.0.0.1:${tg.ports.otlpGrpc}` });
      const http = new TracesProto({ url: `http://127.0.0.1:${tg.ports.otlpHttp}/v1/traces` });
      // Concurrent exports over both transports; each span id is recorded once its export is acked.
      await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const spans = makeSpans(50, demoResource({ config_hash: 'cfg-crash' }));
          const result = await exportSpans(i % 2 === 0 ? grpc : http, spans);
          if (result.code === ExportResultCode.SUCCESS) acked.push(...spans.map((s) => s.spanContext().spanId));
        }),
      );
      // Killed the moment the last acknowledgement arrived: no flush, no shutdown.
      tg.child.kill('SIGKILL');
      await tg.exited;
      expect(acked).toHaveLength(12 * 100);
      const stored = await storedRows(dataDir, 'cfg-crash');
      const missing = acked.filter((id) => !stored.spanIds.has(id));
      expect(missing).toEqual([]);
      expect(stored.total).toBe(1200);
    } finally {
      tg.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('loses no acknowledged span when killed in the middle of a stream of exports', async () => {
    const dataDir = tempDir();
    const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '30' }));
    const acked: string[] = [];
    let killed = false;
    try {
      const url = `http://127.0.0.1:${tg.ports.otlpHttp}/v1/traces`;
      const killer = setTimeout(() => {
        killed = true;
        tg.child.kill('SIGKILL');
      }, 2_500);
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (!killed) {
            const spans = makeSpans(40, demoResource({ config_hash: 'cfg-stream' }));
            try {
              const res = await fetch(url, { method: 'POST', body: body(ProtobufTraceSerializer.serializeRequest(spans)!), headers: { 'content-type': 'application/x-protobuf' } });
              if (res.status === 200) acked.push(...spans.map((s) => s.spanContext().spanId));
            } catch {
              // the connection died with the process: not acknowledged
            }
          }
        }),
      );
      clearTimeout(killer);
      await tg.exited;
      expect(acked.length).toBeGreaterThan(0);
      const stored = await storedRows(dataDir, 'cfg-stream');
      expect(acked.filter((id) => !stored.spanIds.has(id))).toEqual([]);
      // Unacknowledged exports may have been stored too (at-least-once), never the other way round.
      expect(stored.total).toBeGreaterThanOrEqual(acked.length);
    } finally {
      tg.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('SIGTERM', () => {
  it('finishes and acknowledges the exports in flight, closes the store and exits 0', async () => {
    const dataDir = tempDir();
    // A long batch delay keeps the exports waiting when the signal arrives.
    const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '3000' }));
    try {
      const url = `http://127.0.0.1:${tg.ports.otlpHttp}/v1/traces`;
      const inFlight = Array.from({ length: 5 }, () =>
        fetch(url, {
          method: 'POST',
          body: body(ProtobufTraceSerializer.serializeRequest(makeSpans(20, demoResource({ config_hash: 'cfg-term' })))!),
          headers: { 'content-type': 'application/x-protobuf' },
        }).then((r) => r.status),
      );
      await new Promise((r) => setTimeout(r, 500));
      tg.child.kill('SIGTERM');
      expect(await Promise.all(inFlight)).toEqual([200, 200, 200, 200, 200]);
      const exit = await tg.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(tg.output()).toContain('"msg":"stopped"');
      expect((await storedRows(dataDir, 'cfg-term')).total).toBe(200);
    } finally {
      tg.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a failing insert', () => {
  it('answers 503 with Retry-After, acknowledges nothing, and recovers by itself', async () => {
    const tg = await startInProcess();
    try {
      const payload = ProtobufLogsSerializer.serializeRequest(makeLogs(10, demoResource({ config_hash: 'cfg-fail' })))!;
      const send = () => fetch(`${tg.otlpHttpUrl}/v1/logs`, { method: 'POST', body: body(payload), headers: { 'content-type': 'application/x-protobuf' } });
      // The table disappears underneath Tollgate: every insert into it fails.
      await tg.store.command('DETACH TABLE otel_logs');
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await fetch(`${tg.apiUrl}/healthz`)).status).toBe(200);

      await tg.store.command('ATTACH TABLE otel_logs');
      expect(await countRows(tg, 'otel_logs', `ConfigHash = 'cfg-fail'`)).toBe(0);
      const retried = await send();
      expect(retried.status).toBe(200);
      expect(await countRows(tg, 'otel_logs', `ConfigHash = 'cfg-fail'`)).toBe(10);
      const metrics = await (await fetch(`${tg.apiUrl}/metrics`)).text();
      expect(metrics).toMatch(/tollgate_insert_duration_seconds_count\{table="otel_logs",result="error"\} 1/);
    } finally {
      await tg.cleanup();
    }
  });
});
