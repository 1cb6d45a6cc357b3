/**
 * The web UI in Debian's chromium against a real in-process Tollgate fed with the demo shop's
 * traffic (the official OTel exporters, src/demo/shop.ts) and asked about its good and bad
 * releases. Every number a page shows is compared with the JSON answer it rendered; every page
 * must log no console error; each leaves a 1280×800 screenshot (in docs/screenshots/ with
 * TOLLGATE_UPDATE_SCREENSHOTS=1, see browser.ts).
 */
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askGate, playScenario, shopScenario, type GateAnswer, type ShopScenario } from '../../src/demo/shop.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';
import { launchChromium, load, loadWithAnswer, newPage, screenshot } from './browser.js';

interface SloSummary {
  name: string; service: string; objective: number; error_budget: { remaining: number } | null;
  burn_rate_1h: number | null; alerts_firing: number; total_events: number;
}
interface SloStatus {
  name: string; error_budget_fraction: number; period: string;
  windows: Record<string, { total: number; bad: number; burn_rate: number | null }>;
  error_budget: { remaining: number };
  alerts: Array<{ burn_factor: number; state: string; long_window: string; short_window: string }>;
  releases: Array<{ config_hash: string; total: number; bad: number }>;
}
interface Decision {
  decision: string; summary: string; decision_id: string; policy: string | null; slo_revision: string; config_hash: string;
  checks: Array<{ passed: boolean; check: string }>;
  evidence: { top_causes: Array<{ example_trace_ids: string[]; example_log_lines: string[] }> };
}
interface TraceAnswer {
  trace_id: string; span_count: number;
  logs: Array<{ span_id: string; body: string }>;
}

/** A file that does not validate: the list must show its problem beside the SLOs that do. */
const BROKEN_SLO = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: search-availability}
spec:
  service: search
  objective: 120
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;

let sloDir: string;
let tg: InProcessTollgate;
let browser: Browser;
let scenario: ShopScenario;
let good: GateAnswer;
let bad: GateAnswer;

