/**
 * Evaluator values → the Prometheus HTTP API's `data` object (`resultType` + `result`), values as
 * Prometheus formats them. Range results are sorted by labels, as the engine sorts its matrix;
 * instant vectors keep evaluation order, which is what sort() and topk() rely on.
 */
import { formatFloatF, formatSampleValue, msToSeconds } from './format.js';
import { compareLabels, sortedNames, type Labels } from './labels.js';
import { gridTime, type Grid, type Value } from './values.js';

export type SamplePair = [number, string];
export type Metric = Record<string, string>;

export type QueryResult =
  | { resultType: 'scalar'; result: SamplePair }
  | { resultType: 'string'; result: SamplePair }
  | { resultType: 'vector'; result: Array<{ metric: Metric; value: SamplePair }> }
  | { resultType: 'matrix'; result: Array<{ metric: Metric; values: SamplePair[] }> };

const metricOf = (l: Labels): Metric => {
  const m: Metric = {};
  for (const n of sortedNames(l)) m[n] = l[n] as string;
  return m;
};

const pair = (ms: number, v: number): SamplePair => [msToSeconds(ms), formatSampleValue(v)];

export function instantResult(v: Value, timeMs: number): QueryResult {
  switch (v.kind) {
    case 'scalar':
      // promql.Scalar marshals with FormatFloat(v, 'f', -1, 64): never an exponent, unlike samples.
      return { resultType: 'scalar', result: [msToSeconds(timeMs), formatFloatF(v.values[0] as number)] };
    case 'string':
      return { resultType: 'string', result: [msToSeconds(timeMs), v.value] };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.series.map((s) => ({ metric: metricOf(s.labels), value: pair(timeMs, s.values[0] as number) })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => ({
          metric: metricOf(s.labels),
          values: Array.from({ length: s.timestampsMs.length }, (_, i) => pair(s.timestampsMs[i] as number, s.values[i] as number)),
        })),
      };
  }
}

export function rangeResult(v: Value, g: Grid): QueryResult {
  if (v.kind === 'scalar') {
    const values: SamplePair[] = [];
    for (let i = 0; i < g.steps; i++) values.push(pair(gridTime(g, i), v.values[i] as number));
    return { resultType: 'matrix', result: values.length === 0 ? [] : [{ metric: {}, values }] };
  }
  if (v.kind !== 'vector') return { resultType: 'matrix', result: [] };
  const series = [...v.series].sort((a, b) => compareLabels(a.labels, b.labels));
  return {
    resultType: 'matrix',
    result: series.map((s) => {
      const values: SamplePair[] = [];
      for (let i = 0; i < g.steps; i++) if (s.present[i] === 1) values.push(pair(gridTime(g, i), s.values[i] as number));
      return { metric: metricOf(s.labels), values };
    }),
  };
}
