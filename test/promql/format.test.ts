import { describe, expect, it } from 'vitest';
import { formatFloatF, formatSampleValue } from '../../src/promql/format.js';

describe('formatSampleValue (Prometheus jsonutil.MarshalValue)', () => {
  it.each([
    [1, '1'],
    [0.5, '0.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [-0, '-0'],
    [1e-6, '0.000001'],
    [1e-7, '1e-07'],
    [1.5e-7, '1.5e-07'],
    [123456789012345680000, '123456789012345680000'],
    [1e21, '1e+21'],
    [-2.5e300, '-2.5e+300'],
    [5e-324, '5e-324'],
  ])('writes %d as %s', (v, s) => {
    expect(formatSampleValue(v)).toBe(s);
  });
});

describe("formatFloatF (Go's FormatFloat 'f', -1: scalars, count_values labels)", () => {
  it.each([
    [1e21, '1000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.25e-8, '0.0000000125'],
    [-3.5e22, '-35000000000000000000000'],
    [42, '42'],
    [Infinity, '+Inf'],
  ])('writes %d as %s', (v, s) => {
    expect(formatFloatF(v)).toBe(s);
  });
});
