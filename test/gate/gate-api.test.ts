/**
 * POST /v1/gate on real stored data: a release that failed in staging is denied with the numbers,
 * the test and its top cause (with example traces and log lines); a clean one is allowed; no
 * traffic, Flagger's format, stored decisions and break-glass overrides.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSpans, spread } from '../helpers/spans.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const FILES = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: pay-availability}
spec:
  service: pay
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: pay-prod}
spec:
  app: pay
  environment: prod
  slos: [pay-availability]
  min_budget_remaining: 15%
  max_burn_rate: 2.5
`;

const MIN = 60_000;
let tg: InProcessTollgate;
let sloDir: string;
const failingTrace = '0af7651916cd43dd8448eb211c80319c';

beforeAll(async () => {
  sloDir = tempDir('tollgate-gate-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'pay.yaml'), FILES);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  const now = Date.now();
  // prod: the current config, healthy, for the last hour.
  await sendSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'cfg-prod', environment: 'prod' }, spread(3_000, now - 60 * MIN, now - MIN, () => ({})));
  // staging: the baseline served 2-4 hours ago at 0.1 % errors; the bad release took over 2 hours ago at 5 %.
  await sendSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'cfg-prod', environment: 'staging' },
    spread(2_000, now - 240 * MIN, now - 121 * MIN, (i) => ({ error: i % 1000 === 0 })));
  await sendSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'cfg-bad', environment: 'staging' },
    spread(2_000, now - 120 * MIN, now - 10 * MIN, (i) => ({
      error: i % 20 === 0, name: 'POST /charge', exceptionType: i % 20 === 0 ? 'OAuthTokenExpiredError' : undefined,
      traceId: i === 0 ? failingTrace : undefined,
    })));
  // A clean release in staging.
  await sendSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'cfg-good', environment: 'staging' }, spread(2_000, now - 9 * MIN, now - MIN, () => ({})));
  // The failing trace's log line.
  await fetch(`${tg.otlpHttpUrl}/v1/logs`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pay' } }] }, scopeLogs: [{ logRecords: [
      { timeUnixNano: String(BigInt(now - 120 * MIN) * 1_000_000n), severityNumber: 17, severityText: 'ERROR', body: { stringValue: 'charge failed: OAuth token expired for merchant 42' }, traceId: failingTrace, spanId: '00f067aa0ba902b7' },
    ] }] }] }),
  });
});
afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

interface Answer {
  decision: string; summary: string; reasons: string[]; decision_id: string; url: string; policy: string | null; basis?: string;
  checks: Array<{ slo: string; check: string; passed: boolean; value: number | null; threshold: number | null }>;
  evidence: { environment: string; baseline_config_hash: string | null; top_causes: Array<{ error_type: string; count: number; share: number; example_trace_ids: string[]; example_log_lines: string[] }> };
}
const gate = async (body: object, query = ''): Promise<Response> =>
  fetch(`${tg.apiUrl}/v1/gate${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ask = async (configHash: string): Promise<Answer> =>
  (await (await gate({ app: 'pay', environment: 'prod', service: 'pay', config_hash: configHash, revision: 'abc123' })).json()) as Answer;

describe('POST /v1/gate', () => {
  it('denies a release that failed in staging, with both ratios, the test and the top cause', async () => {
    const a = await ask('cfg-bad');
    expect(a.decision).toBe('deny');
    expect(a.summary).toMatch(/^deny: in staging this release fails 5\.0 % of pay-availability events \(baseline 0\.1 %\); top cause OAuthTokenExpiredError/);
    const compared = a.checks.find((c) => c.check === 'release_vs_baseline');
    expect(compared).toMatchObject({ slo: 'pay-availability', passed: false });
    expect(a.reasons.join(' ')).toMatch(/z-test|Fisher/);
    expect(a.evidence.baseline_config_hash).toBe('cfg-prod');
    expect(a.evidence.top_causes[0]).toMatchObject({ error_type: 'OAuthTokenExpiredError', count: 100, share: 1 });
    expect(a.evidence.top_causes[0]!.example_trace_ids).toContain(failingTrace);
    expect(a.evidence.top_causes[0]!.example_log_lines).toEqual(['charge failed: OAuth token expired for merchant 42']);
    expect(a.policy).toBe('pay-prod');
  });

  it('allows a release that ran clean in staging, with prod healthy', async () => {
    const a = await ask('cfg-good');
    expect(a.decision).toBe('allow');
    expect(a.checks.filter((c) => !c.passed)).toEqual([]);
    expect(a.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['budget_remaining', 'burn_rate']));
  });

  it('allows a release with no traffic yet while prod is healthy, and says so', async () => {
    const a = await ask('cfg-never-seen');
    expect(a.decision).toBe('allow');
    expect(a.summary).toMatch(/no traffic yet/);
  });

  it("answers Flagger's contract: 403 with the summary to block, 200 to pass", async () => {
    const blocked = await gate({ app: 'pay', environment: 'prod', service: 'pay', config_hash: 'cfg-bad' }, '?format=flagger');
    expect(blocked.status).toBe(403);
    expect(await blocked.text()).toMatch(/^deny: in staging/);
    expect((await gate({ app: 'pay', environment: 'prod', service: 'pay', config_hash: 'cfg-good' }, '?format=flagger')).status).toBe(200);
  });

  it('stores every decision, fetchable by id and listed by app and environment', async () => {
    const a = await ask('cfg-bad');
    const fetched = (await (await fetch(`${tg.apiUrl}/v1/gate/decisions/${a.decision_id}`)).json()) as Answer;
    expect(fetched).toEqual(a);
    const list = (await (await fetch(`${tg.apiUrl}/v1/gate/decisions?app=pay&environment=prod`)).json()) as { decisions: Answer[] };
    expect(list.decisions[0]?.decision_id).toBe(a.decision_id);
    expect((await fetch(`${tg.apiUrl}/v1/gate/decisions/nope`)).status).toBe(404);
  });

  it('lets a break-glass override allow the release, naming who and why', async () => {
    const created = await fetch(`${tg.apiUrl}/v1/overrides`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: 'pay', environment: 'prod', config_hash: 'cfg-bad', reason: 'hotfix for INC-42 ships with this config', who: 'alice', expires_in_seconds: 3600 }),
    });
    expect(created.status).toBe(201);
    const a = await ask('cfg-bad');
    expect(a.decision).toBe('allow');
    expect(a.basis).toBe('override');
    expect(a.summary).toMatch(/alice/);
  });

  it('rejects a malformed request with the field at fault', async () => {
    const res = await gate({ app: 'pay', environment: 'prod', config_hash: 'x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/service/);
  });
});

describe('POST /v1/deployments', () => {
  const event = { app: 'pay', environment: 'prod', service: 'pay', config_hash: 'cfg-good', revision: 'r42', time: '2026-11-24T10:00:00Z', source: 'argocd' };
  const post = () => fetch(`${tg.apiUrl}/v1/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });

  it('stores a deploy event once however often Argo CD retries it', async () => {
    expect((await post()).status).toBe(201);
    const again = await post();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ stored: false, duplicate: true });
    const list = (await (await fetch(`${tg.apiUrl}/v1/deployments?app=pay`)).json()) as { deployments: Array<{ revision: string; deployed_at: string }> };
    expect(list.deployments.filter((d) => d.revision === 'r42')).toEqual([expect.objectContaining({ revision: 'r42', deployed_at: '2026-11-24T10:00:00.000Z' })]);
  });
});

describe('tollgate gate (the PreSync hook command)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/tollgate.mjs'), 'gate', ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => resolve({ code, out, err }));
    });
  const common = () => ['--url', tg.apiUrl, '--app', 'pay', '--environment', 'prod', '--service', 'pay'];

  it('exits 1 on deny, printing the summary and writing it to the termination log', async () => {
    const log = path.join(sloDir, 'termination-log');
    writeFileSync(log, '');
    // qa has no override and no policy: cfg-bad's staging record alone denies it.
    const r = await run(['--url', tg.apiUrl, '--app', 'pay', '--environment', 'qa', '--service', 'pay', '--config-hash', 'cfg-bad', '--termination-log', log]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^deny: in staging this release fails 5\.0 %/m);
    expect(readFileSync(log, 'utf8')).toMatch(/^deny: in staging this release fails 5\.0 %.*\nhttp:\/\/.*\/decisions\//s);
  });

  it('exits 0 on allow and 2 when Tollgate cannot be reached', async () => {
    const allowed = await run([...common(), '--config-hash', 'cfg-good']);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/^allow: /);
    expect(allowed.out).toMatch(/evidence: http/);
    const unreachable = await run(['--url', 'http://127.0.0.1:1', '--app', 'pay', '--environment', 'prod', '--service', 'pay', '--config-hash', 'x']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toMatch(/cannot reach/);
  });

  it('exits 2 with the usage when an argument is missing', async () => {
    const r = await run(['--url', tg.apiUrl]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing --app, --environment, --service, --config-hash/);
  });
});
