/** Quantile estimation, ported from Prometheus 2.42 promql/quantile.go. */

/** Ascending with NaN first: Prometheus' vectorByValueHeap order. */
export function byValueNaNFirst(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return a - b;
}

/** φ-quantile of plain values (quantile, quantile_over_time), interpolating between neighbours. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(byValueNaNFirst);
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return (values[lower] as number) * (1 - weight) + (values[upper] as number) * weight;
}

export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * histogram_quantile over classic buckets: linear interpolation inside the bucket, 0 as the lower
 * bound of the first bucket when it is positive, the second-highest bound when the rank falls in
 * +Inf, NaN without a +Inf bucket or observations. Counts are first made monotonic, because
 * buckets scraped or rated at slightly different times can decrease.
 */
export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if ((sorted[sorted.length - 1] as Bucket).upperBound !== Infinity) return NaN;
  const buckets = coalesce(sorted);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = (buckets[buckets.length - 1] as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over all but the last bucket: the first whose count reaches the rank.
  let b = 0;
  let hi = buckets.length - 1;
  while (b < hi) {
    const mid = (b + hi) >>> 1;
    if ((buckets[mid] as Bucket).count >= rank) hi = mid;
    else b = mid + 1;
  }
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).upperBound;
  const cur = buckets[b] as Bucket;
  if (b === 0 && cur.upperBound <= 0) return cur.upperBound;
  let bucketStart = 0;
  let count = cur.count;
  if (b > 0) {
    const prev = buckets[b - 1] as Bucket;
    bucketStart = prev.upperBound;
    count -= prev.count;
    rank -= prev.count;
  }
  return bucketStart + (cur.upperBound - bucketStart) * (rank / count);
}

function coalesce(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upperBound === b.upperBound) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

function ensureMonotonic(buckets: Bucket[]): void {
  let max = (buckets[0] as Bucket).count;
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i] as Bucket;
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
}

/** Go's strconv.ParseFloat for `le` values: decimal or Inf/NaN spellings; anything else is not a bucket. */
export function parseGoFloat(s: string): number | undefined {
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (m !== null) {
    if ((m[2] as string).toLowerCase() === 'nan') return NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}
