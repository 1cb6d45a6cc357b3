import { describe, expect, it } from 'vitest';
import { describeValue } from '../../../src/slo/spec/describe-value.js';
import { parseDurationMs } from '../../../src/slo/spec/duration.js';
import { parseHttpStatus } from '../../../src/slo/spec/http-status.js';
import { displayPath } from '../../../src/slo/spec/issue-problems.js';
import { fail, ok } from '../../../src/slo/spec/parsed.js';
import { parseSeverity } from '../../../src/slo/spec/severity.js';
import { parseBudgetFraction } from '../../../src/slo/spec/wire-gate-policy.js';
import { checkObjective, parseRollingPeriod } from '../../../src/slo/spec/wire-slo.js';

describe('parseDurationMs', () => {
  it.each<[string, number | null]>([
    ['300ms', 300],
    ['1s', 1_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['30d', 2_592_000_000],
    ['4w', 2_419_200_000],
    ['0s', null],
    ['5', null],
    ['1.5s', null],
    ['-5m', null],
    ['5 m', null],
    ['5M', null],
    ['', null],
    ['99999999999999w', null],
  ])('reads %j as %j', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });
});

describe('parseRollingPeriod', () => {
  it.each([
    ['30d', ok(30)],
    ['4w', ok(28)],
    ['720h', ok(30)],
    ['36h', fail('period must be whole days (like 7d, 28d, 30d), got "36h"')],
    ['month', fail('period must be whole days like 30d, or {calendar: month|week}, got "month"')],
  ])('reads %j', (text, expected) => {
    expect(parseRollingPeriod(text)).toEqual(expected);
  });
});

describe('checkObjective', () => {
  it.each<[number, string | null]>([
    [99.9, null],
    [1, null],
    [99.999, null],
    [100, 'objective must be between 0 and 100 (exclusive), got 100'],
    [0, 'objective must be between 0 and 100 (exclusive), got 0'],
    [-5, 'objective must be between 0 and 100 (exclusive), got -5'],
    [Number.NaN, 'objective must be between 0 and 100 (exclusive), got NaN'],
    [0.999, 'objective is a percent: 0.999 means 0.999 %, write 99.9 for 99.9 %'],
    [0.95, 'objective is a percent: 0.95 means 0.95 %, write 95 for 95 %'],
  ])('checks %j', (objective, expected) => {
    expect(checkObjective(objective)).toBe(expected);
  });
});

describe('parseHttpStatus', () => {
  it.each([
    ['5xx', ok([{ from: 500, to: 599 }])],
    ['4XX', ok([{ from: 400, to: 499 }])],
    [503, ok([{ from: 503, to: 503 }])],
    [[500, 503], ok([{ from: 500, to: 500 }, { from: 503, to: 503 }])],
    [[], fail('http_status must list at least one status code or class')],
    ['6xx', fail('http_status must be a class like 5xx, a status code like 503, or a list of them, got "6xx"')],
    [[500, 'oops'], fail('http_status must be a class like 5xx, a status code like 503, or a list of them, got "oops"', [1])],
  ])('reads %j', (input, expected) => {
    expect(parseHttpStatus(input)).toEqual(expected);
  });
});

describe('parseBudgetFraction', () => {
  it.each([
    ['15%', ok(0.15)],
    ['0%', ok(0)],
    ['12.5 %', ok(0.125)],
    [0.15, ok(0.15)],
    [1, ok(1)],
    [15, fail('min_budget_remaining is a fraction or a percent: write 15% or 0.15, got 15')],
    ['101%', fail('min_budget_remaining must be a percent like 15% or a fraction from 0 to 1, got "101%"')],
    [-0.1, fail('min_budget_remaining must be a percent like 15% or a fraction from 0 to 1, got -0.1')],
    ['0.15', fail('min_budget_remaining must be a percent like 15% or a fraction from 0 to 1, got "0.15"')],
  ])('reads %j', (input, expected) => {
    expect(parseBudgetFraction(input)).toEqual(expected);
  });
});

describe('parseSeverity', () => {
  it.each([
    ['TRACE', ok(1)],
    ['DEBUG', ok(5)],
    ['INFO', ok(9)],
    ['warn', ok(13)],
    ['Error', ok(17)],
    ['FATAL', ok(21)],
    ['WARNING', fail('severity_at_least must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, got "WARNING"')],
    [17, fail('severity_at_least must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, got 17')],
  ])('reads %j', (input, expected) => {
    expect(parseSeverity(input, 'severity_at_least')).toEqual(expected);
  });
});

describe('message helpers', () => {
  it.each<[unknown, string]>([
    ['99.9%', '"99.9%"'],
    [null, 'nothing'],
    [100, '100'],
    [false, 'false'],
    [[1], 'a list'],
    [{ a: 1 }, 'a mapping'],
    ['x'.repeat(50), `"${'x'.repeat(40)}..."`],
  ])('quotes %j back as %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it('writes a path the way a reader finds it in the file', () => {
    expect(displayPath(['spec', 'sli', 'spans', 'bad', 'http_status', 1])).toBe('spec.sli.spans.bad.http_status[1]');
    expect(displayPath([])).toBe('document');
  });
});
