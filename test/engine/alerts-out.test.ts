/**
 * Alerts leave Tollgate: evaluating on its own schedule, it sends a page for a fast burn to a real
 * Alertmanager, and serves the same alert at Prometheus-shaped /api/v1/alerts and /api/v1/rules.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const SLO = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: orders-availability, labels: {team: orders}}
spec:
  service: orders
  objective: 99.9
  period: 30d
  sli: {spans: {bad: {status: error}}}
`;

let am: RunningAlertmanager;
let tg: InProcessTollgate;
let sloDir: string;
beforeAll(async () => {
  am = await startAlertmanager();
  sloDir = tempDir('tollgate-am-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'orders.yaml'), SLO);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_ALERTMANAGER_URL: am.baseUrl, TOLLGATE_EVALUATION_INTERVAL_MS: '300' });
  // The last two minutes: 5 % of 2,000 requests fail, a burn rate of 50 in the 5m and 1h windows.
  const now = Date.now();
  await sendSpans(tg.otlpHttpUrl, { service: 'orders' }, spread(2_000, now - 2 * 60_000, now - 1_000, (i) => ({ error: i % 20 === 0 })));
});
afterAll(async () => {
  await tg?.cleanup();
  await am?.stop();
  rmSync(sloDir, { recursive: true, force: true });
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('alerts out of Tollgate', () => {
  it('reaches Alertmanager with the labels routing and inhibition use', async () => {
    const page = await eventually(async () => (await am.alerts('?active=true')).find((a) => a.labels['severity'] === 'page' && a.labels['short_window'] === '5m'));
    expect(page.labels).toEqual({
      alertname: 'TollgateSLOBurnRate', severity: 'page', slo: 'orders-availability', service: 'orders',
      long_window: '1h', short_window: '5m', burn_factor: '14.4', team: 'orders',
    });
    expect(page.status.state).toBe('active');
    expect(new Date(page.endsAt).getTime()).toBeGreaterThan(Date.now());
  });

  it('names the top cause of the bad events over the long window, with a link to the causes', async () => {
    const page = await eventually(async () => (await am.alerts('?active=true'))
      .find((a) => a.labels['short_window'] === '5m' && a.annotations['top_cause'] !== undefined));
    // Every bad event is a failed POST /charge span with the status message "failed"; nothing a week earlier to compare with.
    expect(page.annotations['top_cause']).toBe('failed in POST /charge (100 % of its bad events over 1h)');
    const link = new URL(page.annotations['attribution_url']!);
    expect(link.pathname).toBe('/slos/orders-availability');
    expect(link.hash).toBe('#attribution');
    expect(Date.parse(link.searchParams.get('to')!) - Date.parse(link.searchParams.get('from')!)).toBe(3_600_000);
  });

  it('serves the firing alert at /api/v1/alerts and every rule at /api/v1/rules', async () => {
    const alerts = (await (await fetch(`${tg.apiUrl}/api/v1/alerts`)).json()) as { status: string; data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    expect(alerts.status).toBe('success');
    expect(alerts.data.alerts.some((a) => a.labels['short_window'] === '5m' && a.state === 'firing')).toBe(true);
    const rules = (await (await fetch(`${tg.apiUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: Array<{ type: string; state: string; labels: Record<string, string> }> }> } };
    const group = rules.data.groups.find((g) => g.name.includes('orders-availability'));
    expect(group?.rules).toHaveLength(4);
    expect(group?.rules.every((r) => r.type === 'alerting')).toBe(true);
    expect(group?.rules.find((r) => r.labels['short_window'] === '5m')?.state).toBe('firing');
  });
});
