import { describe, expect, it } from 'vitest';
import { formatWindow, parseDurationMs, parseDurationSeconds } from '../../../src/slo/math/index.js';

describe('parseDurationMs', () => {
  it.each([
    ['300ms', 300],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['0.1h', 360_000],
    ['6h', 21_600_000],
    ['1d', 86_400_000],
    ['3d', 259_200_000],
    ['28d', 2_419_200_000],
    ['30d', 2_592_000_000],
    ['4w', 2_419_200_000],
    ['0s', 0],
  ])('reads %s as %i ms', (text, expected) => {
    expect(parseDurationMs(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['5x', '', '5', 'm', '-5m', '1h30m', ' 5m', '5 m', '.5s', '1e3s', '5M'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toEqual({
      ok: false,
      message: `${JSON.stringify(text)} is not a duration; use a number followed by ms, s, m, h, d or w`,
    });
  });

  it('rejects a duration finer than a millisecond', () => {
    expect(parseDurationMs('1.5ms')).toEqual({ ok: false, message: '"1.5ms" is not a whole number of milliseconds' });
  });

  it('rejects a duration too long to count in milliseconds exactly', () => {
    expect(parseDurationMs('99999999999999w')).toEqual({ ok: false, message: '"99999999999999w" is too long to be a duration' });
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    ['300ms', 0.3],
    ['1.5s', 1.5],
    ['5m', 300],
    ['1h', 3_600],
    ['28d', 2_419_200],
    ['4w', 2_419_200],
  ])('reads %s as %s seconds', (text, expected) => {
    expect(parseDurationSeconds(text)).toEqual({ ok: true, value: expected });
  });

  it('passes the error through', () => {
    expect(parseDurationSeconds('5x').ok).toBe(false);
  });
});

describe('formatWindow', () => {
  it.each([
    [0.3, '300ms'],
    [1.5, '1500ms'],
    [0, '0s'],
    [90, '90s'],
    [300, '5m'],
    [1_800, '30m'],
    [3_600, '1h'],
    [5_400, '90m'],
    [7_200, '2h'],
    [21_600, '6h'],
    [86_400, '1d'],
    [259_200, '3d'],
    [604_800, '7d'],
    [2_419_200, '28d'],
    [2_592_000, '30d'],
    [0.0005, '0.0005s'],
  ])('writes %s seconds as %s', (seconds, expected) => {
    expect(formatWindow(seconds)).toBe(expected);
  });

  it.each(['300ms', '1.5s', '5m', '90m', '1h', '6h', '3d', '28d', '4w'])('formats what %s parses to as something that parses back the same', (text) => {
    const seconds = parseDurationSeconds(text);
    if (!seconds.ok) throw new Error(seconds.message);
    expect(parseDurationSeconds(formatWindow(seconds.value))).toEqual(seconds);
  });

  it.each([-1, NaN, Infinity])('refuses %s seconds', (seconds) => {
    expect(() => formatWindow(seconds)).toThrow(RangeError);
  });
});
