/**
 * Bad input over real sockets: each gets its status and a message saying what was wrong, and
 * the server stays healthy and keeps storing good exports.
 */
import { gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, countRows, startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';

const MAX_BODY = 64 * 1024;
let tg: InProcessTollgate;
beforeAll(async () => {
  tg = await startInProcess({ TOLLGATE_MAX_BODY_BYTES: String(MAX_BODY) });
});
afterAll(async () => {
  await tg?.cleanup();
});

const goodBody = (hash = 'cfg-good') => ProtobufTraceSerializer.serializeRequest(makeSpans(5, demoResource({ config_hash: hash })))!;

async function post(path: string, payload: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${tg.otlpHttpUrl}${path}`, { method: 'POST', body: body(payload), headers });
  const text = await res.text();
  // Error bodies are a google.rpc.Status; for JSON requests (and unknown types) it is JSON.
  let message = text;
  try {
    message = (JSON.parse(text) as { message: string }).message;
  } catch {
    // protobuf Status: the message bytes are still readable text
  }
  return { status: res.status, headers: res.headers, text, message };
}

type BadInput = [name: string, payload: () => Uint8Array | string, headers: Record<string, string>, status: number, message: RegExp];

describe('OTLP/HTTP bad input', () => {
  it.each<BadInput>([
    ['truncated protobuf', () => goodBody().slice(0, 40), { 'content-type': 'application/x-protobuf' }, 400, /malformed protobuf/],
    ['invalid JSON', () => '{"resourceSpans": [', { 'content-type': 'application/json' }, 400, /invalid JSON/],
    ['broken gzip', () => Buffer.from('this is not gzip at all'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, 400, /invalid gzip body/],
    ['a truncated gzip stream', () => gzipSync(goodBody()).subarray(0, 30), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, 400, /invalid gzip body/],
    ['an unsupported content type', () => 'hello', { 'content-type': 'text/plain' }, 415, /unsupported Content-Type "text\/plain"/],
    ['a missing content type', () => goodBody(), {}, 415, /unsupported Content-Type/],
    ['an unsupported content encoding', () => goodBody(), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' }, 415, /unsupported Content-Encoding "br"/],
    ['a body over the limit', () => new Uint8Array(MAX_BODY + 1), { 'content-type': 'application/x-protobuf' }, 413, /exceeds the limit of 65536 bytes/],
    ['a gzip bomb that inflates past the limit', () => gzipSync(Buffer.alloc(50 * MAX_BODY)), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }, 413, /decompressed body exceeds the limit/],
  ])('answers %s with its status and reason', async (_name, payload, headers, status, message) => {
    const res = await post('/v1/traces', payload(), headers);
    expect(res.status).toBe(status);
    expect(res.message).toMatch(message);
  });

  it('answers a chunked body over the limit with 413 without reading it all', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${tg.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024);
      let sent = 0;
      const pump = (): void => {
        // Keep sending well past the limit; the server must answer without waiting for the end.
        while (sent < 40 * MAX_BODY) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
  });

  it('answers GET with 405 and unknown paths with 404', async () => {
    expect((await fetch(`${tg.otlpHttpUrl}/v1/traces`)).status).toBe(405);
    expect((await post('/v1/profiles', goodBody(), { 'content-type': 'application/x-protobuf' })).status).toBe(404);
  });

  it('answers the error in the request encoding: JSON Status for JSON, protobuf Status for protobuf', async () => {
    const json = await post('/v1/logs', '{', { 'content-type': 'application/json' });
    expect(JSON.parse(json.text)).toMatchObject({ code: 3, message: expect.stringMatching(/invalid JSON/) });
    const proto = await post('/v1/logs', new Uint8Array([0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
  });
});

describe('OTLP/gRPC bad input', () => {
  it('answers a malformed message with INVALID_ARGUMENT and the reason', async () => {
    const client = new grpc.Client(`127.0.0.1:${tg.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff, 0xff]),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/malformed protobuf/);
  });
});

describe('after all of that', () => {
  it('is still healthy and stores a good export', async () => {
    const health = await fetch(`${tg.apiUrl}/healthz`);
    expect(health.status).toBe(200);
    const res = await post('/v1/traces', goodBody('cfg-after'), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    expect(await countRows(tg, 'otel_traces', `ConfigHash = 'cfg-after'`)).toBe(10);
    expect(await countRows(tg, 'otel_traces', `ConfigHash = 'cfg-good'`)).toBe(0);
  });

  it('counts each refusal by reason in /metrics', async () => {
    const metrics = await (await fetch(`${tg.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/tollgate_ingest_requests_total\{signal="traces",transport="http",outcome="too_large"\} [1-9]/);
    expect(metrics).toMatch(/tollgate_ingest_requests_total\{signal="traces",transport="http",outcome="unsupported"\} [1-9]/);
    expect(metrics).toMatch(/tollgate_ingest_requests_total\{signal="traces",transport="grpc",outcome="invalid"\} 1/);
  });
});
