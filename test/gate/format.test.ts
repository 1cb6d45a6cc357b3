import { describe, expect, it } from 'vitest';
import { formatCount, formatDateTime, formatFactor, formatFractionPercent, formatPValue, formatRatioPercent, shortHash } from '../../src/gate/format.js';

describe('gate number formats', () => {
  it.each([
    [0.05, '5.0 %'],
    [0.001, '0.1 %'],
    [0, '0.0 %'],
    [1, '100.0 %'],
    // Would print as "0.0 %", which reads as "no errors".
    [0.00021, '0.021 %'],
  ])('writes the error ratio %s as %s', (ratio, text) => {
    expect(formatRatioPercent(ratio)).toBe(text);
  });

  it.each([
    [0.15, '15 %'],
    [0.034, '3.4 %'],
    [0.62, '62 %'],
    [-0.2, '-20 %'],
  ])('writes the budget fraction %s as %s', (fraction, text) => {
    expect(formatFractionPercent(fraction)).toBe(text);
  });

  it.each([
    [14.4, '14.4×'],
    [2.5, '2.5×'],
    [4, '4×'],
    [0.034, '0.034×'],
    [Infinity, '∞×'],
  ])('writes the factor %s as %s', (x, text) => {
    expect(formatFactor(x)).toBe(text);
  });

  it.each([
    [0.5, 'p = 0.5'],
    [0.04389, 'p = 0.044'],
    [0.0042, 'p = 0.0042'],
    [2.2563890958249995e-107, 'p = 2.3e-107'],
    [0, 'p < 1e-300'],
  ])('writes the p-value %s as %s', (p, text) => {
    expect(formatPValue(p)).toBe(text);
  });

  it.each([
    [0, '0'],
    [999, '999'],
    [10_000, '10,000'],
    [1_234_567, '1,234,567'],
    [1234.56, '1,234.6'],
  ])('writes the count %s as %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });

  it('writes times in UTC to the minute and shortens long hashes to 12 characters', () => {
    expect(formatDateTime(Date.UTC(2026, 10, 21, 14, 0, 59))).toBe('2026-11-21 14:00 UTC');
    expect(shortHash('7f3a9c')).toBe('7f3a9c');
    expect(shortHash('9e1c4b7d2a60f00dbabe5e5e')).toBe('9e1c4b7d2a60');
  });
});
