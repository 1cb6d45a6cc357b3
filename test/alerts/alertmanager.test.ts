import { describe, expect, it } from 'vitest';
import { alertKey, alertLabels, toAlertmanagerAlerts, type AlertmanagerBodyOptions } from '../../src/alerts/index.js';
import {
  checkoutFastPage,
  checkoutFastPageAnnotations,
  checkoutFastPageLabels,
  checkoutSlowPage,
  NOW,
  NOW_MS,
  searchTicket,
  TEN_MINUTES_AGO,
} from './fixtures.js';

const MINUTE_MS = 60_000;
const options = (justResolved: string[] = []): AlertmanagerBodyOptions => ({
  nowMs: NOW_MS,
  resendIntervalMs: MINUTE_MS,
  tollgateUrl: 'https://tollgate.example.com',
  justResolved: new Set(justResolved),
});

describe('toAlertmanagerAlerts', () => {
  it('sends a firing alert that expires after four resend intervals unless it is sent again', () => {
    expect(toAlertmanagerAlerts([checkoutFastPage()], options())).toEqual([
      {
        labels: checkoutFastPageLabels(),
        annotations: checkoutFastPageAnnotations(),
        startsAt: TEN_MINUTES_AGO,
        endsAt: '2025-01-15T12:04:00.000Z',
        generatorURL: 'https://tollgate.example.com/slos/checkout-availability',
      },
    ]);
  });

  it('sends an alert that just resolved once, with endsAt now', () => {
    const resolved = { ...checkoutFastPage(), state: 'inactive' as const, sinceMs: NOW_MS, reason: 'the 5m window burns at 3×, not above 14.4×' };
    expect(toAlertmanagerAlerts([resolved], options([alertKey(resolved)]))).toEqual([
      {
        labels: checkoutFastPageLabels(),
        annotations: { ...checkoutFastPageAnnotations(), description: 'the 5m window burns at 3×, not above 14.4×' },
        startsAt: NOW,
        endsAt: NOW,
        generatorURL: 'https://tollgate.example.com/slos/checkout-availability',
      },
    ]);
  });

  it('does not send inactive alerts that were not firing before', () => {
    expect(toAlertmanagerAlerts([checkoutSlowPage(), searchTicket()], options())).toEqual([]);
  });

  it('sends only the firing and the just-resolved alerts of a mixed batch, in input order', () => {
    const body = toAlertmanagerAlerts([checkoutSlowPage(), searchTicket(), checkoutFastPage()], options([alertKey(checkoutSlowPage())]));
    expect(body.map((a) => [a.labels['short_window'], a.endsAt])).toEqual([
      ['30m', NOW],
      ['5m', '2025-01-15T12:04:00.000Z'],
    ]);
  });

  it('keeps a firing alert firing when the engine also lists it as just resolved', () => {
    const [alert] = toAlertmanagerAlerts([checkoutFastPage()], options([alertKey(checkoutFastPage())]));
    expect(alert?.endsAt).toBe('2025-01-15T12:04:00.000Z');
  });

  it('never sends a resolved alert that ends before it starts, which Alertmanager would reject', () => {
    const resolvedLater = { ...checkoutFastPage(), state: 'inactive' as const, sinceMs: NOW_MS + 5_000 };
    const [alert] = toAlertmanagerAlerts([resolvedLater], options([alertKey(resolvedLater)]));
    expect([alert?.startsAt, alert?.endsAt]).toEqual([NOW, NOW]);
  });

  it('starts a firing alert now when the engine gives no start time', () => {
    const [alert] = toAlertmanagerAlerts([{ ...checkoutFastPage(), sinceMs: null }], options());
    expect(alert?.startsAt).toBe(NOW);
  });

  it.each([
    ['https://tollgate.example.com/', 'https://tollgate.example.com/slos/checkout-availability'],
    ['http://10.0.0.1:8080/tollgate', 'http://10.0.0.1:8080/tollgate/slos/checkout-availability'],
    ['http://10.0.0.1:8080/tollgate//', 'http://10.0.0.1:8080/tollgate/slos/checkout-availability'],
  ])('links back from %s as %s', (tollgateUrl, generatorURL) => {
    const [alert] = toAlertmanagerAlerts([checkoutFastPage()], { ...options(), tollgateUrl });
    expect(alert?.generatorURL).toBe(generatorURL);
  });
});

describe('alertKey', () => {
  it('spells keys as the engine does: slo/severity/short/long', () => {
    expect(alertKey(checkoutFastPage())).toBe('checkout-availability/page/5m/1h');
  });
});

describe('alertLabels', () => {
  it('does not let SLO labels override the fixed labels', () => {
    const instance = {
      ...checkoutFastPage(),
      sloLabels: { severity: 'low', alertname: 'Mine', slo: 'other', service: 'x', burn_factor: '1', long_window: 'a', short_window: 'b', team: 'payments' },
    };
    expect(alertLabels(instance)).toEqual(checkoutFastPageLabels());
  });

  it('renames SLO label keys Alertmanager would reject, keeping the fixed labels and the first of two that collide', () => {
    const instance = {
      ...checkoutFastPage(),
      sloLabels: { 'app.kubernetes.io/name': 'shop', app_kubernetes_io_name: 'ignored', '2nd-tier': 'yes', 'slo.': 'kept', '': 'dropped' },
    };
    const { team: _team, ...fixed } = checkoutFastPageLabels();
    expect(alertLabels(instance)).toStrictEqual({
      ...fixed,
      _2nd_tier: 'yes',
      app_kubernetes_io_name: 'shop',
      slo_: 'kept',
    });
  });

  it('writes the burn factor as its decimal text', () => {
    expect(alertLabels({ ...checkoutFastPage(), burnFactor: 13.44 })['burn_factor']).toBe('13.44');
  });
});
