import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alertmanagerEndpoint,
  AlertmanagerUrlError,
  createAlertmanagerNotifier,
  toAlertmanagerAlerts,
  type WarnLogger,
} from '../../src/alerts/index.js';
import { checkoutFastPage, NOW_MS } from './fixtures.js';

const alerts = () => toAlertmanagerAlerts([checkoutFastPage()], { nowMs: NOW_MS, resendIntervalMs: 60_000, tollgateUrl: 'http://tollgate' });

/** Keeps what was logged, so tests can check that a failure is logged once and carries no credentials. */
function recordingLog(): WarnLogger & { entries: Array<{ obj: Record<string, unknown>; msg: string }> } {
  const entries: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { entries, warn: (obj, msg) => void entries.push({ obj, msg }) };
}

interface Received {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** A real HTTP server on a free loopback port; `handle` answers each request. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, received: Received) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const r: Received = { method: req.method, url: req.url, authorization: req.headers.authorization, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
      received.push(r);
      handle(req, res, r);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }; // listen() on a port gives an AddressInfo
}

/** A port that was free a moment ago and has nothing listening. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // as above
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('createAlertmanagerNotifier', () => {
  it('posts the alerts as JSON to /api/v2/alerts and answers sent', async () => {
    const am = await serve((_req, res) => res.writeHead(200).end());
    const log = recordingLog();
    const outcome = await createAlertmanagerNotifier({ url: am.url, log }).send(alerts());
    expect(outcome).toEqual({ status: 'sent', alertCount: 1 });
    expect(am.received).toEqual([{ method: 'POST', url: '/api/v2/alerts', authorization: undefined, body: alerts() }]);
    expect(log.entries).toEqual([]);
  });

  it('joins the path the same way whether or not the base URL ends in a slash', async () => {
    const am = await serve((_req, res) => res.writeHead(200).end());
    await createAlertmanagerNotifier({ url: `${am.url}/prefix/`, log: recordingLog() }).send(alerts());
    await createAlertmanagerNotifier({ url: `${am.url}/prefix`, log: recordingLog() }).send(alerts());
    expect(am.received.map((r) => r.url)).toEqual(['/prefix/api/v2/alerts', '/prefix/api/v2/alerts']);
  });

  it('answers failed, and logs it, when nothing listens on the URL', async () => {
    const url = await closedPortUrl();
    const log = recordingLog();
    const outcome = await createAlertmanagerNotifier({ url, log }).send(alerts());
    expect(outcome).toEqual({ status: 'failed', reason: expect.stringMatching(/^cannot reach Alertmanager: .*ECONNREFUSED/) });
    expect(log.entries).toEqual([
      { obj: { url: `${url}/api/v2/alerts`, alertCount: 1, reason: outcome.status === 'failed' ? outcome.reason : '' }, msg: 'sending alerts to Alertmanager failed' },
    ]);
  });

  it('answers failed within the timeout when the server never answers', async () => {
    const am = await serve(() => {}); // holds the request open
    const started = performance.now();
    const outcome = await createAlertmanagerNotifier({ url: am.url, timeoutMs: 200, log: recordingLog() }).send(alerts());
    expect(outcome).toEqual({ status: 'failed', reason: 'no answer from Alertmanager within 200 ms' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('answers failed within the timeout when the server sends headers and then stalls', async () => {
    const am = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('partial');
    });
    const outcome = await createAlertmanagerNotifier({ url: am.url, timeoutMs: 200, log: recordingLog() }).send(alerts());
    expect(outcome).toEqual({ status: 'failed', reason: 'no answer from Alertmanager within 200 ms' });
  });

  it("answers failed with Alertmanager's own words when it rejects the alerts", async () => {
    const am = await serve((_req, res) => res.writeHead(400, { 'Content-Type': 'application/json' }).end('"invalid label set: invalid name \\"a.b\\""\n'));
    const outcome = await createAlertmanagerNotifier({ url: am.url, log: recordingLog() }).send(alerts());
    expect(outcome).toEqual({ status: 'failed', reason: 'Alertmanager answered 400: "invalid label set: invalid name \\"a.b\\""' });
  });

  it('answers failed instead of throwing when the fetch implementation throws something odd', async () => {
    const fetchImpl = () => Promise.reject(new Error('boom'));
    const outcome = await createAlertmanagerNotifier({ url: 'http://am:9093', fetchImpl, log: recordingLog() }).send(alerts());
    expect(outcome).toEqual({ status: 'failed', reason: 'cannot reach Alertmanager: boom' });
  });

  it('sends credentials from the URL as Basic auth and never logs them', async () => {
    const am = await serve((_req, res) => res.writeHead(503).end());
    const log = recordingLog();
    const url = am.url.replace('http://', 'http://tollgate:s%3Acret@');
    await createAlertmanagerNotifier({ url, log }).send(alerts());
    expect(am.received[0]?.authorization).toBe(`Basic ${Buffer.from('tollgate:s:cret').toString('base64')}`);
    expect(JSON.stringify(log.entries)).not.toContain('cret');
    expect(log.entries[0]?.obj['reason']).toBe('Alertmanager answered 503');
  });

  it('makes no request for an empty batch', async () => {
    const am = await serve((_req, res) => res.writeHead(200).end());
    const outcome = await createAlertmanagerNotifier({ url: am.url, log: recordingLog() }).send([]);
    expect(outcome).toEqual({ status: 'sent', alertCount: 0 });
    expect(am.received).toEqual([]);
  });
});

describe('alertmanagerEndpoint', () => {
  it.each([
    ['http://am:9093', 'http://am:9093/api/v2/alerts'],
    ['http://am:9093/', 'http://am:9093/api/v2/alerts'],
    ['https://am.example.com/alertmanager', 'https://am.example.com/alertmanager/api/v2/alerts'],
    ['https://am.example.com/alertmanager//', 'https://am.example.com/alertmanager/api/v2/alerts'],
  ])('sends alerts for base URL %s to %s', (base, alertsUrl) => {
    expect(alertmanagerEndpoint(base)).toEqual({ alertsUrl, authorization: undefined });
  });

  it.each([
    ['am:9093', 'scheme am: is not http: or https:'],
    ['not a url', 'not a URL; expected e.g. http://alertmanager:9093'],
    ['http://am:9093/?x=1', 'must not have a query or fragment'],
  ])('refuses %s: %s', (base, problem) => {
    expect(() => alertmanagerEndpoint(base)).toThrow(new AlertmanagerUrlError(base, problem));
  });

  it('throws a named error that says which URL is wrong', () => {
    expect(() => createAlertmanagerNotifier({ url: 'ftp://am', log: recordingLog() })).toThrow(
      expect.objectContaining({ name: 'AlertmanagerUrlError', message: 'Alertmanager URL "ftp://am": scheme ftp: is not http: or https:' }),
    );
  });
});
