/**
 * POST /v1/gate scenarios on real stored data (chDB, HTTP on a real socket): a latency regression, a
 * release with too little traffic to compare, no data under `no_data: wait` and `deny`, a spent budget,
 * rollbacks (judged per service, and only to a config that ran healthy), a dry-run policy, no matching
 * policy, a firing page alert, and overrides that have expired or cover any config. Every scenario has
 * its own app and services, so they share one Tollgate without seeing each other's data; each checks
 * the verdict and the words and numbers that explain it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { millisToDateTime64 } from '../../src/store/index.js';
import { sendSpans, spread, type ResourceSpec, type SpanSpec } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const availability = (name: string, service: string, objective = 99.9, labels = ''): string => `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: ${name}${labels}}
spec:
  service: ${service}
  objective: ${objective}
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;

const policy = (name: string, spec: string): string => `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: ${name}}
spec:
${spec.trim().split('\n').map((l) => `  ${l.trim()}`).join('\n')}
`;

const FILES: Record<string, string[]> = {
  'search.yaml': [
    `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: search-latency}
spec:
  service: search
  objective: 99
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {duration_over: 300ms}}}
`,
    policy('search-prod', 'app: search\nenvironment: prod\nslos: [search-latency]\nmin_budget_remaining: 15%'),
  ],
  'notes.yaml': [
    availability('notes-availability', 'notes'),
    policy('notes-prod', 'app: notes\nenvironment: prod\nslos: [notes-availability]\ncompare: {min_events: 500}\nno_data: wait'),
    policy('notes-qa', 'app: notes\nenvironment: qa\nslos: [notes-availability]\ncompare: {min_events: 500}\nno_data: wait'),
  ],
  'inbox.yaml': [
    availability('inbox-availability', 'inbox'),
    policy('inbox-prod', 'app: inbox\nenvironment: prod\nslos: [inbox-availability]\nno_data: wait'),
    policy('inbox-qa', 'app: inbox\nenvironment: qa\nslos: [inbox-availability]\nno_data: deny'),
  ],
  'cart.yaml': [
    availability('cart-availability', 'cart'),
    policy('cart-prod', 'app: cart\nenvironment: prod\nslos: [cart-availability]\nmin_budget_remaining: 15%\nmax_burn_rate: 2.5'),
  ],
  'ledger.yaml': [
    availability('ledger-availability', 'ledger'),
    availability('ledger-worker-availability', 'ledger-worker'),
    policy('ledger-prod', 'app: ledger\nenvironment: prod\nslos: [ledger-availability, ledger-worker-availability]\nmin_budget_remaining: 10%'),
  ],
  'vault.yaml': [
    availability('vault-availability', 'vault'),
    policy('vault-prod', 'app: vault\nenvironment: prod\nslos: [vault-availability]\nmin_budget_remaining: 15%'),
  ],
  'wiki.yaml': [
    availability('wiki-availability', 'wiki'),
    policy('wiki-prod', 'app: wiki\nenvironment: prod\nslos: [wiki-availability]\nmin_budget_remaining: 15%\ndry_run: true'),
  ],
  'blog.yaml': [availability('blog-availability', 'blog'), availability('blog-cdn-availability', 'blog-cdn')],
  'feed.yaml': [
    availability('feed-availability', 'feed', 99, ', labels: {team: feed}'),
    policy('feed-prod', 'app: feed\nenvironment: prod\nslos: {matchLabels: {team: feed}}\nmin_budget_remaining: 10%'),
  ],
  'shop.yaml': [
    availability('shop-availability', 'shop'),
    policy('shop-prod', 'app: shop\nenvironment: prod\nslos: [shop-availability]\nmin_budget_remaining: 15%'),
  ],
};

const MIN = 60_000;
const HOUR = 60 * MIN;
let tg: InProcessTollgate;
let sloDir: string;
/** When ledger's first config last served in prod, to the minute (the rollup's resolution). */
let ledgerV1LastMinuteMs: number;

async function send(resource: ResourceSpec, spans: SpanSpec[]): Promise<SpanSpec[]> {
  await sendSpans(tg.otlpHttpUrl, resource, spans);
  return spans;
}

