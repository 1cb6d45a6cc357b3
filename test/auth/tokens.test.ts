/**
 * Tokens with scopes: ingest needs an `ingest` token on HTTP and gRPC once tokens are configured,
 * and without tokens Tollgate refuses to listen beyond loopback.
 */
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, hashToken, loadTokens, TokensConfigError } from '../../src/auth/index.js';
import { body, countRows, spawnTollgate, startInProcess, tempDir, testEnv, type InProcessTollgate } from '../helpers/tollgate.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';

const INGEST_TOKEN = 'ingest-secret-1';
const GATE_TOKEN = 'gate-secret-2';
const TOKENS = JSON.stringify({
  tokens: [
    { name: 'collector', sha256: hashToken(INGEST_TOKEN), scopes: ['ingest'] },
    { name: 'argo-cd', sha256: hashToken(GATE_TOKEN), scopes: ['gate'] },
  ],
});

describe('the token verifier', () => {
  const verifier = loadTokens({ file: undefined, inline: TOKENS });
  it.each([
    ['no header', undefined, 'ingest', { ok: false, status: 401 }],
    ['a malformed header', 'Basic abc', 'ingest', { ok: false, status: 401 }],
    ['an unknown token', 'Bearer nope', 'ingest', { ok: false, status: 401 }],
    ['a token without the scope', `Bearer ${GATE_TOKEN}`, 'ingest', { ok: false, status: 403 }],
    ['a token with the scope', `Bearer ${INGEST_TOKEN}`, 'ingest', { ok: true, tokenName: 'collector' }],
  ] as const)('answers %s', (_name, header, scope, expected) => {
    expect(verifier.check(header, scope)).toMatchObject(expected);
  });

  it('lets admin tokens act in every scope', () => {
    const admin = createTokenVerifier([{ name: 'root', hash: Buffer.from(hashToken('x'), 'hex'), scopes: new Set(['admin'] as const) }]);
    expect(admin.check('Bearer x', 'gate')).toEqual({ ok: true, tokenName: 'root' });
  });

  it('rejects a tokens file with a plain-text secret, naming the field', () => {
    expect(() => loadTokens({ file: undefined, inline: '{"tokens":[{"name":"a","sha256":"secret","scopes":["ingest"]}]}' })).toThrow(TokensConfigError);
    expect(() => loadTokens({ file: undefined, inline: '{"tokens":[{"name":"a","sha256":"secret","scopes":["ingest"]}]}' })).toThrow(/tokens\.0\.sha256: sha256 must be 64 lowercase hex/);
  });
});

describe('ingest with tokens configured', () => {
  let tg: InProcessTollgate;
  beforeAll(async () => {
    tg = await startInProcess({ TOLLGATE_TOKENS: TOKENS });
  });
  afterAll(async () => {
    await tg?.cleanup();
  });
  const payload = () => ProtobufTraceSerializer.serializeRequest(makeSpans(2, demoResource({ config_hash: 'cfg-auth' })))!;
  const post = (auth?: string) =>
    fetch(`${tg.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      body: body(payload()),
      headers: { 'content-type': 'application/x-protobuf', ...(auth === undefined ? {} : { authorization: auth }) },
    });

  it('answers HTTP 401 without a token and 403 with a token of another scope, storing nothing', async () => {
    expect((await post()).status).toBe(401);
    expect((await post(`Bearer ${GATE_TOKEN}`)).status).toBe(403);
    expect(await countRows(tg, 'otel_traces', `ConfigHash = 'cfg-auth'`)).toBe(0);
  });

  it('stores an HTTP export with an ingest token', async () => {
    expect((await post(`Bearer ${INGEST_TOKEN}`)).status).toBe(200);
    expect(await countRows(tg, 'otel_traces', `ConfigHash = 'cfg-auth'`)).toBe(4);
  });

  it('answers gRPC UNAUTHENTICATED without a token and OK with one in the authorization metadata', async () => {
    const client = new grpc.Client(`127.0.0.1:${tg.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    const call = (metadata: grpc.Metadata) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(payload()), metadata, (e) => resolve(e)),
      );
    expect((await call(new grpc.Metadata()))?.code).toBe(grpc.status.UNAUTHENTICATED);
    const withToken = new grpc.Metadata();
    withToken.set('authorization', `Bearer ${INGEST_TOKEN}`);
    expect(await call(withToken)).toBeNull();
    client.close();
  });
});

describe('start-up without tokens', () => {
  it('refuses to listen on a non-loopback address, in one line naming the variable', async () => {
    const dataDir = tempDir();
    try {
      await expect(spawnTollgate(testEnv(dataDir, { TOLLGATE_LISTEN_HOST: '0.0.0.0' }))).rejects.toThrow(
        /exited \(code 2[^]*TOLLGATE_LISTEN_HOST=0\.0\.0\.0: refusing to listen beyond loopback without tokens/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
