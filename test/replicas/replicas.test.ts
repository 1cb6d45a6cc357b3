/**
 * Two real Tollgate processes on one ClickHouse (the test server, server mode), with a real
 * Alertmanager whose webhook receiver counts notifications: one process holds the evaluator lease;
 * alerts are notified once, none twice and none lost across a SIGKILL of the holder; the other
 * process takes over within two lease periods; and either process gives the same answer for
 * /v1/slos, a gate call and a PromQL query, and reads a gate decision the other stored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { startClickHouseHttpServer, type ClickHouseHttpServer } from '../helpers/clickhouse-http/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { spawnTollgate, tempDir, testEnv, type ChildTollgate } from '../helpers/tollgate.js';

const LEASE_SECONDS = 3;
const DATABASE = 'replicas';
const SLOS = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: orders-availability, labels: {team: orders}}
spec: {service: orders, objective: 99.9, period: 30d, sli: {spans: {bad: {status: error}}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: payments-availability, labels: {team: payments}}
spec: {service: payments, objective: 99.9, period: 30d, sli: {spans: {bad: {status: error}}}}
---
apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: orders-prod}
spec:
  app: orders
  environment: prod
  slos: [orders-availability]
  min_budget_remaining: 15%
  max_burn_rate: 2.5
`;
/** The four burn-rate alerts of a 30-day SLO, all of which a 5 % error rate fires. */
const WINDOWS = ['5m/1h', '30m/6h', '2h/1d', '6h/3d'];

interface Notification { status: string; alerts: Array<{ status: string; labels: Record<string, string> }> }

let dir: string;
let ch: ClickHouseHttpServer;
let am: RunningAlertmanager;
let hook: Server;
const notifications: Notification[] = [];
let sloDir: string;
let db: ClickHouseClient;
const replicas: Record<'a' | 'b', ChildTollgate | undefined> = { a: undefined, b: undefined };

const api = (t: ChildTollgate): string => `http://127.0.0.1:${t.ports.http}`;
const otlp = (t: ChildTollgate): string => `http://127.0.0.1:${t.ports.otlpHttp}`;

function start(name: 'a' | 'b'): Promise<ChildTollgate> {
  return spawnTollgate(testEnv(path.join(dir, name), {
    CLICKHOUSE_URL: ch.url,
    CLICKHOUSE_DATABASE: DATABASE,
    TOLLGATE_SLO_DIR: sloDir,
    TOLLGATE_ALERTMANAGER_URL: am.baseUrl,
    TOLLGATE_INSTANCE_ID: `replica-${name}`,
    TOLLGATE_LEASE_SECONDS: String(LEASE_SECONDS),
    TOLLGATE_EVALUATION_INTERVAL_MS: '1000',
    TOLLGATE_RECORD_INTERVAL_MS: '500',
    TOLLGATE_QUERY_WORKERS: '1',
  }));
}

beforeAll(async () => {
  dir = tempDir('tollgate-replicas-');
  sloDir = path.join(dir, 'slos');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'slos.yaml'), SLOS);
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      notifications.push(JSON.parse(body) as Notification);
      res.end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  // Every alert its own group, notified at once, never repeated within the test: each notification is one alert's change.
  am = await startAlertmanager({
    config: `route:\n  receiver: hook\n  group_by: ['...']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n` +
      `receivers:\n  - name: hook\n    webhook_configs:\n      - url: ${hookUrl}\n        send_resolved: true\n`,
  });
  ch = await startClickHouseHttpServer({ dataDir: path.join(dir, 'clickhouse') });
  // One after the other, as a rolling deploy starts them (the lease's own race is test/lease).
  replicas.a = await start('a');
  replicas.b = await start('b');
  db = createClient({ url: ch.url, database: DATABASE, log: { level: ClickHouseLogLevel.OFF } });
}, 180_000);

