/**
 * `tollgate diff` end to end on stored data: spans made by the OTel SDK and sent by the official OTLP
 * exporter to a real Tollgate (chDB, real sockets), recorded by its engine, gate decisions made by
 * its own POST /v1/gate; then the CLI backtests a change between a git commit and the working tree,
 * through the server (`--url`) and, once the server is stopped, through the store opened read-only.
 * - raising an objective lowers the budget remaining to what a raw count gives and adds exactly the
 *   one page a hand count predicts, at the minutes it predicts;
 * - raising a policy's min_budget_remaining flips exactly the one stored decision whose budget lies
 *   between the old and the new threshold;
 * - a budget adjustment added over an incident restores that SLO's budget to a raw count without
 *   those minutes and takes its page away;
 * - --fail-on makes the exit code; invalid head files are reported at file:line:column.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { ReportWire } from '../../src/backtest/index.js';
import { budgetRemaining } from '../../src/slo/math/index.js';
import { exportSpans } from '../helpers/exported-spans.js';
import type { SpanSpec } from '../helpers/spans.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Math.floor(Date.now() / MIN) * MIN;
/** Ten spans a minute for ten hours; in an incident, the first span of each of 20 minutes fails (10 %). */
const TRAFFIC_FROM = NOW - 10 * HOUR;
const CHECKOUT_INCIDENT = NOW - 3 * HOUR;
const SEARCH_INCIDENT = NOW - 4 * HOUR;

const slo = (name: string, service: string, objective: number): string => `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: ${name}}
spec:
  service: ${service}
  objective: ${objective}
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;
const policy = (app: string, minBudget: string): string => `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: ${app}-prod}
spec:
  app: ${app}
  environment: prod
  slos: [${app}-availability]
  min_budget_remaining: ${minBudget}
`;
const ORDERS = ['orders-a1', 'orders-a2', 'orders-a3', 'orders-ctl'];
const BASE_FILES: Record<string, string> = {
  'checkout.yaml': slo('checkout-availability', 'checkout', 99),
  'search.yaml': slo('search-availability', 'search', 99.9),
  'orders.yaml': ORDERS.map((a) => `${slo(`${a}-availability`, a, 99)}---\n${policy(a, '15%')}`).join('---\n'),
};
const HEAD_FILES: Record<string, string> = {
  ...BASE_FILES,
  'checkout.yaml': slo('checkout-availability', 'checkout', 99.9),
  'orders.yaml': ORDERS.map((a) => `${slo(`${a}-availability`, a, 99)}---\n${policy(a, a === 'orders-ctl' ? '15%' : '40%')}`).join('---\n'),
  'adjustments.yaml': `apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: search-incident}
spec:
  slos: [search-availability]
  reason: index rebuild, announced
  exclude: {from: "${new Date(SEARCH_INCIDENT).toISOString()}", to: "${new Date(SEARCH_INCIDENT + 20 * MIN).toISOString()}"}