beforeAll(async () => {
  // The repository's example SLOs and gate policies (what `npm start` loads), plus one broken file.
  sloDir = tempDir('tollgate-ui-slos-');
  const examples = path.join(REPO_ROOT, 'slo-definitions');
  for (const file of readdirSync(examples)) copyFileSync(path.join(examples, file), path.join(sloDir, file));
  writeFileSync(path.join(sloDir, 'search.yaml'), BROKEN_SLO);
  const [started, launched] = await Promise.all([startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' }), launchChromium()]);
  tg = started;
  browser = launched;
  const target = { tollgateUrl: tg.apiUrl, otlpUrl: tg.otlpHttpUrl };
  scenario = shopScenario(Date.now());
  await playScenario(target, scenario);
  good = await askGate(target, scenario.good);
  bad = await askGate(target, scenario.bad);
});
afterAll(async () => {
  await browser?.close();
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

const getJson = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${tg.apiUrl}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

describe('the demo shop through the gate', () => {
  it('gives the pages an allowed and a denied release to show', () => {
    expect(good.decision).toBe('allow');
    expect(bad.decision).toBe('deny');
    // 100 of 1,600 checkouts failed (payments rejected their token) against 2 of 1,500 for the release before it.
    expect(bad.summary).toBe(
      `deny: in staging this release fails 6.3 % of checkout-availability events (baseline 0.1 %); top cause payments failing (OAuthTokenExpiredError in POST /charge) under POST /api/checkout, new in ${scenario.bad}`,
    );
  });
});

describe('/ (SLO list)', () => {
  it('shows every SLO with the API\'s numbers and the SLO files\' problems, the ones in trouble first and no-traffic ones last', async () => {
    const { page, errors } = await newPage(browser);
    const answer = await loadWithAnswer<{ slos: SloSummary[]; problems: string[] }>(page, `${tg.apiUrl}/`, '/v1/slos');
    const rows = await page.$$eval('#slo-table tbody tr', (trs) => trs.map((tr) => ({
      slo: (tr as HTMLElement).dataset['slo'],
      values: Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? null),
      texts: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''),
    })));
    expect(rows.map((r) => r.slo).sort()).toEqual(answer.slos.map((s) => s.name).sort());
    // The broken file's problem, as the API words it (file:line:column).
    expect(answer.problems.some((p) => p.includes('search.yaml:6:'))).toBe(true);
    expect(await page.$$eval('#slo-problems li', (lis) => lis.map((li) => li.textContent))).toEqual(answer.problems);
    // In the demo checkout-availability pages (the bad release burns it); frontend has no traffic.
    const firing = answer.slos.filter((s) => s.alerts_firing > 0).map((s) => s.name);
    expect(firing.length).toBeGreaterThan(0);
    expect(rows.slice(0, firing.length).map((r) => r.slo).sort()).toEqual(firing.sort());
    expect(rows.at(-1)?.slo).toBe('frontend-error-logs');
    for (const s of answer.slos) {
      const row = rows.find((r) => r.slo === s.name)!;
      expect(row.texts[1]).toBe(s.service);
      expect(Number(row.values[2])).toBe(s.objective);
      if (s.total_events > 0) {
        expect(Number(row.values[3])).toBe(s.error_budget!.remaining);
        expect(row.texts[3]).toContain(`${(s.error_budget!.remaining * 100).toFixed(1)} %`);
      } else {
        expect(row.texts[3]).toBe('no traffic yet');
      }
      expect(row.values[4] === '' ? null : Number(row.values[4])).toBe(s.burn_rate_1h);
      expect(Number(row.values[5])).toBe(s.alerts_firing);
    }
    await screenshot(page, 'slo-list');
    expect(errors).toEqual([]);
  });

  it('sorts by a column from the keyboard, reversing on the second press', async () => {
    const { page, errors } = await newPage(browser);
    await load(page, `${tg.apiUrl}/`);
    const budgets = () => page.$$eval('#slo-table tbody tr td:nth-child(4)', (tds) => tds.map((td) => (td.classList.contains('muted') ? null : Number(td.dataset['value']))));
    await page.focus('button[data-sort="budget"]');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('th:has(button[data-sort="budget"])', 'aria-sort')).toBe('ascending');
    const ascending = await budgets();
    const known = ascending.filter((v): v is number => v !== null);
    expect(known).toEqual([...known].sort((a, b) => a - b));
    expect(ascending.at(-1)).toBeNull(); // no traffic: unknown, listed last
    await page.keyboard.press('Space');
    expect(await page.getAttribute('th:has(button[data-sort="budget"])', 'aria-sort')).toBe('descending');
    const descending = (await budgets()).filter((v): v is number => v !== null);
    expect(descending).toEqual([...known].reverse());
    expect(errors).toEqual([]);
  });
});

describe('/slos/{name}', () => {
  it('draws the budget and burn-rate charts and shows the windows, thresholds, releases and decisions', async () => {
    const { page, errors } = await newPage(browser);
    const status = await loadWithAnswer<SloStatus>(page, `${tg.apiUrl}/slos/checkout-availability`, '/v1/slos/checkout-availability');
    await page.waitForSelector('.charts figure.chart[data-rendered="true"] + figure.chart[data-rendered="true"]');
    expect(await page.locator('.charts canvas').count()).toBe(2);
    expect(Number(await page.getAttribute('#stat-budget', 'data-value'))).toBe(status.error_budget.remaining);

    const alertRows = await page.$$eval('table.alerts tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? td.textContent ?? '')));
    expect(alertRows).toHaveLength(status.alerts.length);
    status.alerts.forEach((a, i) => {
      expect(alertRows[i]![1]).toBe(`${a.long_window} / ${a.short_window}`);
      expect(Number(alertRows[i]![2])).toBe(a.burn_factor);
      expect(Number(alertRows[i]![3])).toBe(a.burn_factor * status.error_budget_fraction);
      expect(alertRows[i]![6]).toContain(a.state);
    });

    const windowRows = await page.$$eval('table.windows tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? td.textContent ?? '')));
    expect(windowRows.map((r) => [r[0]!.replace(' (period)', ''), Number(r[1]), Number(r[2])])).toEqual(
      Object.entries(status.windows).map(([key, w]) => [key, w.total, w.bad]),
    );

    const releaseRows = await page.$$eval('table.releases tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? td.textContent ?? '')));
    expect(releaseRows.map((r) => [r[0], Number(r[2]), Number(r[3])])).toEqual(status.releases.map((r) => [r.config_hash, r.total, r.bad]));
    // Each release's share of the budget is its bad events over the period's budget in events, exactly.
    const periodTotal = status.windows[status.period]!.total;
    expect(releaseRows.map((r) => Number(r[5]))).toEqual(status.releases.map((r) => r.bad / (periodTotal * status.error_budget_fraction)));
    // What burned the budget, and a marker on the charts at each release's first minute.
    expect(await page.locator('#slo-causes article').count()).toBeGreaterThan(0);
    expect(await page.locator('ul.markers li').count()).toBeGreaterThan(0);
    // The denied release's deploy event is a marker on the charts.
    expect(await page.locator('ul.markers li[data-kind="deploy"]').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining(`deployed ${scenario.bad} in staging`)]));
    expect(Number(await page.getAttribute('.charts figure.chart', 'data-markers'))).toBeGreaterThan(0);
    expect(status.releases.map((r) => r.config_hash)).toEqual(expect.arrayContaining([scenario.current, scenario.good, scenario.bad]));

    // The gate's decisions about checkout, each linking to its page.
    const decisionLinks = await page.$$eval('table.decisions a[href^="/decisions/"]', (as) => as.map((a) => a.getAttribute('href')));
    expect(decisionLinks).toEqual(expect.arrayContaining([`/decisions/${good.decision_id}`, `/decisions/${bad.decision_id}`]));
    await screenshot(page, 'slo-detail');
    expect(errors).toEqual([]);
  });

  it('charts the budget from the same counts as the SLO: its last point is the budget remaining now', async () => {
    const series = await getJson<{ budget: { time: number[]; remaining: Array<number | null> }; burn: { time: number[]; short: unknown[]; long: unknown[] } }>(
      '/ui/api/slos/checkout-availability/series');
    const status = await getJson<SloStatus>('/v1/slos/checkout-availability');
    expect(series.budget.remaining.at(-1)).toBe(status.error_budget.remaining);
    expect(series.burn.short).toHaveLength(series.burn.time.length);
    expect(series.burn.long.some((v) => typeof v === 'number' && v > 0)).toBe(true);
  });

  it('says when an SLO has no traffic yet instead of drawing empty charts', async () => {
    const { page, errors } = await newPage(browser);
    await load(page, `${tg.apiUrl}/slos/frontend-error-logs`);
    expect(await page.locator('.empty-state').first().innerText()).toContain('No traffic yet for this SLO');
    expect(await page.locator('canvas').count()).toBe(0);
    await screenshot(page, 'slo-no-traffic');
    expect(errors).toEqual([]);
  });
});

describe('/decisions', () => {
  it('lists the stored decisions and filters them by app and environment', async () => {
    const { page, errors } = await newPage(browser);
    const answer = await loadWithAnswer<{ decisions: Decision[] }>(page, `${tg.apiUrl}/decisions`, '/ui/api/decisions');
    const official = await getJson<{ decisions: Decision[] }>('/v1/gate/decisions');
    expect(answer.decisions.map((d) => d.decision_id)).toEqual(official.decisions.map((d) => d.decision_id));
    const links = await page.$$eval('table.decisions a.decision-link', (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
    expect(links).toEqual(official.decisions.map((d) => ({ href: `/decisions/${d.decision_id}`, text: d.summary })));
    await screenshot(page, 'decisions');

    // The filter form is a GET form: typing and Enter reload the page with the filter in the URL.
    await page.fill('input[name="environment"]', 'staging');
    await Promise.all([page.waitForURL(/environment=staging/), page.press('input[name="environment"]', 'Enter')]);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('.empty-state').innerText()).toContain('No decisions match this filter.');
    await load(page, `${tg.apiUrl}/decisions?app=checkout&environment=prod`);
    expect(await page.locator('table.decisions tbody tr').count()).toBe(official.decisions.length);
    expect(errors).toEqual([]);
  });

  it('shows a denied decision in large type, its failed check first, its causes, policy and SLO revision', async () => {
    const { page, errors } = await newPage(browser);
    await load(page, `${tg.apiUrl}/decisions/${bad.decision_id}`);
    const stored = await getJson<Decision>(`/v1/gate/decisions/${bad.decision_id}`);
    expect((await page.locator('#decision-summary').innerText()).trim()).toBe(stored.summary);
    expect(await page.locator('#decision-summary').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
    const checks = await page.$$eval('table.checks tbody tr', (trs) => trs.map((tr) => tr.querySelector('td:nth-child(5)')?.textContent));
    expect(checks).toHaveLength(stored.checks.length);
    expect(checks[0]).toBe('failed');
    expect(checks.filter((c) => c === 'failed')).toHaveLength(stored.checks.filter((c) => !c.passed).length);
    expect(await page.locator('.facts').innerText()).toContain(stored.policy!);
    expect(await page.locator('.facts').innerText()).toContain(stored.slo_revision);
    const traceLinks = await page.$$eval('#top-causes a.trace-link', (as) => as.map((a) => a.getAttribute('href')));
    expect(traceLinks).toEqual(stored.evidence.top_causes.flatMap((c) => c.example_trace_ids.map((id) => `/traces/${id}`)));
    expect(await page.locator('#top-causes .log-lines').first().innerText()).toContain(stored.evidence.top_causes[0]!.example_log_lines[0]!);
    await screenshot(page, 'decision');
    expect(errors).toEqual([]);
  });

  it('follows a denied decision to the log lines of its top cause\'s trace in three clicks, and to its release', async () => {
    const { page, errors } = await newPage(browser);
    await load(page, `${tg.apiUrl}/decisions`);
    // 1: the denied decision in the list.
    await page.getByRole('link', { name: bad.summary }).click();
    await page.waitForURL(`**/decisions/${bad.decision_id}`);
    await page.waitForSelector('body[data-ready="true"]');
    // 2: its top cause's first example trace.
    const traceLink = page.locator('#top-causes a.trace-link').first();
    const traceId = (await traceLink.getAttribute('href'))!.replace('/traces/', '');
    const traceAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/traces/${traceId}`);
    await traceLink.click();
    await page.waitForURL(`**/traces/${traceId}`);
    await page.waitForSelector('body[data-ready="true"]');
    const trace = (await (await traceAnswer).json()) as TraceAnswer;
    // 3: the trace page shows the spans and, among them, the log lines of the failure.
    expect(trace.logs.length).toBeGreaterThan(0);
    const rows = await page.$$eval('#waterfall tbody tr:not([hidden])', (trs) => trs.map((tr) => ({
      kind: tr.classList.contains('log') ? 'log' : 'span', spanId: (tr as HTMLElement).dataset['spanId'] ?? '', text: tr.textContent ?? '',
    })));
    expect(rows.filter((r) => r.kind === 'span')).toHaveLength(trace.span_count);
    for (const log of trace.logs) {
      const at = rows.findIndex((r) => r.kind === 'log' && r.text.includes(log.body));
      expect(at, log.body).toBeGreaterThan(0);
      // Interleaved under the span that wrote it, not appended after the waterfall.
      expect(rows.findIndex((r) => r.kind === 'span' && r.spanId === log.span_id)).toBeLessThan(at);
    }
    await screenshot(page, 'trace');

    // From the decision to the release it judged.
    await page.goBack();
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#release-link');
    await page.waitForURL(`**/releases/${scenario.bad}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect((await page.locator('#page-title').innerText()).trim()).toBe(`Release ${scenario.bad}`);
    expect(errors).toEqual([]);
  });
});

describe('/releases/{config_hash}', () => {
  it('compares the release with its baseline with the API\'s numbers', async () => {
    const { page, errors } = await newPage(browser);
    const release = await loadWithAnswer<{
      environments: Array<{ environment: string; spans: number; error_ratio: number | null; baseline: { config_hash: string; error_ratio: number | null } | null }>;
      slis: Array<{ slo: string; release: { ratio: number | null }; baseline: { ratio: number | null } | null }>;
      causes: Array<{ headline: string; change: string }>;
      budget: Array<{ slo: string; environment: string; bad_events: number; budget_share: number | null }>;
    }>(page, `${tg.apiUrl}/releases/${scenario.bad}`, `/v1/releases/${scenario.bad}`);
    const envRows = await page.$$eval('table.environments tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? td.textContent ?? '')));
    expect(envRows.map((r) => [r[0], Number(r[2]), Number(r[3]), r[6]])).toEqual(
      release.environments.map((e) => [e.environment, e.spans, e.error_ratio, e.baseline?.config_hash]),
    );
    expect(release.environments.find((e) => e.environment === 'staging')?.baseline?.config_hash).toBe(scenario.good);
    const sliRows = await page.$$eval('table.slis tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? td.textContent ?? '')));
    expect(sliRows.map((r) => [r[0], Number(r[2]), r[3] === '—' ? null : Number(r[3])])).toEqual(
      release.slis.map((s) => [s.slo, s.release.ratio, s.baseline?.ratio ?? null]),
    );
    // What burned the budget, as the API ranked it, and the release's share of each SLO's budget: the denied
    // release's first cause is payments rejecting its token, which the release before it never saw.
    expect(release.causes[0]).toMatchObject({ change: 'new', kind: 'dependency', dependency: 'payments', error_type: 'OAuthTokenExpiredError' });
    expect(await page.locator('#release-causes article').first().getAttribute('data-change')).toBe('new');
    expect(await page.locator('#release-causes article h3').allInnerTexts()).toEqual(
      release.causes.map((c, i) => `${i + 1}. ${c.change === 'new' ? 'new ' : c.change === 'grew' ? 'grew ' : ''}${c.headline}${' (' + (c as { slo?: string }).slo + ')'}`));
    const budgetRows = await page.$$eval('table.budget tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.dataset['value'] ?? td.textContent ?? '')));
    expect(budgetRows.map((r) => [r[0], r[1], Number(r[2]), r[3] === '' ? null : Number(r[3])])).toEqual(
      release.budget.map((b) => [b.slo, b.environment, b.bad_events, b.budget_share]));
    await screenshot(page, 'release');
    expect(errors).toEqual([]);
  });
});

describe('diagrams', () => {
  it('draws the service map as SVG, nodes coloured by health and linking to their releases', async () => {
    const { page, errors } = await newPage(browser);
    const map = await loadWithAnswer<{ nodes: Array<{ service: string; calls: number; config_hash: string | null }>; edges: unknown[] }>(
      page, `${tg.apiUrl}/service-map`, '/v1/service-map');
    await page.waitForSelector('.diagram[data-rendered="true"] svg');
    const svgText = await page.locator('.diagram svg').textContent();
    for (const n of map.nodes) expect(svgText).toContain(n.service);
    expect(map.nodes.map((n) => n.service)).toEqual(expect.arrayContaining(['checkout', 'payments']));
    const hrefs = await page.$$eval('.diagram svg a', (as) => as.map((a) => a.getAttribute('href') ?? a.getAttribute('xlink:href')));
    expect(hrefs).toEqual(expect.arrayContaining(map.nodes.filter((n) => n.config_hash !== null).map((n) => `/releases/${n.config_hash}`)));
    const calls = await page.$$eval('table.nodes tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.dataset['value'])));
    expect(calls).toEqual(map.nodes.map((n) => n.calls));
    await screenshot(page, 'service-map');
    expect(errors).toEqual([]);
  });

  it('draws the SLO graph as SVG; Enter on a node opens its SLO page', async () => {
    const { page, errors } = await newPage(browser);
    const graph = await loadWithAnswer<{ nodes: Array<{ slo: string; state: string }>; edges: Array<{ from: string; to: string }> }>(
      page, `${tg.apiUrl}/slo-graph`, '/v1/slo-graph');
    await page.waitForSelector('.diagram[data-rendered="true"] svg');
    expect(graph.edges).toContainEqual({ from: 'checkout-availability', to: 'payments-availability' });
    const states = await page.$$eval('table.nodes tbody tr', (trs) => trs.map((tr) => tr.querySelector('td:nth-child(5)')?.textContent));
    expect(states).toHaveLength(graph.nodes.length);
    await screenshot(page, 'slo-graph');
    const hrefs = await page.$$eval('.diagram svg a', (as) => as.map((a) => a.getAttribute('href') ?? a.getAttribute('xlink:href')));
    expect(hrefs).toEqual(expect.arrayContaining(graph.nodes.map((n) => `/slos/${n.slo}`)));
    await page.locator('.diagram svg a').nth(hrefs.indexOf('/slos/checkout-availability')).focus();
    await Promise.all([page.waitForURL('**/slos/checkout-availability'), page.keyboard.press('Enter')]);
    await page.waitForSelector('body[data-ready="true"]');
    expect((await page.locator('#page-title').innerText()).trim()).toBe('checkout-availability');
    expect(errors).toEqual([]);
  });
});

describe('serving the UI', () => {
  it('serves vendor and UI files by allow-list only, gzipped, and pages with a content security policy', async () => {
    const mermaid = await fetch(`${tg.apiUrl}/ui/vendor/mermaid.min.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(mermaid.status).toBe(200);
    expect(mermaid.headers.get('content-type')).toContain('javascript');
    for (const path of ['/ui/vendor/package.json', '/ui/vendor/..%2Fpackage.json', '/ui/static/..%2Fassets.ts', '/ui/static/../assets.ts', '/ui/static/app.ts']) {
      expect((await fetch(`${tg.apiUrl}${path}`)).status, path).toBe(404);
    }
    const js = await fetch(`${tg.apiUrl}/ui/static/app.js`);
    const etag = js.headers.get('etag')!;
    expect((await fetch(`${tg.apiUrl}/ui/static/app.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const shell = await fetch(`${tg.apiUrl}/slos/checkout-availability`);
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('shows the API\'s message for a decision that does not exist', async () => {
    const { page, errors } = await newPage(browser);
    await load(page, `${tg.apiUrl}/decisions/no-such-decision`);
    expect((await page.locator('.error-box').innerText()).trim()).toBe('no decision no-such-decision');
    // Chromium reports the 404 answer itself; nothing else may go wrong.
    expect(errors.filter((e) => !e.includes('status of 404'))).toEqual([]);
  });
});
