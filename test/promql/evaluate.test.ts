import { describe, expect, it } from 'vitest';
import {
  createMemorySource,
  evaluateInstant,
  evaluateRange,
  parsePromql,
  PromqlError,
  type QueryResult,
  type Series,
  type SeriesSource,
} from '../../src/promql/index.js';

const T = 1_700_000_000_000;

/** A counter per label set, one sample every 15 s for an hour, rising by `perScrape`. */
const counter = (labels: Record<string, string>, perScrape: number): Series => {
  const timestampsMs: number[] = [];
  const values: number[] = [];
  for (let i = 0; i <= 240; i++) {
    timestampsMs.push(T + i * 15_000);
    values.push(i * perScrape);
  }
  return { labels, timestampsMs, values };
};

const fixture = (): Series[] => [
  counter({ __name__: 'req_total', job: 'api', code: '200' }, 30),
  counter({ __name__: 'req_total', job: 'api', code: '500' }, 3),
  counter({ __name__: 'req_total', job: 'web', code: '200' }, 15),
];

async function failure(p: Promise<QueryResult>): Promise<PromqlError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PromqlError) return err;
    throw err;
  }
  throw new Error('query succeeded');
}

describe('evaluateInstant / evaluateRange', () => {
  it('answers in the Prometheus API shapes', async () => {
    const src = createMemorySource(fixture());
    const at = T + 1_800_000;
    expect(await evaluateInstant(parsePromql('sum by (job) (rate(req_total[5m]))'), at, src)).toEqual({
      resultType: 'vector',
      result: [
        { metric: { job: 'api' }, value: [1_700_001_800, '2.2'] },
        { metric: { job: 'web' }, value: [1_700_001_800, '1'] },
      ],
    });
    expect(await evaluateInstant(parsePromql('1 / 8'), at, src)).toEqual({ resultType: 'scalar', result: [1_700_001_800, '0.125'] });
    expect(await evaluateRange(parsePromql('sum(req_total{code="500"}) / 3'), at, at + 30_000, 15_000, src)).toEqual({
      resultType: 'matrix',
      result: [{ metric: {}, values: [[1_700_001_800, '120'], [1_700_001_815, '121'], [1_700_001_830, '122']] }],
    });
  });

  it('selects once per selector, pushing matchers and the exact window down', async () => {
    const src = createMemorySource(fixture());
    await evaluateRange(parsePromql('rate(req_total{code="500"}[5m]) / rate(req_total[1m] offset 1m)'), T + 600_000, T + 1_200_000, 60_000, src);
    expect(src.requests).toEqual([
      { matchers: [{ name: 'code', type: '=', value: '500' }, { name: '__name__', type: '=', value: 'req_total' }], startMs: T + 300_000, endMs: T + 1_200_000 },
      { matchers: [{ name: '__name__', type: '=', value: 'req_total' }], startMs: T + 480_000, endMs: T + 1_140_000 },
    ]);
  });

  it('merges duplicate series and normalises labels a store hands back', async () => {
    const split: SeriesSource = {
      async select(): Promise<Series[]> {
        return [
          { labels: { __name__: 'up', job: 'a', empty: '' }, timestampsMs: [T], values: [1] },
          { labels: { job: 'a', __name__: 'up' }, timestampsMs: [T + 15_000], values: [0] },
        ];
      },
    };
    expect(await evaluateRange(parsePromql('up'), T, T + 15_000, 15_000, split)).toEqual({
      resultType: 'matrix',
      result: [{ metric: { __name__: 'up', job: 'a' }, values: [[1_700_000_000, '1'], [1_700_000_015, '0']] }],
    });
  });

  it('refuses a range query of a range vector with Prometheus wording', async () => {
    const err = await failure(evaluateRange(parsePromql('req_total[5m]'), T, T + 60_000, 15_000, createMemorySource([])));
    expect(err).toMatchObject({ type: 'bad_data', message: 'invalid expression type "range vector" for range query, must be Scalar or instant Vector' });
  });

  it('refuses more than 11,000 points per series', async () => {
    const err = await failure(evaluateRange(parsePromql('up'), T, T + 11_001_000, 1_000, createMemorySource([])));
    expect(err.type).toBe('bad_data');
    expect(err.message).toContain('exceeded maximum resolution of 11,000 points');
  });

  it('reports many-to-many matching as an execution error naming the series', async () => {
    const err = await failure(evaluateInstant(parsePromql('req_total + on(job) req_total'), T + 600_000, createMemorySource(fixture())));
    expect(err.type).toBe('execution');
    expect(err.message).toBe(
      'found duplicate series for the match group {job="api"} on the right hand-side of the operation: ' +
        '[{__name__="req_total", code="500", job="api"}, {__name__="req_total", code="200", job="api"}];' +
        'many-to-many matching not allowed: matching labels must be unique on one side',
    );
  });

  it('stops with an execution error when the sample budget is exceeded', async () => {
    const err = await failure(evaluateRange(parsePromql('req_total * 2'), T, T + 3_600_000, 15_000, createMemorySource(fixture()), { maxSamples: 1_000 }));
    expect(err).toMatchObject({ type: 'execution', message: 'query processing would load too many samples into memory in query execution' });
  });

  it('answers timeout when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(evaluateInstant(parsePromql('up'), T, createMemorySource(fixture()), { signal: controller.signal }));
    expect(err.type).toBe('timeout');
  });

  it('answers timeout when the store is slower than the query timeout', async () => {
    const slow: SeriesSource = {
      select: (_req, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error))),
    };
    const err = await failure(evaluateInstant(parsePromql('up'), T, slow, { timeoutMs: 20 }));
    expect(err).toMatchObject({ type: 'timeout', message: 'query timed out in query preparation' });
  });

  it('evaluates an 11,000-step range over 200 series (time logged, not asserted)', async () => {
    const stepMs = 15_000;
    const steps = 11_000;
    const series: Series[] = [];
    for (let s = 0; s < 200; s++) {
      const n = steps + 40;
      const timestampsMs = new Float64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        timestampsMs[i] = T - 600_000 + i * stepMs + (s % 7) * 100;
        values[i] = i * (s % 13);
      }
      series.push({ labels: { __name__: 'req_total', job: `job${s % 10}`, instance: `i${s}` }, timestampsMs, values });
    }
    const src = createMemorySource(series);
    const end = T + (steps - 1) * stepMs;
    const timings: string[] = [];
    for (const q of ['sum by (job) (rate(req_total[5m]))', 'rate(req_total[5m])']) {
      const started = performance.now();
      const r = await evaluateRange(parsePromql(q), T, end, stepMs, src);
      timings.push(`${q}: ${Math.round(performance.now() - started)} ms`);
      expect(r.resultType).toBe('matrix');
      expect(r.result.length).toBe(q.startsWith('sum') ? 10 : 200);
    }
    console.log(`11,000 steps × 200 series: ${timings.join('; ')}`);
  });
});
