import { describe, expect, it } from 'vitest';
import {
  healthOf, mergeStats, parseSince, quantileFromBuckets, shapeServiceMap, shapeSloGraph, sloState, type ReleaseStatsRow, type SloGraphEntry,
} from '../../src/correlate/index.js';
import { parseMermaid } from './mermaid-parse.js';

const MS = 1_000_000;

describe('quantiles from the rollup buckets', () => {
  it('answers the mean duration of the bucket holding the ⌈q·n⌉-th span', () => {
    // 90 spans of 10 ms (bucket ≤ 10 ms), 10 of 200 ms (bucket ≤ 200 ms).
    const buckets = [[200 * MS, 10, 10 * 200 * MS], [10 * MS, 90, 90 * 10 * MS]] as const;
    expect(quantileFromBuckets([...buckets], 0.5)).toBe(10);
    expect(quantileFromBuckets([...buckets], 0.9)).toBe(10);
    expect(quantileFromBuckets([...buckets], 0.91)).toBe(200);
    expect(quantileFromBuckets([...buckets], 0.99)).toBe(200);
  });

  it('puts p95 of 100 spans on the 95th, despite 0.95 × 100 not being 95 in binary', () => {
    const buckets: Array<readonly [number, number, number]> = [[5 * MS, 95, 95 * 4 * MS], [10 * MS, 5, 5 * 8 * MS]];
    expect(quantileFromBuckets(buckets, 0.95)).toBe(4);
    expect(quantileFromBuckets(buckets, 0.96)).toBe(8);
  });

  it('is null without spans; reads 64-bit numbers given as strings', () => {
    expect(quantileFromBuckets([], 0.5)).toBeNull();
    expect(quantileFromBuckets([['18446744073709551615', '2', String(2 * 400_000 * MS)]], 0.5)).toBe(400_000);
  });
});

describe('mergeStats', () => {
  const row = (over: Partial<ReleaseStatsRow>): ReleaseStatsRow => ({
    service: 'checkout', environment: 'prod', config_hash: 'a', first: 1_700_000_040, last: 1_700_000_100, spans: '10', errors: '1',
    buckets: [[String(10 * MS), '10', String(10 * 10 * MS)]], ...over,
  });
  it('adds counts and buckets and widens first and last seen', () => {
    const merged = mergeStats([row({}), row({ first: 1_700_000_000, last: 1_700_000_060, spans: '30', errors: '0', buckets: [[String(10 * MS), '30', String(30 * 6 * MS)]] })])!;
    expect(merged).toEqual({
      first_seen: '2023-11-14T22:13:20.000Z', last_seen: '2023-11-14T22:15:00.000Z', spans: 40, errors: 1, error_ratio: 0.025,
      p50_ms: 7, p95_ms: 7, p99_ms: 7,
    });
  });
  it('gives no error ratio and no quantiles without server spans', () => {
    expect(mergeStats([row({ spans: 0, errors: 0, buckets: [] })])).toMatchObject({ spans: 0, error_ratio: null, p50_ms: null });
    expect(mergeStats([])).toBeNull();
  });
});

describe('parseSince', () => {
  it('takes durations as SLO files write them, within bounds', () => {
    expect(parseSince(undefined, 3600, 86_400)).toEqual({ ok: true, seconds: 3600 });
    expect(parseSince('7d', 3600, 31 * 86_400)).toEqual({ ok: true, seconds: 7 * 86_400 });
    expect(parseSince('90m', 3600, 86_400)).toEqual({ ok: true, seconds: 5400 });
    expect(parseSince('1w', 3600, 86_400)).toMatchObject({ ok: false, error: expect.stringMatching(/longer than the 1d allowed/) });
    expect(parseSince('30s', 3600, 86_400)).toMatchObject({ ok: false, error: expect.stringMatching(/shorter than a minute/) });
    expect(parseSince('yesterday', 3600, 86_400)).toMatchObject({ ok: false, error: expect.stringMatching(/^since: "yesterday" is not a duration/) });
  });
});

