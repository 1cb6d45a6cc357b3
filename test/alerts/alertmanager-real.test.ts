/**
 * Against a real Alertmanager (Debian's prometheus-alertmanager, 0.25 when written): it validates label names and
 * times itself, so this checks what unit tests can only assume. Resolved alerts (endsAt in the past) vanish from
 * `GET /api/v2/alerts` whatever its filters; the received-alerts counter shows they arrived as resolved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertKey,
  createAlertmanagerNotifier,
  toAlertmanagerAlerts,
  type AlertInstance,
  type AlertmanagerNotifier,
  type WarnLogger,
} from '../../src/alerts/index.js';
import { startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { checkoutFastPage, checkoutFastPageLabels } from './fixtures.js';

const failures: Array<{ obj: Record<string, unknown>; msg: string }> = [];
const log: WarnLogger = { warn: (obj, msg) => void failures.push({ obj, msg }) };

let am: RunningAlertmanager;
let baseUrl = '';
let notifier: AlertmanagerNotifier;

beforeAll(async () => {
  am = await startAlertmanager();
  baseUrl = am.baseUrl;
  notifier = createAlertmanagerNotifier({ url: `${baseUrl}/`, timeoutMs: 5_000, log });
});

afterAll(async () => {
  await am?.stop();
});

const alertsIn = (query = '') => am.alerts(query);
const receivedTotal = (status: 'firing' | 'resolved') => am.receivedTotal(status);

const slowPage = (): AlertInstance => ({ ...checkoutFastPage(), shortWindow: '30m', longWindow: '6h', burnFactor: 6, sloLabels: { team: 'payments', 'app.kubernetes.io/part-of': 'shop' } });
const body = (instances: AlertInstance[], nowMs: number, justResolved: string[] = []) =>
  toAlertmanagerAlerts(instances, { nowMs, resendIntervalMs: 60_000, tollgateUrl: 'http://tollgate.test', justResolved: new Set(justResolved) });

describe('a real Alertmanager', () => {
  it('accepts firing alerts and lists them as active with our labels and times', async () => {
    const nowMs = Date.now();
    const firing = [{ ...checkoutFastPage(), sinceMs: nowMs - 60_000 }, { ...slowPage(), sinceMs: nowMs - 120_000 }];
    expect(await notifier.send(body(firing, nowMs))).toEqual({ status: 'sent', alertCount: 2 });

    const listed = (await alertsIn('?active=true')).sort((a, b) => (a.labels['short_window'] ?? '').localeCompare(b.labels['short_window'] ?? ''));
    expect(listed.map((a) => ({ labels: a.labels, state: a.status.state, startsAt: a.startsAt, endsAt: a.endsAt, generatorURL: a.generatorURL, receivers: a.receivers }))).toEqual([
      {
        labels: { ...checkoutFastPageLabels(), short_window: '30m', long_window: '6h', burn_factor: '6', app_kubernetes_io_part_of: 'shop' },
        state: 'active',
        startsAt: new Date(nowMs - 120_000).toISOString(),
        endsAt: new Date(nowMs + 240_000).toISOString(),
        generatorURL: 'http://tollgate.test/slos/checkout-availability',
        receivers: [{ name: 'null' }],
      },
      {
        labels: checkoutFastPageLabels(),
        state: 'active',
        startsAt: new Date(nowMs - 60_000).toISOString(),
        endsAt: new Date(nowMs + 240_000).toISOString(),
        generatorURL: 'http://tollgate.test/slos/checkout-availability',
        receivers: [{ name: 'null' }],
      },
    ]);
    expect(failures).toEqual([]);
  });

  it('stops listing an alert once its resolved form is sent, and counts it as resolved', async () => {
    const resolvedBefore = await receivedTotal('resolved');
    const nowMs = Date.now();
    const resolved = { ...checkoutFastPage(), state: 'inactive' as const, sinceMs: nowMs, reason: 'the 5m window burns at 2×, not above 14.4×' };
    const stillFiring = { ...slowPage(), sinceMs: nowMs - 120_000 };
    expect(await notifier.send(body([resolved, stillFiring], nowMs, [alertKey(resolved)]))).toEqual({ status: 'sent', alertCount: 2 });

    // Every filter combination: Alertmanager drops alerts whose endsAt has passed from the list altogether.
    for (const query of ['', '?active=true', '?active=false&silenced=true&inhibited=true&unprocessed=true']) {
      expect((await alertsIn(query)).map((a) => a.labels['short_window'])).toEqual(query.startsWith('?active=false') ? [] : ['30m']);
    }
    expect(await receivedTotal('resolved')).toBe(resolvedBefore + 1);
    expect(failures).toEqual([]);
  });

  it('answers failed with its validation message for an alert it rejects', async () => {
    const alerts = body([checkoutFastPage()], Date.now()).map((a) => ({ ...a, labels: { 'bad.name': 'x' } }));
    const outcome = await notifier.send(alerts);
    expect(outcome).toEqual({ status: 'failed', reason: 'Alertmanager answered 400: "invalid label set: invalid name \\"bad.name\\""' });
    expect(failures.splice(0).map((f) => f.msg)).toEqual(['sending alerts to Alertmanager failed']);
  });
});
