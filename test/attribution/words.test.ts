import { describe, expect, it } from 'vitest';
import { causeHeadline, changeWords, normalizeText, shortHash, type CauseKey } from '../../src/attribution/index.js';

const key = (over: Partial<CauseKey>): CauseKey => ({
  kind: 'error', service: 'shop', operation: 'GET /api/items/{id}', errorType: '', dependency: '', dependencyOperation: '', labels: {}, ...over,
});

describe('causeHeadline', () => {
  it.each<[string, CauseKey, number | null, string]>([
    ['an error', key({ errorType: 'TypeError' }), null, 'TypeError in GET /api/items/{id}'],
    ['a failing dependency', key({ kind: 'dependency', operation: 'POST /api/checkout', dependency: 'payments', errorType: 'CardDeclinedError', dependencyOperation: 'POST /charge' }), null,
      'payments failing (CardDeclinedError in POST /charge) under POST /api/checkout'],
    ['a failing dependency with no operation', key({ kind: 'dependency', operation: 'POST /api/checkout', dependency: 'redis', errorType: 'error' }), null,
      'redis failing (error) under POST /api/checkout'],
    ['a slow event in a downstream', key({ kind: 'slow', operation: 'GET /api/items', dependency: 'inventory', dependencyOperation: 'GET /stock' }), 0.91,
      'slow GET /api/items: 91 % of its time in inventory GET /stock'],
    ['a slow event in its own code', key({ kind: 'slow', operation: 'GET /api/items' }), 0.8, 'slow GET /api/items: 80 % of its time in its own code'],
    ['a slow event in a child without a downstream', key({ kind: 'slow', operation: 'GET /api/items', dependencyOperation: 'render' }), 0.6,
      'slow GET /api/items: 60 % of its time in render'],
    ['a log record', key({ kind: 'log', operation: 'ERROR', errorType: 'payment provider timeout after <n> ms' }), null, 'ERROR payment provider timeout after <n> ms'],
    ['a metric series', key({ kind: 'metric', operation: 'http_requests_total', labels: { route: '/pay', code: '503' } }), null, 'http_requests_total{route="/pay",code="503"}'],
  ])('%s', (_what, cause, timeShare, headline) => {
    expect(causeHeadline(cause, timeShare)).toBe(headline);
  });
});

describe('changeWords', () => {
  const hash = 'a3f9c2d1e4b5a6978877665544332211';
  it.each([
    ['new', [hash], ', new in a3f9c2d1e4b5'],
    ['new', [], ', new'],
    ['new', ['v3'], ', new in v3'],
    ['grew', [hash], ', grew'],
    ['steady', [hash], ''],
    ['shrank', [hash], ''],
    ['no_baseline', [hash], ''],
  ] as const)('says %s (config hashes %j) as %j', (change, configHashes, words) => {
    expect(changeWords({ change, configHashes: [...configHashes] })).toBe(words);
  });

  it('keeps hashes of 12 characters or fewer whole', () => {
    expect(shortHash('v3')).toBe('v3');
    expect(shortHash('0123456789ab')).toBe('0123456789ab');
    expect(shortHash('0123456789abc')).toBe('0123456789ab');
  });
});

describe('normalizeText', () => {
  it.each([
    ['order 8f14e45f-ceea-467a-9a36-dedd4bea2543 not found', 'order <id> not found'],
    ['trace 4bf92f3577b34da6a3ce929d0e0e4736 dropped', 'trace <id> dropped'],
    ['timeout after 1234 ms (attempt 3)', 'timeout after <n> ms (attempt <n>)'],
    ["user 'alice@example.com' locked", "user '…' locked"],
    ['key "cart:42" missing', 'key "…" missing'],
    ['connection refused', 'connection refused'],
  ])('%j → %j', (text, normalized) => {
    expect(normalizeText(text)).toBe(normalized);
  });

  it('keeps 200 characters at most', () => {
    expect(normalizeText('x'.repeat(300))).toBe('x'.repeat(200));
  });
});
