/**
 * The web UI when Tollgate has tokens: the page shells carry no data, the API answers 401, and the
 * page asks once for a token, keeps it in sessionStorage and sends it as a Bearer token; a wrong
 * token is refused and asked for again. (Its own file: chDB allows one data directory per process.)
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/index.js';
import { askGate, playRelease, type GateAnswer } from '../../src/demo/shop.js';
import { startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { launchChromium, load, newPage, screenshot } from './browser.js';

const READ_TOKEN = 'ui-reader-secret';
const DEPLOY_TOKEN = 'deployer-secret';
const TOKENS = JSON.stringify({
  tokens: [
    { name: 'dashboard', sha256: hashToken(READ_TOKEN), scopes: ['read'] },
    { name: 'shop', sha256: hashToken(DEPLOY_TOKEN), scopes: ['ingest', 'gate'] },
  ],
});

let tg: InProcessTollgate;
let browser: Browser;
let decision: GateAnswer;

beforeAll(async () => {
  const [started, launched] = await Promise.all([startInProcess({ TOLLGATE_TOKENS: TOKENS, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' }), launchChromium()]);
  tg = started;
  browser = launched;
  const target = { tollgateUrl: tg.apiUrl, otlpUrl: tg.otlpHttpUrl, token: DEPLOY_TOKEN };
  const now = Date.now();
  await playRelease(target, { service: 'checkout', environment: 'staging', configHash: 'cfg-tokens', fromMs: now - 20 * 60_000, toMs: now - 60_000, requests: 200, failEvery: 0, failure: 'timeout' });
  decision = await askGate(target, 'cfg-tokens');
});
afterAll(async () => {
  await browser?.close();
  await tg?.cleanup();
});

/** Chromium reports each 401 answer as a console error; those are the protocol working, not faults. */
const unexpected = (errors: string[]): string[] => errors.filter((e) => !e.includes('status of 401'));

describe('pages when Tollgate has tokens', () => {
  it('serves page shells without data and refuses the data without a token', async () => {
    const shell = await fetch(`${tg.apiUrl}/`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).not.toContain('checkout-availability');
    expect((await fetch(`${tg.apiUrl}/v1/slos`)).status).toBe(401);
    expect((await fetch(`${tg.apiUrl}/ui/api/decisions`)).status).toBe(401);
    expect((await fetch(`${tg.apiUrl}/ui/api/slos/checkout-availability/series`)).status).toBe(401);
  });

  it('asks for a token once, refuses a wrong one, then keeps it for the tab and sends it as a Bearer token', async () => {
    const { page, errors } = await newPage(browser);
    const sentAuth: Array<string | undefined> = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/') || new URL(r.url()).pathname.startsWith('/ui/api/')) sentAuth.push(r.headers()['authorization']);
    });
    await page.goto(`${tg.apiUrl}/`);
    await page.waitForSelector('#token-dialog[open]');
    expect(await page.locator('#slo-table').count()).toBe(0);
    // The dialog takes the focus, so the token can be typed straight away.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token-input');
    await screenshot(page, 'token-prompt');

    await page.keyboard.type('not-the-token');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('token-message')?.textContent?.includes('not accepted'));
    expect(await page.locator('#token-dialog[open]').count()).toBe(1);

    await page.fill('#token-input', READ_TOKEN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#slo-table');
    expect(await page.$$eval('#slo-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset['slo']))).toContain('checkout-availability');
    expect(await page.evaluate(() => sessionStorage.getItem('tollgate.token'))).toBe(READ_TOKEN);
    expect(sentAuth).toEqual([undefined, 'Bearer not-the-token', `Bearer ${READ_TOKEN}`]);

    // Another page in the same tab: no prompt, the stored token goes along.
    await load(page, `${tg.apiUrl}/decisions/${decision.decision_id}`);
    expect(await page.locator('#token-dialog[open]').count()).toBe(0);
    expect((await page.locator('#decision-summary').innerText()).trim()).toBe(decision.summary);
    expect(sentAuth.at(-1)).toBe(`Bearer ${READ_TOKEN}`);
    expect(await page.locator('#auth-state').innerText()).toContain('Forget token');
    expect(unexpected(errors)).toEqual([]);
  });

  it('says what is missing when the token prompt is cancelled', async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(`${tg.apiUrl}/decisions`);
    await page.waitForSelector('#token-dialog[open]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('.error-box').innerText()).toContain('needs a token with the read scope');
    expect(await page.getByRole('button', { name: 'Enter a token' }).count()).toBe(1);
    expect(unexpected(errors)).toEqual([]);
  });
});
