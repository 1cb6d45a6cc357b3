/**
 * No PromQL query freezes Tollgate: regexes run in linear time (RE2), evaluation runs on worker
 * threads, and a query's timeout ends it. Meanwhile /healthz keeps answering on the event loop
 * that ingest and the gate share. Bounds here are generous (a frozen process misses them by
 * minutes); the latencies themselves are measured in bench/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';

let tg: InProcessTollgate;
beforeAll(async () => {
  // The example SLOs are loaded: their series names are what a `__name__` regex is matched against.
  tg = await startInProcess();
});
afterAll(async () => {
  await tg?.cleanup();
});

interface PromAnswer { status: string; errorType?: string; error?: string; data?: unknown }

async function query(path: string, params: Record<string, string>): Promise<{ status: number; body: PromAnswer; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${tg.apiUrl}${path}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, body: (await res.json()) as PromAnswer, ms: performance.now() - started };
}

/** Asks /healthz every 25 ms until `until` settles; returns the slowest answer in ms. */
async function slowestHealthz(until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let slowest = 0;
  while (!done) {
    const started = performance.now();
    const res = await fetch(`${tg.apiUrl}/healthz`);
    await res.arrayBuffer();
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((r) => setTimeout(r, 25));
  }
  return slowest;
}

/** Subqueries nested n deep over a 1-second step: seconds of evaluation on an empty store. */
const nested = (n: number): string => {
  let q = 'vector(1)';
  for (let i = 0; i < n; i++) q = `max_over_time((${q})[10m:1s])`;
  return q;
};

describe('queries that would freeze a backtracking or single-threaded engine', () => {
  it('answers a catastrophic-backtracking regex at once, as RE2 does', async () => {
    const answer = query('/api/v1/query', { query: '{__name__=~"(.*)*X"}' });
    const slowest = await slowestHealthz(answer);
    const { status, body, ms } = await answer;
    expect({ status, status_field: body.status }).toEqual({ status: 200, status_field: 'success' });
    expect(ms).toBeLessThan(5_000);
    expect(slowest).toBeLessThan(1_000);
  });

  it('refuses a regex with Go\'s error text, like Prometheus', async () => {
    const { status, body } = await query('/api/v1/query', { query: 'up{job=~"a{1001}"}' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid parameter "query": 1:4: parse error: error parsing regexp: invalid repeat count: `{1001}`');
  });

  it('ends an evaluation at its timeout with 503 while /healthz keeps answering', async () => {
    const answer = query('/api/v1/query_range', { query: nested(8), start: '0', end: String(10_999 * 60), step: '60', timeout: '1s' });
    const slowest = await slowestHealthz(answer);
    const { status, body, ms } = await answer;
    expect({ status, errorType: body.errorType, error: body.error }).toEqual({ status: 503, errorType: 'timeout', error: 'query timed out in expression evaluation' });
    expect(ms).toBeLessThan(3_000);
    expect(slowest).toBeLessThan(1_000);
  });

  it('still evaluates queries after a worker was ended', async () => {
    const { status, body } = await query('/api/v1/query', { query: 'vector(2) * 5', time: '600' });
    expect(status).toBe(200);
    expect(body.data).toEqual({ resultType: 'vector', result: [{ metric: {}, value: [600, '10'] }] });
  });
});
