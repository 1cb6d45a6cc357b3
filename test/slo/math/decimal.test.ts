import { describe, expect, it } from 'vitest';
import {
  compareRatios,
  decimalFromNumber,
  decimalFromString,
  decimalToNumber,
  decimalToString,
  ratio,
  ratioFromNumber,
  shiftDecimal,
  subtractDecimals,
} from '../../../src/slo/math/decimal.js';

describe('decimalFromNumber', () => {
  it.each([
    [99.9, { units: 999n, scale: 1 }],
    [0.001, { units: 1n, scale: 3 }],
    [100, { units: 100n, scale: 0 }],
    [1e-7, { units: 1n, scale: 7 }],
    [1.5e-7, { units: 15n, scale: 8 }],
    [1.23e22, { units: 12_300_000_000_000_000_000_000n, scale: 0 }],
    [-0.25, { units: -25n, scale: 2 }],
  ])('reads %s as the decimal a person would write', (x, expected) => {
    expect(decimalFromNumber(x)).toEqual(expected);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s, which has no decimal form', (x) => {
    expect(() => decimalFromNumber(x)).toThrow(RangeError);
  });
});

describe('decimalFromString', () => {
  it.each(['', '1.', '.5', 'abc', '1,5', '0x10'])('does not read %j as decimal text', (text) => {
    expect(decimalFromString(text)).toBeUndefined();
  });
});

describe('decimalToString', () => {
  it.each([
    [{ units: 1n, scale: 3 }, '0.001'],
    [{ units: 1000n, scale: 3 }, '1'],
    [{ units: 1500n, scale: 3 }, '1.5'],
    [{ units: -5n, scale: 2 }, '-0.05'],
    [{ units: 42n, scale: 0 }, '42'],
  ])('writes %o as %s', (d, expected) => {
    expect(decimalToString(d)).toBe(expected);
  });
});

describe('decimal arithmetic', () => {
  it('subtracts 99.9 from 100 exactly, where floating point gives 0.09999999999999432', () => {
    const diff = subtractDecimals(decimalFromNumber(100), decimalFromNumber(99.9));
    expect(decimalToNumber(diff)).toBe(0.1);
    expect(100 - 99.9).not.toBe(0.1);
  });

  it.each([
    [decimalFromNumber(1.5), 3, '1500'],
    [decimalFromNumber(1.5), -2, '0.015'],
    [decimalFromNumber(0.0001), 2, '0.01'],
  ])('shifts %o by 10^%i to %s', (d, power, expected) => {
    expect(decimalToString(shiftDecimal(d, power))).toBe(expected);
  });
});

describe('ratios', () => {
  it('reduces to lowest terms with a positive denominator', () => {
    expect(ratio(6n, -4n)).toEqual({ numerator: -3n, denominator: 2n });
  });

  it('compares 14.4 × 0.001 with 144 / 10000 as equal, where floating point does not', () => {
    const threshold = ratio(ratioFromNumber(14.4).numerator, ratioFromNumber(14.4).denominator * 1000n);
    expect(compareRatios(threshold, ratio(144n, 10_000n))).toBe(0);
    expect(14.4 * 0.001).not.toBe(0.0144);
  });

  it('throws on a zero denominator', () => {
    expect(() => ratio(1n, 0n)).toThrow(RangeError);
  });
});