describe('shapeServiceMap', () => {
  it('turns rows into nodes, edges and a mermaid flowchart with labels, health classes and links', async () => {
    const map = shapeServiceMap({
      nodeRows: [
        { service: 'checkout', calls: '120', errors: '3', config_hash: 'cfg-"new"' },
        { service: 'frontend', calls: '0', errors: '0', config_hash: '' },
        { service: 'payments', calls: '200', errors: '20', config_hash: 'p1' },
      ],
      edgeRows: [
        { source: 'frontend', target: 'checkout', calls: '120', errors: '3', p95_ns: '41200000' },
        { source: 'checkout', target: 'payments', calls: '100', errors: '0', p95_ns: '8000000' },
      ],
      sampleEvery: 1, environment: 'prod', since: '1h',
    });
    expect(map.nodes).toEqual([
      { service: 'checkout', calls: 120, errors: 3, error_ratio: 0.025, config_hash: 'cfg-"new"' },
      { service: 'frontend', calls: 0, errors: 0, error_ratio: null, config_hash: null },
      { service: 'payments', calls: 200, errors: 20, error_ratio: 0.1, config_hash: 'p1' },
    ]);
    expect(map.edges).toEqual([
      { source: 'checkout', target: 'payments', calls: 100, errors: 0, error_ratio: 0, p95_ms: 8 },
      { source: 'frontend', target: 'checkout', calls: 120, errors: 3, error_ratio: 0.025, p95_ms: 41.2 },
    ]);
    expect(map.sample_rate).toBe(1);
    expect(map.mermaid).toContain('svc1_frontend -->|"120 calls, 2.5 % errors, p95 41 ms"| svc0_checkout');
    expect(map.mermaid).toMatch(/^ {2}class svc0_checkout warn$/m);
    expect(map.mermaid).toMatch(/^ {2}class svc2_payments bad$/m);
    expect(map.mermaid).toMatch(/^ {2}class svc1_frontend unknown$/m);
    expect(map.mermaid).toContain('click svc0_checkout href "/releases/cfg-%22new%22"');
    expect(map.mermaid).toContain('click svc1_frontend href "/v1/releases?service=frontend"');
    await expect(parseMermaid(map.mermaid)).resolves.toBe('flowchart-v2');
  });

  it('scales sampled edge counts and marks them as estimates', () => {
    const map = shapeServiceMap({
      nodeRows: [], edgeRows: [{ source: 'a', target: 'b', calls: 10, errors: 1, p95_ns: null }], sampleEvery: 4, environment: null, since: '1h',
    });
    expect(map.sample_rate).toBe(0.25);
    expect(map.edges[0]).toMatchObject({ calls: 40, errors: 4, error_ratio: 0.1, p95_ms: null });
    expect(map.nodes.map((n) => n.service)).toEqual(['a', 'b']);
    expect(map.mermaid).toContain('|"~40 calls, 10.0 % errors"|');
  });

  it('grades health by error ratio', () => {
    expect([null, 0, 0.0099, 0.01, 0.0499, 0.05].map(healthOf)).toEqual(['unknown', 'ok', 'ok', 'warn', 'warn', 'bad']);
  });
});

describe('shapeSloGraph', () => {
  const entry = (name: string, dependsOn: string[], evaluation: SloGraphEntry['evaluation']): SloGraphEntry =>
    ({ name, service: name.split('-')[0]!, objective: 0.999, dependsOn, evaluation });
  const healthy = { ok: true as const, budgetRemaining: 0.8, burnRate1h: 0.5, totalEvents: 1000, alertsFiring: 0 };

  it('grades each SLO and draws an edge per depends_on', async () => {
    const graph = shapeSloGraph([
      entry('checkout-availability', ['payments-availability'], healthy),
      entry('payments-availability', [], { ...healthy, budgetRemaining: -0.2 }),
      entry('search-latency', ['checkout-availability'], { ...healthy, budgetRemaining: 0.1 }),
      entry('frontend-logs', [], { ok: false, error: 'query failed' }),
    ]);
    expect(graph.nodes.map((n) => [n.slo, n.state])).toEqual([
      ['checkout-availability', 'ok'], ['frontend-logs', 'no_data'], ['payments-availability', 'exhausted'], ['search-latency', 'warning'],
    ]);
    expect(graph.nodes[1]).toMatchObject({ error: 'query failed', budget_remaining: null, burn_rate_1h: null });
    expect(graph.nodes[0]).toEqual({ slo: 'checkout-availability', service: 'checkout', objective: 0.999, budget_remaining: 0.8, burn_rate_1h: 0.5, state: 'ok' });
    expect(graph.edges).toEqual([{ from: 'checkout-availability', to: 'payments-availability' }, { from: 'search-latency', to: 'checkout-availability' }]);
    expect(graph.problems).toEqual([]);
    expect(graph.mermaid).toContain('slo0_checkout_availability --> slo2_payments_availability');
    expect(graph.mermaid).toContain('click slo0_checkout_availability href "/slos/checkout-availability"');
    await expect(parseMermaid(graph.mermaid)).resolves.toBe('flowchart-v2');
  });

  it('reports a depends_on naming no loaded SLO as a problem, drawn dashed to a grey node', async () => {
    const graph = shapeSloGraph([entry('orphan-availability', ['ghost', 'ghost'], healthy)]);
    expect(graph.edges).toEqual([]);
    expect(graph.problems).toEqual([{ slo: 'orphan-availability', depends_on: 'ghost', problem: 'depends_on names "ghost", which is not a loaded SLO' }]);
    expect(graph.mermaid).toContain('slo0_orphan_availability -.-> slo1_ghost');
    await expect(parseMermaid(graph.mermaid)).resolves.toBe('flowchart-v2');
  });

  it('reads no traffic as no data and a firing alert as a warning', () => {
    expect(sloState({ ...healthy, totalEvents: 0 })).toBe('no_data');
    expect(sloState({ ...healthy, alertsFiring: 1 })).toBe('warning');
  });
});
