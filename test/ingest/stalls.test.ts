/**
 * Clients that start a request and stop sending: an OTLP/HTTP upload that stalls is answered 408
 * once the read timeout passes and lets go of its share of the budget, so other exports are stored
 * again; a gRPC call without a valid token is refused on its metadata, before grpc-js reads its
 * message, so stalled 15 MiB messages hold no memory; a gRPC call whose message does not arrive
 * is answered DEADLINE_EXCEEDED. Real sockets, real Tollgate processes.
 */
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/index.js';
import { body, spawnTollgate, startInProcess, tempDir, testEnv, type ChildTollgate, type InProcessTollgate } from '../helpers/tollgate.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';

const MIB = 1024 * 1024;

/** Starts an upload without a declared length, sends `bytes`, then nothing. Resolves with what the server answered. */
function stalledUpload(url: string, bytes: number): { answered: Promise<number | 'closed'>; destroy(): void } {
  const req = http.request(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } });
  const answered = new Promise<number | 'closed'>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('closed'));
    req.on('close', () => resolve('closed'));
  });
  req.write(Buffer.alloc(bytes, 0x0a));
  return { answered, destroy: () => req.destroy() };
}

const queueBytes = async (apiUrl: string): Promise<number> =>
  Number(/^tollgate_ingest_queue_bytes (\S+)$/m.exec(await (await fetch(`${apiUrl}/metrics`)).text())?.[1] ?? NaN);

describe('stalled OTLP/HTTP uploads', () => {
  let tg: InProcessTollgate;
  beforeAll(async () => {
    tg = await startInProcess({
      TOLLGATE_INGEST_READ_TIMEOUT_MS: '1500',
      TOLLGATE_INGEST_SOFT_LIMIT_BYTES: String(4 * MIB),
      TOLLGATE_INGEST_HARD_LIMIT_BYTES: String(8 * MIB),
    });
  });
  afterAll(async () => {
    await tg?.cleanup();
  });

  it('answers them 408 at the read timeout and lets go of their budget, so other exports are stored again', async () => {
    const payload = body(ProtobufTraceSerializer.serializeRequest(makeSpans(400, demoResource({ config_hash: 'cfg-after-stall' })))!);
    const post = () => fetch(`${tg.otlpHttpUrl}/v1/traces`, { method: 'POST', body: payload, headers: { 'content-type': 'application/x-protobuf' } });
    // Twelve uploads hold 600 KB each, past the 4 MiB soft limit together.
    const stalled = Array.from({ length: 12 }, () => stalledUpload(tg.otlpHttpUrl, 600 * 1024));
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(await queueBytes(tg.apiUrl)).toBeGreaterThan(4 * MIB);
      expect((await post()).status).toBe(429);
      const answers = await Promise.all(stalled.map((s) => s.answered));
      expect(answers.every((a) => a === 408 || a === 'closed')).toBe(true);
      expect(answers.filter((a) => a === 408).length).toBeGreaterThan(0);
      expect(await queueBytes(tg.apiUrl)).toBe(0);
      expect((await post()).status).toBe(200);
    } finally {
      for (const s of stalled) s.destroy();
    }
  });
});

describe('OTLP/gRPC calls that never send their message', () => {
  const TOKEN = 'ingest-secret';
  let tg: ChildTollgate;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    tg = await spawnTollgate(testEnv(dataDir, {
      TOLLGATE_TOKENS: JSON.stringify({ tokens: [{ name: 'collector', sha256: hashToken(TOKEN), scopes: ['ingest'] }] }),
      TOLLGATE_INGEST_READ_TIMEOUT_MS: '2000',
    }));
  });
  afterAll(async () => {
    tg?.child.kill('SIGKILL');
    await tg?.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const rssMiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${tg.child.pid}/status`, 'utf8'))?.[1]) / 1024;

  /** A raw HTTP/2 gRPC call declaring a `declared`-byte message, of which it sends `sent` bytes and then nothing. */
  function stalledCall(session: http2.ClientHttp2Session, authorization: string | undefined, declared: number, sent: number) {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(authorization === undefined ? {} : { authorization }),
    });
    const started = performance.now();
    const status = new Promise<{ grpcStatus: string; ms: number }>((resolve) => {
      const done = (headers: http2.IncomingHttpHeaders) => {
        const s = headers['grpc-status'];
        if (s !== undefined) resolve({ grpcStatus: String(s), ms: performance.now() - started });
      };
      stream.on('response', done);
      stream.on('trailers', done);
      stream.on('error', () => resolve({ grpcStatus: 'stream error', ms: performance.now() - started }));
    });
    stream.on('data', () => undefined);
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(declared, 1);
    stream.write(frame);
    const chunk = Buffer.alloc(MIB, 0x0a);
    let written = 0;
    const pump = (): void => {
      while (written < sent && !stream.destroyed) {
        written += chunk.length;
        if (!stream.write(chunk)) {
          stream.once('drain', pump);
          return;
        }
      }
    };
    pump();
    return { status, stream };
  }

  it('refuses calls without a token on their metadata, before their 15 MiB messages are read, holding no memory for them', async () => {
    const before = rssMiB();
    const sessions = [http2.connect(`http://127.0.0.1:${tg.ports.otlpGrpc}`), http2.connect(`http://127.0.0.1:${tg.ports.otlpGrpc}`)];
    try {
      const calls = sessions.map((s) => stalledCall(s, undefined, 15 * MIB, 14 * MIB));
      const answers = await Promise.all(calls.map((c) => c.status));
      for (const a of answers) {
        expect(a.grpcStatus).toBe('16'); // UNAUTHENTICATED
        expect(a.ms).toBeLessThan(2_000);
      }
      await new Promise((r) => setTimeout(r, 1_000)); // what the clients keep sending is read and dropped
      expect(rssMiB() - before).toBeLessThan(64);
    } finally {
      for (const s of sessions) s.destroy();
    }
  });

  it('answers a call with a token whose message stops halfway DEADLINE_EXCEEDED at the read timeout', async () => {
    const session = http2.connect(`http://127.0.0.1:${tg.ports.otlpGrpc}`);
    try {
      const call = stalledCall(session, `Bearer ${TOKEN}`, 4 * MIB, 2 * MIB);
      const answer = await call.status;
      expect(answer.grpcStatus).toBe('4'); // DEADLINE_EXCEEDED
      expect(answer.ms).toBeGreaterThan(1_500);
      expect(answer.ms).toBeLessThan(5_000);
      const metrics = await (await fetch(`http://127.0.0.1:${tg.ports.http}/metrics`)).text();
      expect(metrics).toMatch(/^tollgate_ingest_queue_bytes 0$/m);
    } finally {
      session.destroy();
    }
  });
});