afterAll(async () => {
  await db?.close();
  for (const t of [replicas.a, replicas.b]) {
    if (t === undefined || t.child.exitCode !== null || t.child.signalCode !== null) continue;
    t.child.kill('SIGTERM');
    await t.exited;
  }
  await am?.stop();
  await ch?.stop();
  await new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last === undefined ? '' : ` (${String(last)})`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

interface Health { lease: { holder: string | null; is_holder: boolean; role: string; instance: string } }
const health = (t: ChildTollgate): Promise<Health> => getJson<Health>(`${api(t)}/healthz`);

/** Which replica holds the lease, once both agree on it. */
async function holderAndFollower(): Promise<{ holder: ChildTollgate; follower: ChildTollgate }> {
  return eventually('both replicas name one holder', async () => {
    const [ha, hb] = await Promise.all([health(replicas.a!), health(replicas.b!)]);
    if (ha.lease.holder === null || ha.lease.holder !== hb.lease.holder || ha.lease.is_holder === hb.lease.is_holder) return undefined;
    return ha.lease.is_holder ? { holder: replicas.a!, follower: replicas.b! } : { holder: replicas.b!, follower: replicas.a! };
  });
}

/** Firing/resolved notifications by alert: `<slo> <short>/<long> <status>`. */
const notified = (): string[] =>
  notifications.flatMap((n) => n.alerts.map((a) => `${a.labels['slo']} ${a.labels['short_window']}/${a.labels['long_window']} ${a.status}`)).sort();
const firingOf = (service: string): string[] => WINDOWS.map((w) => `${service}-availability ${w} firing`);

async function storedTransitions(): Promise<string[]> {
  const rs = await db.query({ query: `SELECT AlertKey, Transition FROM tollgate_alert_events ORDER BY AlertKey, EventTime`, format: 'JSONEachRow' });
  return (await rs.json<{ AlertKey: string; Transition: string }>()).map((r) => `${r.AlertKey} ${r.Transition}`);
}

/** Spans in the two whole minutes before the current one, so every replica reads them as closed, recorded minutes. */
async function sendBurning(service: string, via: ChildTollgate[]): Promise<void> {
  const minuteStart = Math.floor(Date.now() / 60_000) * 60_000;
  const total = 2_000;
  const perReplica = total / via.length;
  await Promise.all(via.map((t, k) => sendSpans(otlp(t), { service, configHash: 'cfg-1', environment: 'prod' },
    spread(perReplica, minuteStart - 120_000 + k, minuteStart - 1, (i) => ({ error: i % 20 === 0 })))));
}

const stableSlos = async (t: ChildTollgate): Promise<unknown> => (await getJson<{ slos: unknown[] }>(`${api(t)}/v1/slos`)).slos;

describe('two Tollgate processes on one store', () => {
  it('elect one evaluator, which both name in /healthz and /metrics', async () => {
    const { holder, follower } = await holderAndFollower();
    const [h, f] = await Promise.all([health(holder), health(follower)]);
    expect(h.lease).toMatchObject({ role: 'holder', is_holder: true, holder: h.lease.instance });
    expect(f.lease).toMatchObject({ role: 'follower', is_holder: false, holder: h.lease.instance });
    const [hm, fm] = await Promise.all([holder, follower].map(async (t) => (await fetch(`${api(t)}/metrics`)).text()));
    expect(hm).toContain('\ntollgate_lease_is_holder 1\n');
    expect(fm).toContain('\ntollgate_lease_is_holder 0\n');
    for (const text of [hm, fm]) expect(text).toContain(`\ntollgate_lease_holder{holder="${h.lease.instance}"} 1\n`);
  });

  it('notify each alert once, though both ingest the burning traffic', async () => {
    await sendBurning('orders', [replicas.a!, replicas.b!]);
    await eventually('every orders alert notified', async () => (firingOf('orders').every((k) => notified().includes(k)) ? true : undefined));
    // Several more evaluations and group intervals: nothing more may arrive.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(notified()).toEqual(firingOf('orders').sort());
    expect(await storedTransitions()).toEqual(WINDOWS.map((w) => `orders-availability/${w.startsWith('5m') || w.startsWith('30m') ? 'page' : 'ticket'}/${w} fired`).sort());
  });

  it('answer /v1/slos, a gate call and a PromQL query the same from either process once the follower has caught up', async () => {
    const { holder, follower } = await holderAndFollower();
    const slos = await eventually('the follower has the recorded minutes', async () => {
      const [h, f] = await Promise.all([stableSlos(holder), stableSlos(follower)]);
      return JSON.stringify(h) === JSON.stringify(f) ? h : undefined;
    });
    expect(slos).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'orders-availability', total_events: 2_000, alerts_firing: 4 })]));

    const ask = async (t: ChildTollgate) => {
      const res = await fetch(`${api(t)}/v1/gate`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app: 'orders', environment: 'prod', service: 'orders', config_hash: 'cfg-1', revision: 'r1' }),
      });
      const a = (await res.json()) as { decision: string; summary: string; reasons: string[]; checks: unknown[]; decision_id: string };
      return { status: res.status, decision: a.decision, summary: a.summary, reasons: a.reasons, checks: a.checks, id: a.decision_id };
    };
    const [fromHolder, fromFollower] = [await ask(holder), await ask(follower)];
    expect(fromHolder.decision).toBe('deny');
    expect({ ...fromFollower, id: '' }).toEqual({ ...fromHolder, id: '' });

    const at = (Math.floor(Date.now() / 60_000) * 60_000 - 61_000) / 1000;
    const promql = async (t: ChildTollgate) =>
      getJson<{ data: { result: unknown[] } }>(`${api(t)}/api/v1/query?query=${encodeURIComponent('slo:sli_error:ratio_rate5m{sloth_service="orders"}')}&time=${at}`);
    const [ph, pf] = await Promise.all([promql(holder), promql(follower)]);
    expect(ph.data.result).toHaveLength(1);
    expect(pf).toEqual(ph);
  });

  it('read a gate decision stored by the other process', async () => {
    const { holder, follower } = await holderAndFollower();
    const res = await fetch(`${api(follower)}/v1/gate`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: 'orders', environment: 'prod', service: 'orders', config_hash: 'cfg-1', revision: 'r2' }),
    });
    const made = (await res.json()) as { decision_id: string; decision: string };
    const read = await eventually('the decision reaches the other process', async () => {
      const r = await fetch(`${api(holder)}/v1/gate/decisions/${made.decision_id}`);
      return r.status === 200 ? ((await r.json()) as { decision_id?: string; decision?: string; request?: { revision?: string } }) : undefined;
    });
    expect(read).toMatchObject({ decision_id: made.decision_id, decision: made.decision });
  });

  it('hand the lease over within two lease periods after the holder is killed, losing and repeating no alert', async () => {
    const { holder, follower } = await holderAndFollower();
    const killedAt = performance.now();
    holder.child.kill('SIGKILL');
    await holder.exited;
    await eventually('the follower holds the lease', async () => ((await health(follower)).lease.is_holder ? true : undefined), 4 * LEASE_SECONDS * 1000);
    const handoverMs = performance.now() - killedAt;
    console.log(`lease handover after SIGKILL: ${Math.round(handoverMs)} ms (lease ${LEASE_SECONDS} s)`);
    expect(handoverMs).toBeLessThan(2 * LEASE_SECONDS * 1000);

    // A transition after the handover is the new holder's to notify, and the orders alerts stay
    // firing in Alertmanager (resent by the new holder) without a second notification.
    await sendBurning('payments', [follower]);
    await eventually('every payments alert notified', async () => (firingOf('payments').every((k) => notified().includes(k)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 4_000));
    expect(notified()).toEqual([...firingOf('orders'), ...firingOf('payments')].sort());
    const active = await am.alerts('?active=true');
    expect(active.filter((a) => a.labels['slo'] === 'orders-availability')).toHaveLength(4);
    expect((await storedTransitions()).filter((t) => t.endsWith(' fired'))).toHaveLength(8);
    expect(await storedTransitions()).toHaveLength(8);
  });
});
