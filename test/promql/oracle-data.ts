/**
 * Deterministic samples for the oracle suite: three hours of scrapes with jitter, counters with
 * resets, late starts and gaps, gauges crossing zero (one NaN), classic histograms (one with
 * non-monotonic buckets), irregularly sampled gauges, info-style metrics for group_left, and
 * values that exercise number formatting.
 */
import type { OracleSeries } from '../helpers/prometheus.js';
import { seededRandom } from '../helpers/random.js';

export const T0_SECONDS = 1_700_000_000; // 2023-11-14T22:13:20Z
const T0 = T0_SECONDS * 1000;
const DURATION_MS = 3 * 3_600_000;
const SCRAPE_MS = 15_000;

interface ScrapeOpts {
  seed: number;
  startMs?: number;
  endMs?: number;
  /** [from, to) offsets from T0 in ms with no samples. */
  gaps?: Array<[number, number]>;
}

/** Scrape times every 15 s with up to ±1.5 s of millisecond jitter. */
function scrapeTimes({ seed, startMs = T0, endMs = T0 + DURATION_MS, gaps = [] }: ScrapeOpts): number[] {
  const r = seededRandom(seed);
  const out: number[] = [];
  for (let t = startMs; t <= endMs; t += SCRAPE_MS) {
    const jittered = t + Math.round((r() - 0.5) * 3000);
    if (gaps.some(([from, to]) => jittered >= T0 + from && jittered < T0 + to)) continue;
    out.push(jittered);
  }
  return out;
}

function counter(labels: Record<string, string>, opts: ScrapeOpts & { ratePerSecond: number; resetProbability: number }): OracleSeries {
  const r = seededRandom(opts.seed * 7 + 1);
  const timestampsMs = scrapeTimes(opts);
  let v = Math.floor(r() * 1000);
  const values = timestampsMs.map(() => {
    if (r() < opts.resetProbability) v = Math.floor(r() * 5); // process restart
    else v += Math.floor(r() * opts.ratePerSecond * 30);
    return v;
  });
  return { labels, timestampsMs, values };
}

function gauge(labels: Record<string, string>, opts: ScrapeOpts & { scale: number; nanAtIndex?: number }): OracleSeries {
  const r = seededRandom(opts.seed * 13 + 5);
  const timestampsMs = scrapeTimes(opts);
  let v = (r() - 0.3) * opts.scale;
  const values = timestampsMs.map((_, i) => {
    v += (r() - 0.5) * opts.scale * 0.1;
    // Rounded to 1/1024: sums stay exact, so float summation order cannot change results.
    return i === opts.nanAtIndex ? NaN : Math.round(v * 1024) / 1024;
  });
  return { labels, timestampsMs, values };
}

const BOUNDS = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'];

/** A classic histogram: cumulative `le` buckets, `_sum` and `_count`, all scraped together. */
function histogram(base: Record<string, string>, seed: number): OracleSeries[] {
  const r = seededRandom(seed);
  const timestampsMs = scrapeTimes({ seed: seed + 100 });
  const bucketCounts = BOUNDS.map(() => [] as number[]);
  const sums: number[] = [];
  const counts: number[] = [];
  const cumulative = BOUNDS.map(() => 0);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < timestampsMs.length; i++) {
    const n = Math.floor(r() * 20);
    for (let k = 0; k < n; k++) {
      const obs = Math.round(-Math.log(1 - r()) * 0.4 * 1000) / 1000; // exponential, mean 0.4 s
      sum += obs;
      count++;
      BOUNDS.forEach((b, bi) => {
        if (obs <= Number(b === '+Inf' ? Infinity : b)) cumulative[bi] = (cumulative[bi] as number) + 1;
      });
    }
    BOUNDS.forEach((_, bi) => (bucketCounts[bi] as number[]).push(cumulative[bi] as number));
    sums.push(Math.round(sum * 1000) / 1000);
    counts.push(count);
  }
  return [
    ...BOUNDS.map((le, bi) => ({
      labels: { __name__: 'request_duration_seconds_bucket', ...base, le },
      timestampsMs,
      values: bucketCounts[bi] as number[],
    })),
    { labels: { __name__: 'request_duration_seconds_sum', ...base }, timestampsMs, values: sums },
    { labels: { __name__: 'request_duration_seconds_count', ...base }, timestampsMs, values: counts },
  ];
}

