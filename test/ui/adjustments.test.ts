/**
 * Budget adjustments on the SLO page, in Debian's chromium: the excluded minutes are shaded on both
 * charts and the adjustments are listed with what they leave out, with no error in the page.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSpans } from '../helpers/exported-spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';
import { launchChromium, load, newPage, screenshot } from './browser.js';

const MIN = 60_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;
const OUTAGE_FROM = NOW - 150 * MIN;
const OUTAGE_TO = NOW - 120 * MIN;

let tg: InProcessTollgate;
let sloDir: string;
let browser: Browser;

beforeAll(async () => {
  sloDir = tempDir('tollgate-ui-adjustments-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'cart.yaml'), `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: cart-availability}
spec:
  service: cart
  objective: 99
  period: 7d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: cart-outage}
spec:
  slos: [cart-availability]
  reason: payment provider outage
  exclude: {from: "${new Date(OUTAGE_FROM).toISOString()}", to: "${new Date(OUTAGE_TO).toISOString()}"}
`);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  // Five hours, 20 requests a minute, 1 % failing; every request of the outage fails.
  await exportSpans(tg.otlpHttpUrl, { service: 'cart', configHash: 'cart-1' }, Array.from({ length: 300 * 20 }, (_, i) => {
    const startMs = NOW - 300 * MIN + i * 3_000;
    return { startMs, error: (startMs >= OUTAGE_FROM && startMs < OUTAGE_TO) || i % 100 === 0 };
  }));
  await tg.engine!.recordNow({ backfill: true });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

describe('the SLO page with a budget adjustment', () => {
  it('shades the excluded minutes on both charts and lists the adjustment with what it leaves out', async () => {
    const { page, errors } = await newPage(browser);
    await load(page, `${tg.apiUrl}/slos/cart-availability`);
    await page.waitForSelector('figure.chart[data-rendered="true"]');
    expect(await page.locator('figure.chart').evaluateAll((figures) => figures.map((f) => (f as HTMLElement).dataset['bands']))).toEqual(['1', '1']);
    const row = await page.locator('table.adjustments tbody tr').first().locator('td').allInnerTexts();
    expect(row).toEqual(['cart-outage', 'payment provider outage', `from ${new Date(OUTAGE_FROM).toISOString()} to ${new Date(OUTAGE_TO).toISOString()}`, '600', '600']);
    await screenshot(page, 'slo-detail-adjustment');
    expect(errors).toEqual([]);
  });
});
