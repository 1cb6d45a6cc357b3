/**
 * SIGTERM while the queue is full and uploads are half sent: Tollgate stops taking connections,
 * lets every upload in flight finish and answers it (stored, refused, or 503 shutting down; never
 * a reset connection), stores what it acknowledged, then exits 0.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { spawnTollgate, tempDir, testEnv } from '../helpers/tollgate.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';

interface Upload {
  answer: Promise<{ status: number | 'socket error'; retryAfter: string | undefined; error?: string }>;
  finish(): void;
}

/** An upload that sends its headers and the first half of `payload`, and the rest when told to. */
function halfSentUpload(port: number, payload: Buffer): Upload {
  const req = http.request({
    host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent: false,
    headers: { 'content-type': 'application/x-protobuf', 'content-length': payload.byteLength },
  });
  const answer = new Promise<{ status: number | 'socket error'; retryAfter: string | undefined; error?: string }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 'socket error', retryAfter: undefined, error: e.code ?? e.message }));
  });
  const half = payload.byteLength >> 1;
  req.write(payload.subarray(0, half));
  return { answer, finish: () => req.end(payload.subarray(half)) };
}

describe('SIGTERM with a full queue and uploads half sent', () => {
  it('answers every upload in flight, stores what it acknowledged and exits 0', async () => {
    const dataDir = tempDir();
    const tg = await spawnTollgate(testEnv(dataDir, { TOLLGATE_BATCH_MAX_DELAY_MS: '200' }));
    try {
      const floodBody = Buffer.from(ProtobufTraceSerializer.serializeRequest(makeSpans(1_000, demoResource({ config_hash: 'cfg-term-flood' })))!);
      let flooding = true;
      // 40 clients that never back off keep the queue full.
      const flood = Promise.all(
        Array.from({ length: 40 }, async () => {
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          while (flooding) {
            const ok = await new Promise<boolean>((resolve) => {
              const req = http.request(
                { host: '127.0.0.1', port: tg.ports.otlpHttp, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': floodBody.byteLength } },
                (res) => {
                  res.resume();
                  res.on('end', () => resolve(true));
                },
              );
              req.on('error', () => resolve(false));
              req.end(floodBody);
            });
            // Refused connections once Tollgate stops listening: no point spinning on them.
            if (!ok) await new Promise((r) => setTimeout(r, 100));
          }
          agent.destroy();
        }),
      );
      await new Promise((r) => setTimeout(r, 1_500));
      const payloads = Array.from({ length: 8 }, () => Buffer.from(ProtobufTraceSerializer.serializeRequest(makeSpans(100, demoResource({ config_hash: 'cfg-term-upload' })))!));
      const uploads = payloads.map((p) => halfSentUpload(tg.ports.otlpHttp, p));
      await new Promise((r) => setTimeout(r, 300));
      tg.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      for (const u of uploads) u.finish();
      const answers = await Promise.all(uploads.map((u) => u.answer));
      flooding = false;
      await flood;
      const exit = await tg.exited;

      // Every upload was answered: stored, refused while the queue was full, or told Tollgate is stopping.
      console.log(`half-sent uploads answered: ${answers.map((a) => (a.error === undefined ? a.status : `${a.status} (${a.error})`)).join(', ')}`);
      expect(answers.filter((a) => a.status !== 200 && a.status !== 429 && a.status !== 503)).toEqual([]);
      for (const a of answers) if (a.status !== 200) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(tg.output()).toContain('"msg":"stopped"');
      const { store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') });
      try {
        const rows = await store.query<{ n: string }>(`SELECT count() AS n FROM otel_traces WHERE ConfigHash = 'cfg-term-upload'`);
        // Acknowledged uploads are all stored (200 spans each); refused ones may not be.
        expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(answers.filter((a) => a.status === 200).length * 200);
      } finally {
        await store.close();
      }
    } finally {
      tg.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