`,
};

let tg: InProcessTollgate;
let repo: string;
const decisionIds: Record<string, string> = {};

function traffic(incidentMs: number | null): SpanSpec[] {
  const out: SpanSpec[] = [];
  for (let m = TRAFFIC_FROM; m < NOW - 2 * MIN; m += MIN) {
    const inIncident = incidentMs !== null && m >= incidentMs && m < incidentMs + 20 * MIN;
    for (let i = 0; i < 10; i++) out.push({ startMs: m + i * 5_000 + 1_000, error: inIncident && i === 0 });
  }
  return out;
}

beforeAll(async () => {
  repo = tempDir('tollgate-diff-repo-');
  mkdirSync(path.join(repo, 'slos'), { recursive: true });
  for (const [f, text] of Object.entries(BASE_FILES)) writeFileSync(path.join(repo, 'slos', f), text);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', 'slos');
  git('commit', '-qm', 'base');
  // The server runs the base definitions from its own copy; the working tree then becomes the head.
  const served = tempDir('tollgate-diff-served-');
  cpSync(path.join(repo, 'slos'), served, { recursive: true });
  tg = await startInProcess({ TOLLGATE_SLO_DIR: served, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });

  await exportSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'co-1', environment: 'prod' }, traffic(CHECKOUT_INCIDENT));
  await exportSpans(tg.otlpHttpUrl, { service: 'search', configHash: 'se-1', environment: 'prod' }, traffic(SEARCH_INCIDENT));
  // orders: 1,000 requests in prod four hours ago; budget remaining 60 % (4 bad), 30 % (7), 5 % (9.5 ‰ of 2,000), 60 % (control).
  const bad: Record<string, [number, number]> = { 'orders-a1': [1_000, 4], 'orders-a2': [1_000, 7], 'orders-a3': [2_000, 19], 'orders-ctl': [1_000, 4] };
  for (const [app, [n, failing]] of Object.entries(bad)) {
    await exportSpans(tg.otlpHttpUrl, { service: app, configHash: `${app}-v1`, environment: 'prod' },
      Array.from({ length: n }, (_, i) => ({ startMs: NOW - 5 * HOUR + i * 1_000, error: i < failing })));
  }
  await tg.engine!.recordNow({ backfill: true });
  for (const app of ORDERS) {
    const res = await fetch(`${tg.apiUrl}/v1/gate`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app, environment: 'prod', service: app, config_hash: `${app}-v2`, revision: 'r2' }),
    });
    const answer = (await res.json()) as { decision: string; decision_id: string };
    decisionIds[app] = answer.decision_id;
  }
  // The head: the working tree edited.
  for (const [f, text] of Object.entries(HEAD_FILES)) writeFileSync(path.join(repo, 'slos', f), text);
}, 300_000);

afterAll(async () => {
  await tg?.cleanup();
  rmSync(repo, { recursive: true, force: true });
});

async function diff(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = process.cwd();
  process.chdir(repo);
  try {
    const code = await runCli(['diff', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.chdir(cwd);
  }
}

async function rawCount(service: string, fromIso: string, toIso: string, exclude: [number, number] | null = null): Promise<{ total: number; bad: number }> {
  const rows = await tg.store.query<{ total: string; bad: string }>(
    `SELECT count() AS total, countIf(StatusCode = 'Error') AS bad FROM otel_traces
     WHERE ServiceName = {service:String} AND SpanKind = 'Server'
       AND Timestamp >= parseDateTime64BestEffort({from:String}, 3) AND Timestamp < parseDateTime64BestEffort({to:String}, 3)
       AND NOT (Timestamp >= fromUnixTimestamp64Milli({exFrom:Int64}) AND Timestamp < fromUnixTimestamp64Milli({exTo:Int64}))`,
    { service, from: fromIso, to: toIso, exFrom: exclude?.[0] ?? 0, exTo: exclude?.[1] ?? 0 },
  );
  return { total: Number(rows[0]!.total), bad: Number(rows[0]!.bad) };
}

describe('tollgate diff', () => {
  let report: ReportWire;

  it('answers a git ref against the working tree through a running Tollgate, as JSON', async () => {
    const r = await diff(['--base', 'main', '--dir', 'slos', '--url', tg.apiUrl, '--format', 'json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    report = JSON.parse(r.out) as ReportWire;
    expect(report.base.label).toBe('main');
    expect(report.slos.map((s) => [s.name, s.change])).toEqual([
      ['checkout-availability', 'modified'], ['search-availability', 'affected'],
    ]);
    expect(report.policies.map((p) => [p.name, p.change, p.fields])).toEqual(['orders-a1', 'orders-a2', 'orders-a3'].map((a) => [
      `${a}-prod`, 'modified', [{ field: 'min_budget_remaining', before: '15%', after: '40%' }],
    ]));
    expect(report.adjustments.map((a) => [a.name, a.change, a.slos])).toEqual([['search-incident', 'added', ['search-availability']]]);
  });

  it('lowers the budget remaining of a raised objective to what a raw count gives, and adds exactly the page a hand count predicts', async () => {
    const s = report.slos.find((x) => x.name === 'checkout-availability')!;
    expect(s.fields).toEqual([{ field: 'objective', before: '99%', after: '99.9%' }]);
    const raw = await rawCount('checkout', s.after!.from, s.after!.to);
    expect(raw.bad).toBe(20);
    expect(s.before).toMatchObject({ total: raw.total, bad: raw.bad, budget_remaining: budgetRemaining({ totalEvents: raw.total, badEvents: raw.bad }, 0.01) });
    expect(s.after).toMatchObject({ total: raw.total, bad: raw.bad, budget_remaining: budgetRemaining({ totalEvents: raw.total, badEvents: raw.bad }, 0.001) });
    expect(s.after!.budget_remaining).toBeLessThan(s.before!.budget_remaining);
    // 99 %: the worst 5 minutes fail 10 %, under 14.4 × 1 %; the 6 h window dilutes 20 bad in 3,600 to 0.56 %, under 6 × 1 %.
    expect(s.before!.pages).toBe(0);
    // 99.9 %: 5m/1h fires once the last hour holds 9 failures (9/600 > 1.44 %) while the 5 minutes hold one (2 % > 1.44 %),
    // from the incident's 9th minute until 5 minutes after its last; 30m/6h never (20/3,600 = 0.56 % ≤ 0.6 %).
    expect(s.after!.alerts.filter((a) => a.severity === 'page')).toEqual([{
      severity: 'page', windows: '5m/1h', start: new Date(CHECKOUT_INCIDENT + 8 * MIN).toISOString(),
      end: new Date(CHECKOUT_INCIDENT + 24 * MIN).toISOString(), duration_seconds: 16 * 60,
    }]);
    expect(report.conditions['new-pages']).toBe(true);
  });

  it('flips exactly the stored decision whose budget lies between the old and the new threshold', () => {
    expect(report.decisions.replayed).toBe(3);
    expect(report.decisions.flips.map((f) => ({ id: f.id, app: f.app, stored: f.stored, before: f.before, after: f.after }))).toEqual([
      { id: decisionIds['orders-a2'], app: 'orders-a2', stored: 'allow', before: 'allow', after: 'deny' },
    ]);
    const flip = report.decisions.flips[0]!;
    expect(flip).toMatchObject({ environment: 'prod', config_hash: 'orders-a2-v2', revision: 'r2' });
    // The replayed deny names its cause as the gate would have: attribution as of the decision's instant.
    expect(flip.after_summary).toBe("deny: prod has 30 % of orders-a2-availability's error budget left (policy needs 40 %); top cause failed in POST /charge");
    expect(report.conditions['flipped-decisions']).toBe(true);
  });

  it('restores the budget of an SLO an added adjustment reaches, to a raw count without its minutes, and takes its page away', async () => {
    const s = report.slos.find((x) => x.name === 'search-availability')!;
    expect(s.because).toEqual(['search-incident']);
    const all = await rawCount('search', s.before!.from, s.before!.to);
    const without = await rawCount('search', s.after!.from, s.after!.to, [SEARCH_INCIDENT, SEARCH_INCIDENT + 20 * MIN]);
    expect(without).toEqual({ total: all.total - 200, bad: 0 });
    expect(s.before).toMatchObject({ ...all, pages: 1 });
    expect(s.after).toMatchObject({ ...without, budget_remaining: 1, pages: 0, excluded_minutes: 20 });
  });

  it('exits 1 when a --fail-on condition holds, and prints Markdown for a pull request', async () => {
    const r = await diff(['--base', 'main', '--dir', 'slos', '--url', tg.apiUrl, '--format', 'markdown', '--fail-on', 'flipped-decisions,invalid']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('tollgate diff: flipped-decisions');
    expect(r.out).toContain('### Tollgate diff: `main` → `working tree`');
    expect(r.out).toContain('| `checkout-availability` | objective 99% → 99.9% |');
    expect(r.out).toContain(`| + would fire | page 5m/1h | ${new Date(CHECKOUT_INCIDENT + 8 * MIN).toISOString().slice(0, 16).replace('T', ' ')} | 16m |`);
    expect((await diff(['--base', 'main', '--dir', 'slos', '--url', tg.apiUrl, '--fail-on', 'budget-exhausted,invalid'])).code).toBe(1);
    expect((await diff(['--base', 'main', '--dir', 'slos', '--url', tg.apiUrl, '--fail-on', 'invalid'])).code).toBe(0);
  });

  it('reports head files that do not validate as tollgate validate does', async () => {
    writeFileSync(path.join(repo, 'slos', 'broken.yaml'), 'apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: broken}\nspec:\n  service: x\n  objective: 120\n  period: 30d\n  sli: {spans: {bad: {status: error}}}\n');
    try {
      const r = await diff(['--base', 'main', '--dir', 'slos', '--url', tg.apiUrl, '--format', 'text', '--fail-on', 'invalid']);
      expect(r.code).toBe(1);
      expect(r.out).toContain('slos/broken.yaml:6:14: objective must be between 0 and 100 (exclusive), got 120');
    } finally {
      rmSync(path.join(repo, 'slos', 'broken.yaml'));
    }
  });

  it('opens the local store read-only when no Tollgate runs on it, with the same answer, and says why it cannot while one does', async () => {
    const cli = (env: Record<string, string>) => spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/tollgate.mjs'), 'diff', '--base', 'main', '--dir', 'slos', '--format', 'json'], {
      cwd: repo, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TOLLGATE_DATA_DIR: tg.dataDir, ...env }, encoding: 'utf8', timeout: 120_000,
    });
    const busy = cli({});
    expect(busy.status).toBe(2);
    expect(busy.stderr).toContain('is open in another process (a running Tollgate');
    await tg.stop();
    const local = cli({});
    expect(local.stderr).toBe('');
    expect(local.status).toBe(0);
    const fromStore = JSON.parse(local.stdout) as ReportWire;
    const strip = (w: ReportWire) => ({ ...w, generated_at: '', slos: w.slos.map((s) => ({ ...s, before: s.before && { ...s.before, from: '', to: '' }, after: s.after && { ...s.after, from: '', to: '' } })) });
    expect(strip(fromStore)).toEqual(strip(report));
  });
});
