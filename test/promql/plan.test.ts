import { describe, expect, it } from 'vitest';
import { parsePromql, planSelects } from '../../src/promql/index.js';

const START = 1_700_000_000_000;
const END = START + 3_600_000;
const times = { startMs: START, endMs: END, lookbackDeltaMs: 300_000 };
const windows = (q: string) => planSelects(parsePromql(q), times).map((p) => [p.request.startMs - START, p.request.endMs - START]);

describe('planSelects: the sample window each selector needs', () => {
  it.each([
    ['an instant selector looks back 5m', 'x', [[-300_000, 3_600_000]]],
    ['a range selector reads [t - range, t]', 'rate(x[10m])', [[-600_000, 3_600_000]]],
    ['offset shifts the window', 'rate(x[5m] offset 1h)', [[-3_900_000, 0]]],
    ['negative offset looks ahead', 'x offset -5m', [[0, 3_900_000]]],
    ['@ pins it', 'x @ 1700000100', [[-200_000, 100_000]]],
    ['@ end() pins it to the end', 'rate(x[5m] @ end())', [[3_300_000, 3_600_000]]],
    ['subqueries add range and offset', 'max_over_time(rate(x[5m])[30m:1m] offset 10m)', [[-(600_000 + 1_800_000 + 300_000), 3_000_000]]],
    ['@ on a subquery restarts from its time', 'max_over_time(x[30m:1m] @ start())', [[-1_800_000 - 300_000, 0]]],
    ['each selector gets its own window', 'x / y offset 1m', [[-300_000, 3_600_000], [-360_000, 3_540_000]]],
  ])('%s: %s', (_why, q, expected) => {
    expect(windows(q)).toEqual(expected);
  });

  it('pushes every matcher down, including the metric name', () => {
    const [plan] = planSelects(parsePromql('x{a=~"b|c", d!=""}'), times);
    expect(plan?.request.matchers).toEqual([
      { name: 'a', type: '=~', value: 'b|c' },
      { name: 'd', type: '!=', value: '' },
      { name: '__name__', type: '=', value: 'x' },
    ]);
  });
});