beforeAll(async () => {
  sloDir = tempDir('tollgate-gate-scenarios-');
  mkdirSync(sloDir, { recursive: true });
  for (const [file, docs] of Object.entries(FILES)) writeFileSync(path.join(sloDir, file), docs.join('---\n'));
  // The engine's own evaluation is not needed: the gate computes budgets and page alerts from stored data.
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  const now = Date.now();
  const fast = { durationMs: 50 };

  // search: staging's baseline was slow (over 300 ms) on 1 % of requests, the new release on 20 %; prod is healthy.
  await send({ service: 'search', configHash: 'search-v1', environment: 'prod' }, spread(1_000, now - HOUR, now - MIN, () => fast));
  await send({ service: 'search', configHash: 'search-v1', environment: 'staging' },
    spread(1_000, now - 4 * HOUR, now - 2 * HOUR, (i) => ({ durationMs: i % 100 === 0 ? 500 : 50 })));
  await send({ service: 'search', configHash: 'search-v2', environment: 'staging' },
    spread(1_000, now - 2 * HOUR + MIN, now - 10 * MIN, (i) => ({ durationMs: i % 5 === 0 ? 800 : 50 })));

  // notes: the new release served 200 events in staging (10 % failing), fewer than the policies' min_events 500.
  // prod has never seen notes; qa has, healthy.
  await send({ service: 'notes', configHash: 'notes-v1', environment: 'staging' }, spread(1_000, now - 4 * HOUR, now - 2 * HOUR));
  await send({ service: 'notes', configHash: 'notes-v2', environment: 'staging' },
    spread(200, now - 2 * HOUR + MIN, now - 10 * MIN, (i) => ({ error: i % 10 === 0 })));
  await send({ service: 'notes', configHash: 'notes-v1', environment: 'qa' }, spread(1_000, now - HOUR, now - MIN));

  // inbox: nothing at all.

  // cart: 3 failures five hours ago in 2,000 requests; a 99.9 % objective allows 2, so the budget is 50 % overspent,
  // while the last hour burns nothing.
  await send({ service: 'cart', configHash: 'cart-v1', environment: 'prod' }, spread(2_000, now - 5 * HOUR, now - MIN, (i) => ({ error: i < 3 })));

  // ledger in prod: v1 healthy, then v2 failing 5 % (which spent the budget), then v3 healthy until now.
  // ledger-worker runs its own config, which stopped reporting ten minutes ago (before ledger's last minute).
  const v1 = await send({ service: 'ledger', configHash: 'ledger-v1', environment: 'prod' }, spread(2_000, now - 8 * HOUR, now - 5 * HOUR));
  ledgerV1LastMinuteMs = Math.floor(v1[v1.length - 1]!.startMs / MIN) * MIN;
  await send({ service: 'ledger', configHash: 'ledger-v2', environment: 'prod' },
    spread(1_000, now - 5 * HOUR + MIN, now - 3 * HOUR, (i) => ({ error: i % 20 === 0, exceptionType: i % 20 === 0 ? 'LedgerLockTimeout' : undefined })));
  await send({ service: 'ledger', configHash: 'ledger-v3', environment: 'prod' }, spread(2_000, now - 3 * HOUR + MIN, now - MIN));
  await send({ service: 'ledger-worker', configHash: 'worker-v1', environment: 'prod' }, spread(500, now - 2 * HOUR, now - 10 * MIN));

  // vault in prod: its first config failed 5 % and spent the budget; v1 replaced it and has served cleanly since.
  await send({ service: 'vault', configHash: 'vault-v0', environment: 'prod' },
    spread(1_000, now - 6 * HOUR, now - 4 * HOUR, (i) => ({ error: i % 20 === 0 })));
  await send({ service: 'vault', configHash: 'vault-v1', environment: 'prod' }, spread(1_000, now - 4 * HOUR + MIN, now - MIN));

  // wiki: 10 failures in 1,000 requests six hours ago, ten times its budget.
  await send({ service: 'wiki', configHash: 'wiki-v1', environment: 'prod' }, spread(1_000, now - 6 * HOUR, now - 2 * HOUR, (i) => ({ error: i < 10 })));

  // blog: healthy in prod, no policy. blog-cdn has an SLO but nobody asks about it.
  await send({ service: 'blog', configHash: 'blog-v1', environment: 'prod' }, spread(1_000, now - HOUR, now - MIN));

  // feed (99 %): healthy for three days, then the last 15 minutes fail half their requests: both windows of the
  // fast page alert (5m, 1h) burn far above 14.4×, while the budget over 30 days still has about 40 % left.
  await send({ service: 'feed', configHash: 'feed-v1', environment: 'prod' }, spread(5_000, now - 72 * HOUR, now - 2 * HOUR));
  await send({ service: 'feed', configHash: 'feed-v1', environment: 'prod' }, spread(60, now - 15 * MIN, now - MIN / 2, (i) => ({ error: i % 2 === 0 })));

  // shop: budget spent in prod (10 failures in 1,000 requests).
  await send({ service: 'shop', configHash: 'shop-v1', environment: 'prod' }, spread(1_000, now - 6 * HOUR, now - 2 * HOUR, (i) => ({ error: i < 10 })));
}, 60_000);

afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

interface Check { slo: string; check: string; passed: boolean; value: number | null; threshold: number | null; detail: string }
interface Answer {
  decision: 'allow' | 'deny' | 'wait';
  summary: string;
  reasons: string[];
  checks: Check[];
  evidence: {
    environment: string;
    baseline_config_hash: string | null;
    release_records: Array<{ environment: string; service: string; slo: string; slo_kind: string; release_bad: number; release_total: number; baseline_config_hash: string | null }>;
    rollback: { config_hash: string; environment: string; last_healthy_at: string } | null;
    top_causes: Array<{ error_type: string; count: number }>;
  };
  policy: string | null;
  dry_run: boolean;
  basis?: string;
  would_have_been?: string;
  retry_after_seconds?: number;
  decision_id: string;
}

const post = (body: object, query = ''): Promise<Response> =>
  fetch(`${tg.apiUrl}/v1/gate${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function ask(app: string, environment: string, service: string | string[], configHash: string): Promise<Answer> {
  const res = await post({ app, environment, service, config_hash: configHash, revision: 'r1' });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

/**
 * The audit row of a decision. The gate answers first and writes its decisions together a moment
 * later (gate/decision-log.ts), so the row is waited for, a few seconds at most.
 */
async function storedRow<T>(columns: string, decisionId: string): Promise<T | undefined> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    const [row] = await tg.store.query<T>(`SELECT ${columns} FROM tollgate_gate_decisions WHERE DecisionId = {id:String}`, { id: decisionId });
    if (row !== undefined) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

const checkOf = (a: Answer, slo: string, kind: string): Check | undefined => a.checks.find((c) => c.slo === slo && c.check === kind);
const failedChecks = (a: Answer): string[] => a.checks.filter((c) => !c.passed).map((c) => `${c.slo}:${c.check}`);

describe('a latency regression', () => {
  it('denies a release that is significantly slower than its baseline in staging, naming the share, the baseline and the test', async () => {
    const a = await ask('search', 'prod', 'search', 'search-v2');
    expect(a.decision).toBe('deny');
    // The slow spans have no children: their time went to their own code; 20 % slow against the baseline's 1 % grew.
    expect(a.summary).toBe('deny: in staging this release is slow on 20.0 % of search-latency events (baseline 1.0 %); top cause slow POST /charge: 100 % of its time in its own code, grew');
    expect(checkOf(a, 'search-latency', 'release_vs_baseline')).toMatchObject({ passed: false, value: 0.2, threshold: 0.02 });
    expect(a.reasons[0]).toMatch(
      /^in staging this release is slow on 20\.0 % of search-latency events against 1\.0 % for its baseline: more than 2× and significant at 0\.01 \(two-proportion z-test, p = [0-9.e-]+\)$/,
    );
    expect(a.evidence.baseline_config_hash).toBe('search-v1');
    expect(a.evidence.release_records).toEqual([expect.objectContaining({ environment: 'staging', slo_kind: 'latency', release_bad: 200, release_total: 1_000 })]);
    // Prod itself is fine: the release's own evidence is the only thing against it.
    expect(failedChecks(a)).toEqual(['search-latency:release_vs_baseline']);
  });

  it('allows the baseline itself, which is no slower than what prod runs', async () => {
    const a = await ask('search', 'prod', 'search', 'search-v1');
    expect(a.decision).toBe('allow');
    expect(failedChecks(a)).toEqual([]);
  });
});

describe('a release with too little traffic to compare', () => {
  const LOW_TRAFFIC = 'in staging (notes-availability) this release has served 200 events and its baseline 1,000; at least 500 each are needed to compare';

  it('is not compared, and with no traffic in the target either the policy\'s no_data answers, saying why', async () => {
    const a = await ask('notes', 'prod', 'notes', 'notes-v2');
    expect(a.decision).toBe('wait');
    expect(a.reasons).toEqual(['no events yet in prod for notes-availability', LOW_TRAFFIC, 'policy notes-prod says no_data: wait']);
    // 10 % failing would be worse than the baseline, but 200 events are below min_events: no limit, no failure.
    expect(checkOf(a, 'notes-availability', 'release_vs_baseline')).toMatchObject({ passed: true, value: 0.1, threshold: null, detail: LOW_TRAFFIC });
  });

  it('is allowed into a healthy environment, and the answer says it was not compared', async () => {
    const a = await ask('notes', 'qa', 'notes', 'notes-v2');
    expect(a.decision).toBe('allow');
    expect(a.summary).toBe('allow: not enough traffic yet for this release to compare; qa budgets healthy');
    expect(a.reasons).toContain(LOW_TRAFFIC);
  });
});

describe('no data at all', () => {
  it('answers wait with Retry-After when the policy says no_data: wait', async () => {
    const res = await post({ app: 'inbox', environment: 'prod', service: 'inbox', config_hash: 'inbox-v1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('retry-after')).toBe('60');
    const a = (await res.json()) as Answer;
    expect(a).toMatchObject({ decision: 'wait', retry_after_seconds: 60, policy: 'inbox-prod' });
    expect(a.summary).toBe('wait: no traffic yet, for this release or in prod; retry in 60 s');
    expect(a.reasons).toEqual([
      'no events yet in prod for inbox-availability', 'this release has not served traffic anywhere yet', 'policy inbox-prod says no_data: wait',
    ]);
    // Flagger has no "wait": anything but allow holds the canary.
    expect((await post({ app: 'inbox', environment: 'prod', service: 'inbox', config_hash: 'inbox-v1' }, '?format=flagger')).status).toBe(403);
  });

  it('denies when the policy says no_data: deny, without a Retry-After', async () => {
    const res = await post({ app: 'inbox', environment: 'qa', service: 'inbox', config_hash: 'inbox-v1' });
    expect(res.headers.get('retry-after')).toBeNull();
    const a = (await res.json()) as Answer;
    expect(a.decision).toBe('deny');
    expect(a.summary).toBe('deny: no traffic yet, for this release or in qa; policy denies without data');
    expect(a.reasons).toContain('policy inbox-qa says no_data: deny');
    expect(a).not.toHaveProperty('retry_after_seconds');
  });
});

describe('a spent error budget in the target environment', () => {
  it('denies, naming the SLO, how far it is overspent and the policy minimum', async () => {
    const a = await ask('cart', 'prod', 'cart', 'cart-v2');
    expect(a.decision).toBe('deny');
    expect(a.summary).toBe("deny: prod has spent cart-availability's error budget (−50 % left, not burning over 1h); top cause failed in POST /charge");
    expect(checkOf(a, 'cart-availability', 'budget_remaining')).toMatchObject({ passed: false, value: -0.5, threshold: 0.15 });
    // The failures were five hours ago: the last hour burns nothing, and only the budget holds the release.
    expect(checkOf(a, 'cart-availability', 'burn_rate')).toMatchObject({ passed: true, value: 0, threshold: 2.5 });
    expect(failedChecks(a)).toEqual(['cart-availability:budget_remaining']);
    const flagger = await post({ app: 'cart', environment: 'prod', service: 'cart', config_hash: 'cart-v2' }, '?format=flagger');
    expect(flagger.status).toBe(403);
    expect(await flagger.text()).toBe("deny: prod has spent cart-availability's error budget (−50 % left, not burning over 1h); top cause failed in POST /charge\n");
  });
});

describe('a rollback', () => {
  it('allows a config that served the same service in prod before it was replaced, though the budget is spent', async () => {
    const a = await ask('ledger', 'prod', 'ledger', 'ledger-v1');
    expect(a.decision).toBe('allow');
    expect(a.basis).toBe('rollback');
    expect(a.would_have_been).toBe('deny');
    const until = new Date(ledgerV1LastMinuteMs).toISOString().slice(0, 10);
    expect(a.summary).toBe(`allow: rollback to ledger-v1, which ran healthy in prod until ${until}; 1 failed health check waived`);
    expect(a.evidence.rollback).toEqual({ config_hash: 'ledger-v1', environment: 'prod', last_healthy_at: new Date(ledgerV1LastMinuteMs).toISOString() });
    expect(a.reasons[0]).toMatch(/^this config \(ledger-v1\) ran healthy in prod until .*: deploying it again is a rollback/);
    expect(a.reasons[1]).toBe('waived for the rollback: ledger-availability has overspent its error budget by 900 % (policy needs 10 % left)');
    expect(failedChecks(a)).toEqual(['ledger-availability:budget_remaining']);
  });

  it('is not granted to the replaced config that spent the budget, which is denied on its own record', async () => {
    const a = await ask('ledger', 'prod', 'ledger', 'ledger-v2');
    expect(a.decision).toBe('deny');
    expect(a.evidence.rollback).toBeNull();
    expect(a.summary).toBe(
      'deny: in prod this release fails 5.0 % of ledger-availability events (baseline 0.0 %); top cause LedgerLockTimeout in POST /charge, new in ledger-v2; 1 more check failed',
    );
    expect(a.evidence.baseline_config_hash).toBe('ledger-v1');
    expect(a.reasons.join(' ')).not.toMatch(/rollback|ran healthy/);
  });

  it('is not granted to a replaced config that spent the budget, even with no baseline to compare it with', async () => {
    // vault-v0 served first, so nothing shows it worse than a baseline; its own 5 % against a 0.1 % budget does.
    const a = await ask('vault', 'prod', 'vault', 'vault-v0');
    expect(a.evidence.rollback).toBeNull();
    expect(a.decision).toBe('deny');
    expect(a.summary).toBe("deny: prod has spent vault-availability's error budget (−24× left, not burning over 1h); top cause failed in POST /charge");
    expect(checkOf(a, 'vault-availability', 'release_vs_baseline')).toMatchObject({
      passed: true, value: 0.05, threshold: null, detail: 'in prod (vault-availability) this release has no baseline to compare with',
    });
    expect(a.reasons.join(' ')).not.toMatch(/rollback|ran healthy/);
  });

  it('is not what re-deploying the config still serving is', async () => {
    const a = await ask('ledger', 'prod', 'ledger', 'ledger-v3');
    expect(a.decision).toBe('deny');
    expect(a.evidence.rollback).toBeNull();
    expect(a.summary).toBe("deny: prod has spent ledger-availability's error budget (−900 % left, not burning over 1h); top cause LedgerLockTimeout in POST /charge");
  });

  it('is judged per service: another service\'s newer config does not make this service\'s current config a rollback', async () => {
    // worker-v1 still serves ledger-worker; ledger's v3 reported more recently, but that is another service.
    const a = await ask('ledger', 'prod', 'ledger-worker', 'worker-v1');
    expect(a.evidence.rollback).toBeNull();
    expect(a.decision).toBe('deny');
    expect(a).not.toHaveProperty('basis');
    expect(a.summary).toBe("deny: prod has spent ledger-availability's error budget (−900 % left, not burning over 1h); top cause LedgerLockTimeout in POST /charge");
    expect(a.reasons.join(' ')).not.toMatch(/rollback/);
  });
});

describe('a dry-run policy', () => {
  it('answers allow, and the stored decision shows it would have denied and why', async () => {
    const a = await ask('wiki', 'prod', 'wiki', 'wiki-v2');
    expect(a).toMatchObject({ decision: 'allow', basis: 'dry_run', would_have_been: 'deny', dry_run: true, policy: 'wiki-prod' });
    expect(a.summary).toBe("dry run: would deny: prod has spent wiki-availability's error budget (−900 % left); top cause failed in POST /charge");
    expect(a.reasons[0]).toBe('dry run: policy wiki-prod records this decision but does not block the release');
    expect(checkOf(a, 'wiki-availability', 'budget_remaining')).toMatchObject({ passed: false, value: -9, threshold: 0.15 });

    const stored = (await (await fetch(`${tg.apiUrl}/v1/gate/decisions/${a.decision_id}`)).json()) as Answer;
    expect(stored).toEqual(a);
    const row = await storedRow<{ Decision: string; DryRun: boolean; Policy: string }>('Decision, DryRun, Policy', a.decision_id);
    expect(row).toEqual({ Decision: 'allow', DryRun: true, Policy: 'wiki-prod' });
    expect((await post({ app: 'wiki', environment: 'prod', service: 'wiki', config_hash: 'wiki-v2' }, '?format=flagger')).status).toBe(200);
  });
});

describe('no matching policy', () => {
  it("answers from the service's own SLOs with the defaults, and says so", async () => {
    const a = await ask('blog', 'prod', 'blog', 'blog-v2');
    expect(a.decision).toBe('allow');
    expect(a.policy).toBeNull();
    expect(a.summary).toBe('allow: no traffic yet for this release; prod budgets healthy; no gate policy matched; defaults applied');
    expect(a.reasons[0]).toMatch(/^no gate policy matched blog in prod; defaults applied: the error budget must not be spent, no page alert may fire/);
    // Only blog's SLO (not blog-cdn's, another service), with the defaults' checks: budget above 0 and no page; burn is not judged.
    expect(a.checks.map((c) => `${c.slo}:${c.check}`)).toEqual(['blog-availability:budget_remaining', 'blog-availability:page_alert']);
    expect(checkOf(a, 'blog-availability', 'budget_remaining')).toMatchObject({ passed: true, value: 1, threshold: 0 });
  });
});

describe('a page alert firing in the target environment', () => {
  it('denies, naming the alert, though the budget is above the policy minimum', async () => {
    const a = await ask('feed', 'prod', 'feed', 'feed-v2');
    expect(a.decision).toBe('deny');
    expect(a.summary).toMatch(/^deny: feed-availability is paging in prod \(burning \d+× over 1h, [\d.]+ % of its budget left\); top cause failed in POST \/charge$/);
    const page = checkOf(a, 'feed-availability', 'page_alert');
    expect(page).toMatchObject({ passed: false, threshold: 0 });
    expect(page?.value).toBeGreaterThanOrEqual(1);
    expect(checkOf(a, 'feed-availability', 'budget_remaining')).toMatchObject({ passed: true, threshold: 0.1 });
    expect(checkOf(a, 'feed-availability', 'budget_remaining')?.value).toBeCloseTo(1 - 30 / (5_060 * 0.01), 9);
    expect(a.reasons[0]).toMatch(/^feed-availability is paging: \d page alerts? firing \(feed-availability\/page\/5m\/1h/);
  });
});

describe('overrides', () => {
  const override = async (configHash: string, who: string): Promise<string> => {
    const res = await fetch(`${tg.apiUrl}/v1/overrides`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: 'shop', environment: 'prod', config_hash: configHash, reason: `INC-7 ${who} ships the fix`, who, expires_in_seconds: 3_600 }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const storedOverride = async (decisionId: string): Promise<string | undefined> => (await storedRow<{ Override: string }>('Override', decisionId))?.Override;

  it('does not apply an override that has expired', async () => {
    // The API only creates overrides that expire in the future; this one is written as it would be after an hour.
    const createdMs = Date.now() - 2 * HOUR;
    await tg.store.insertRows('tollgate_overrides', ['OverrideId', 'CreatedAt', 'App', 'Environment', 'ConfigHash', 'Who', 'Reason', 'ExpiresAt'], [[
      'ovr-expired', millisToDateTime64(createdMs), 'shop', 'prod', 'shop-v2', 'mallory', 'INC-6 expired break-glass', millisToDateTime64(createdMs + HOUR),
    ]]);
    const a = await ask('shop', 'prod', 'shop', 'shop-v2');
    expect(a.decision).toBe('deny');
    expect(a.summary).toBe("deny: prod has spent shop-availability's error budget (−900 % left); top cause failed in POST /charge");
    expect(a.reasons.join(' ')).not.toMatch(/mallory|override/);
    expect(await storedOverride(a.decision_id)).toBe('');
  });

  it('applies an override for any config (*), and records which override opened the gate', async () => {
    const anyId = await override('*', 'bob');
    const a = await ask('shop', 'prod', 'shop', 'shop-v2');
    expect(a).toMatchObject({ decision: 'allow', basis: 'override', would_have_been: 'deny' });
    expect(a.summary).toMatch(/^allow: break-glass override by bob until .* UTC: INC-7 bob ships the fix$/);
    expect(a.reasons[0]).toMatch(new RegExp(`^break-glass override ${anyId} by bob, valid until .* UTC for any config: INC-7 bob ships the fix$`));
    expect(a.reasons[1]).toBe("without the override: deny: prod has spent shop-availability's error budget (−900 % left); top cause failed in POST /charge");
    expect(await storedOverride(a.decision_id)).toBe(anyId);
  });

  it('prefers an override for this exact config over *, and the audit row names the one applied', async () => {
    const exactId = await override('shop-v2', 'carol');
    const a = await ask('shop', 'prod', 'shop', 'shop-v2');
    expect(a.summary).toMatch(/^allow: break-glass override by carol /);
    expect(a.reasons[0]).toMatch(new RegExp(`^break-glass override ${exactId} by carol`));
    expect(await storedOverride(a.decision_id)).toBe(exactId);
  });
});