/** A gauge sampled every 40–400 s, so five-minute lookbacks sometimes find nothing. */
function irregular(labels: Record<string, string>, seed: number): OracleSeries {
  const r = seededRandom(seed);
  const timestampsMs: number[] = [];
  const values: number[] = [];
  for (let t = T0 + Math.floor(r() * 60_000); t <= T0 + DURATION_MS; t += 40_000 + Math.floor(r() * 360_000)) {
    timestampsMs.push(t);
    values.push(Math.round((15 + r() * 10) * 10) / 10);
  }
  return { labels, timestampsMs, values };
}

function constant(labels: Record<string, string>, value: number, seed: number): OracleSeries {
  const timestampsMs = scrapeTimes({ seed });
  return { labels, timestampsMs, values: timestampsMs.map(() => value) };
}

export function oracleSeries(): OracleSeries[] {
  const series: OracleSeries[] = [];
  let seed = 1;
  for (const instance of ['a', 'b', 'c']) {
    for (const code of ['200', '500']) {
      const gap: Array<[number, number]> = instance === 'b' && code === '500' ? [[3_600_000, 4_500_000]] : [];
      series.push(
        counter(
          { __name__: 'http_requests_total', job: 'api', instance, code },
          { seed: seed++, ratePerSecond: code === '200' ? 5 : 0.5, resetProbability: 0.004, gaps: gap },
        ),
      );
    }
  }
  series.push(counter({ __name__: 'http_requests_total', job: 'web', instance: 'a', code: '200' }, { seed: seed++, ratePerSecond: 2, resetProbability: 0 }));
  series.push(
    counter(
      { __name__: 'http_requests_total', job: 'web', instance: 'a', code: '500' },
      { seed: seed++, ratePerSecond: 0.2, resetProbability: 0, startMs: T0 + 1_800_000 }, // starts late
    ),
  );
  for (const instance of ['a', 'b', 'c']) {
    series.push(gauge({ __name__: 'memory_bytes', job: 'api', instance }, { seed: seed++, scale: 10_000, ...(instance === 'c' ? { nanAtIndex: 300 } : {}) }));
  }
  series.push(gauge({ __name__: 'memory_bytes', job: 'web', instance: 'a' }, { seed: seed++, scale: 50_000, endMs: T0 + 7_200_000 }));
  series.push(...histogram({ job: 'api', instance: 'a' }, seed++));
  series.push(...histogram({ job: 'api', instance: 'b' }, seed++));
  // Buckets whose counts decrease with `le`: histogram_quantile must repair monotonicity.
  series.push(constant({ __name__: 'broken_bucket', le: '0.1' }, 10, seed++));
  series.push(constant({ __name__: 'broken_bucket', le: '0.5' }, 8, seed++));
  series.push(constant({ __name__: 'broken_bucket', le: '1' }, 15, seed++));
  series.push(constant({ __name__: 'broken_bucket', le: '+Inf' }, 20, seed++));
  series.push(irregular({ __name__: 'temperature', room: 'kitchen' }, seed++));
  series.push(irregular({ __name__: 'temperature', room: 'garage' }, seed++));
  for (const instance of ['a', 'b', 'c']) {
    const r = seededRandom(seed++);
    const up = constant({ __name__: 'up', job: 'api', instance }, 1, seed++);
    up.values = up.values.map(() => (r() < 0.15 ? 0 : 1));
    series.push(up);
  }
  series.push(constant({ __name__: 'build_info', instance: 'a', version: '1.0.0' }, 1, seed++));
  series.push(constant({ __name__: 'build_info', instance: 'b', version: '1.1.0' }, 1, seed++));
  series.push(constant({ __name__: 'build_info', instance: 'c', version: '2.0.0' }, 1, seed++));
  series.push(constant({ __name__: 'http_route', path: '/api/v1/users', method: 'GET' }, 3, seed++));
  series.push(constant({ __name__: 'http_route', path: '/healthz', method: 'GET' }, 1, seed++));
  series.push(constant({ __name__: 'formatting_edge', kind: 'tiny' }, 1.5e-7, seed++));
  series.push(constant({ __name__: 'formatting_edge', kind: 'small' }, 0.000001, seed++));
  series.push(constant({ __name__: 'formatting_edge', kind: 'huge' }, 1e21, seed++));
  series.push(constant({ __name__: 'formatting_edge', kind: 'big' }, 123456789012345680000, seed++));
  series.push(constant({ __name__: 'formatting_edge', kind: 'negzero' }, -0, seed++));
  series.push(constant({ __name__: 'formatting_edge', kind: 'inf' }, -Infinity, seed++));
  return series;
}
