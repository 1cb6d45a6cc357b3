/**
 * Debian's chromium driven by playwright-core, for the web UI's tests: one browser per test file,
 * a page per test that records console errors and uncaught exceptions, and screenshots at the
 * laptop size the UI is designed for.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { REPO_ROOT } from '../helpers/tollgate.js';
import { requireBinary } from '../setup/real-parts.js';

/**
 * The README's screenshots are rewritten only when asked (`TOLLGATE_UPDATE_SCREENSHOTS=1 npx vitest run test/ui`),
 * so a test run leaves the work tree clean; otherwise they go to a temporary directory for looking at.
 */
export const SCREENSHOT_DIR = process.env['TOLLGATE_UPDATE_SCREENSHOTS'] === '1'
  ? path.join(REPO_ROOT, 'docs', 'screenshots')
  : path.join(tmpdir(), 'tollgate-screenshots');
export const VIEWPORT = { width: 1280, height: 800 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireBinary('chromium'),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
}

/** A fresh page (its own sessionStorage) that records what went wrong in it. */
export async function newPage(browser: Browser): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return { page, errors };
}

/** Loads a page and waits until its script has finished (runPage sets body[data-ready]). */
export async function load(page: Page, url: string): Promise<void> {
  await page.goto(url);
  // Generous: the whole suite shares two cores, and mermaid takes a second or two to draw.
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
}

/** Loads a page and returns the JSON of the API answer it fetched from `apiPath` (what it rendered). */
export async function loadWithAnswer<T>(page: Page, url: string, apiPath: string | RegExp): Promise<T> {
  const answer = page.waitForResponse((r: Response) => (typeof apiPath === 'string' ? new URL(r.url()).pathname === apiPath : apiPath.test(r.url())) && r.request().method() === 'GET');
  await load(page, url);
  const response = await answer;
  if (response.status() !== 200) throw new Error(`${apiPath} answered ${response.status()}`);
  return (await response.json()) as T;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}
