/**
 * Errors from the API, as clients read them: every route answers JSON with a request id; an
 * unexpected exception is a 500 logged with the same id; store errors reach Prometheus API clients
 * with Prometheus' error types; the form limit holds while the body is read. Real parts: the app
 * and its routes, chDB, a ClickHouse HTTP server, sockets.
 */
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../src/api/index.js';
import { BadDataError } from '../../src/api/prom-params.js';
import { PromqlError } from '../../src/promql/index.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

/** A pino logger writing its JSON lines into `lines`. */
function capturingLogger(lines: Array<Record<string, unknown>>) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

describe('the API app', () => {
  const logged: Array<Record<string, unknown>> = [];
  const app = createApiApp({ health: { checks: () => ({ store: true }) }, registry: new Registry(), log: capturingLogger(logged) });
  const routes = new Hono();
  routes.get('/v1/boom', () => {
    throw new Error('the disk caught fire at /var/lib/secret');
  });
  routes.get('/v1/bad', () => {
    throw new BadDataError('start must be before end');
  });
  routes.get('/v1/slow', () => {
    throw new PromqlError('timeout', 'query timed out in expression evaluation');
  });
  app.route('/', routes);

  it('answers an unexpected exception as a JSON 500 with the request id in header and body, and logs it with that id', async () => {
    const res = await app.request('/v1/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'error', errorType: 'internal', request_id: id });
    expect(String(body['error'])).toContain(id);
    // The client learns nothing of the cause; the log has all of it.
    expect(String(body['error'])).not.toContain('disk');
    const line = logged.find((l) => l['requestId'] === id);
    expect(line).toMatchObject({ level: 50, msg: 'request failed', path: '/v1/boom' });
    expect(JSON.stringify(line?.['err'])).toContain('the disk caught fire');
  });

  it.each([
    ['/v1/bad', 400, 'bad_data', /start must be before end/],
    ['/v1/slow', 503, 'unavailable', /timed out/],
    ['/v1/nowhere', 404, undefined, /no route for GET \/v1\/nowhere/],
  ] as const)('answers %s with %i as JSON with its reason', async (path, status, errorType, message) => {
    const res = await app.request(path);
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(String(body['error'])).toMatch(message);
    if (errorType !== undefined) expect(body['errorType']).toBe(errorType);
    expect(body['request_id']).toBe(res.headers.get('x-request-id'));
  });
});

describe('the Prometheus API on the embedded store', () => {
  let tg: InProcessTollgate;
  beforeAll(async () => {
    tg = await startInProcess();
  });
  afterAll(async () => {
    await tg?.cleanup();
  });

  it("answers a regex the store cannot compile as bad_data (400), with the store's reason", async () => {
    // Go's regexp (and re2js) accept it; ClickHouse's RE2 refuses it as too large.
    const query = 'traces_span_metrics_calls_total{service_name=~"\\\\pL{1000}"}';
    const res = await fetch(`${tg.apiUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await res.json()) as { status: string; errorType: string; error: string };
    expect(res.status).toBe(400);
    expect(body).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(body.error).toMatch(/the store refused the query: .*pattern too large/);
  });

  it('refuses a chunked form body past 256 KiB while reading it, not after', async () => {
    const started = performance.now();
    const answer = await new Promise<{ status: number; body: string; sentBytes: number }>((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = httpRequest(`${tg.apiUrl}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sentBytes: sent }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        // Up to 200 MB unless answered first: reading it all would take seconds and the memory with it.
        while (!answered && sent < 200 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      req.write('query=');
      pump();
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'error', errorType: 'bad_data', error: 'request body larger than 262144 bytes' });
    expect(answer.sentBytes).toBeLessThan(64 * 1024 * 1024);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('answers a route whose table is gone with 503 naming the store, as JSON with the request id', async () => {
    await tg.store.command('DETACH TABLE tollgate_gate_decisions');
    try {
      const res = await fetch(`${tg.apiUrl}/v1/gate/decisions/nope`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ errorType: 'unavailable', error: 'the store is unavailable; retry later', request_id: res.headers.get('x-request-id') });
    } finally {
      await tg.store.command('ATTACH TABLE tollgate_gate_decisions');
    }
  });
});

describe('a ClickHouse server that turns slow, then goes away', () => {
  let ch: ClickHouseHttpServer;
  let tg: InProcessTollgate;
  beforeAll(async () => {
    ch = await startClickHouseHttpServer({ dataDir: tempDir('tollgate-ch-') });
    tg = await startInProcess({ CLICKHOUSE_URL: ch.url });
  });
  afterAll(async () => {
    await ch?.setRefuse(false).catch(() => undefined);
    await ch?.setDelayMs(0).catch(() => undefined);
    await tg?.cleanup();
    await ch?.stop();
  });

  it('answers /healthz at once while every statement waits seconds for the store', async () => {
    await ch.setDelayMs(3_000);
    try {
      // Statements queue behind each other now; liveness must not join the queue.
      const slow = fetch(`${tg.apiUrl}/api/v1/query?query=up`).then((r) => r.arrayBuffer());
      const started = performance.now();
      const res = await fetch(`${tg.apiUrl}/healthz`);
      expect(performance.now() - started).toBeLessThan(500);
      expect(res.status).toBe(200);
      await slow;
    } finally {
      await ch.setDelayMs(0);
    }
  });

  it('answers the Prometheus API with unavailable (503), not execution (422), and /healthz with 503 once the store stopped answering its ping', async () => {
    await ch.setRefuse(true);
    try {
      const res = await fetch(`${tg.apiUrl}/api/v1/query?query=${encodeURIComponent('sum(rate(http_server_requests_total[5m]))')}`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'error', errorType: 'unavailable', error: 'the store is unavailable; retry later' });
      // The background ping runs every 5 s.
      let health: { status: number; body: unknown } = { status: 0, body: undefined };
      for (let i = 0; i < 40 && health.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const h = await fetch(`${tg.apiUrl}/healthz`);
        health = { status: h.status, body: await h.json() };
      }
      expect(health).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { store: false } } });
    } finally {
      await ch.setRefuse(false);
    }
  });
});
