import { describe, expect, it } from 'vitest';
import { parsePromql, PromqlError } from '../../src/promql/index.js';

function parseError(q: string): PromqlError {
  try {
    parsePromql(q);
  } catch (err) {
    if (err instanceof PromqlError) return err;
    throw err;
  }
  throw new Error(`${q} parsed`);
}

describe('parsePromql', () => {
  it('builds a typed AST with matchers, range, offset and grouping', () => {
    expect(parsePromql('sum by (job) (rate(http_requests_total{code=~"5..", env!="dev"}[5m] offset 1m))')).toMatchObject({
      kind: 'aggregate',
      op: 'sum',
      grouping: ['job'],
      without: false,
      expr: {
        kind: 'call',
        func: 'rate',
        args: [
          {
            kind: 'matrixSelector',
            rangeMs: 300_000,
            selector: {
              kind: 'vectorSelector',
              name: 'http_requests_total',
              offsetMs: 60_000,
              matchers: [
                { name: 'code', type: '=~', value: '5..' },
                { name: 'env', type: '!=', value: 'dev' },
                { name: '__name__', type: '=', value: 'http_requests_total' },
              ],
            },
          },
        ],
      },
    });
  });

  it('reads vector matching with group_left labels', () => {
    expect(parsePromql('a * on(instance) group_left(version) b')).toMatchObject({
      kind: 'binary',
      op: '*',
      matching: { card: 'many-to-one', on: true, labels: ['instance'], include: ['version'] },
    });
  });

  it('makes set operators many-to-many and drops matching between scalars', () => {
    expect(parsePromql('a and b')).toMatchObject({ matching: { card: 'many-to-many' } });
    expect(parsePromql('a > bool 1')).toMatchObject({ returnBool: true, matching: undefined });
  });

  it('keeps @ symbolic and subquery steps optional', () => {
    expect(parsePromql('max_over_time(x[30m:] @ end())')).toMatchObject({
      args: [{ kind: 'subquery', rangeMs: 1_800_000, stepMs: undefined, at: { kind: 'end' } }],
    });
    expect(parsePromql('x @ 1700000000.5')).toMatchObject({ at: { kind: 'timestamp', ms: 1_700_000_000_500 } });
  });

  it('binds a leading minus looser than ^, as Prometheus does', () => {
    expect(parsePromql('-1 ^ 2')).toMatchObject({ kind: 'unary', op: '-', expr: { kind: 'binary', op: '^', lhs: { value: 1 } } });
  });

  it('binds ranges, subqueries, offset and @ to the nearest operand, as Prometheus does', () => {
    expect(parsePromql('a - b offset 5m')).toMatchObject({ kind: 'binary', lhs: { offsetMs: 0 }, rhs: { kind: 'vectorSelector', offsetMs: 300_000 } });
    expect(parsePromql('a / b @ end()')).toMatchObject({ lhs: { at: undefined }, rhs: { at: { kind: 'end' } } });
    expect(parsePromql('max_over_time((a - b)[5m:1m])')).toMatchObject({ args: [{ kind: 'subquery', expr: { kind: 'paren' } }] });
    expect(parseError('a - b[5m:1m]').message).toBe('1:5: parse error: binary expression must contain only scalar and instant vector types');
    expect(parseError('-a[5m]').message).toBe('1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector"');
  });

  it.each([
    ['0x1f', 31],
    ['010', 8],
    ['1e3', 1000],
    ['.5', 0.5],
    ['-Inf', -Infinity],
    ['5m', 300],
  ])('reads the number literal %s as %d', (q, value) => {
    expect(parsePromql(q)).toMatchObject({ kind: 'number', value });
  });

  it('unquotes Go string escapes', () => {
    expect(parsePromql('x{a="tab\\there \\u00e9 \\x41"}')).toMatchObject({ matchers: [{ value: 'tab\there é A' }, { name: '__name__' }] });
    expect(parsePromql("x{a=`raw\\n`}")).toMatchObject({ matchers: [{ value: 'raw\\n' }, { name: '__name__' }] });
  });

  it.each([
    ['rate(x)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
    ['sum(x[5m])', '1:5: parse error: expected type instant vector in aggregation expression, got range vector'],
    ['1 > 2', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
    ['x + bool 1', '1:3: parse error: bool modifier can only be used on comparison operators'],
    ['x and on(a) group_left y', '1:1: parse error: no grouping allowed for "and" operation'],
    ['foo(x)', '1:1: parse error: unknown function with name "foo"'],
    ['{job=""}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
    ['x{__name__="y"}', '1:1: parse error: metric name must not be set twice: "x" or "y"'],
    ['(x)[5m]', '1:4: parse error: ranges only allowed for vector selectors'],
    ['x offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
    ['x[0s]', '1:3: parse error: duration must be greater than 0'],
    ['1[5m:]', '1:1: parse error: subquery is only allowed on instant vector, got scalar instead'],
    ['round(x, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
    ['topk(x)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1'],
    ['x{a=~"a)"}', '1:3: parse error: error parsing regexp: unexpected ): `^(?:a))$`'],
  ])('refuses %s like Prometheus: %s', (q, message) => {
    const err = parseError(q);
    expect(err.type).toBe('bad_data');
    expect(err.message).toBe(message);
  });

  it.each([
    ['sum(x', '1:6: parse error: unclosed left parenthesis'],
    ['x[5m', '1:5: parse error: unclosed left bracket'],
    ['x{a="b"', '1:8: parse error: unexpected end of input inside braces'],
    ['x y', '1:3: parse error: unexpected identifier "y"'],
    ['1 +* 2', '1:4: parse error: unexpected <op:*>'],
    ['x{a="b}', '1:5: parse error: unterminated quoted string'],
    ['sum(\n  rate(x[5m])\n  + * 2\n)', '3:5: parse error: unexpected <op:*>'],
  ])('reports the syntax error in %j with its line and column', (q, message) => {
    expect(parseError(q).message).toBe(message);
  });

  it.each([
    ['limitk(2, x)', 'limitk'],
    ['limit_ratio(0.5, x)', 'limit_ratio'],
    ['histogram_count(x)', 'histogram_count'],
    ['histogram_fraction(0, 1, x)', 'histogram_fraction'],
    ['info(x)', 'info'],
    ['holt_winters(x[5m], 0.5, 0.5)', 'holt_winters'],
    ['sort_by_label(x, "a")', 'sort_by_label'],
    ['x[5m+1m]', 'duration expressions'],
    ['x </ 2', '</ operator'],
  ])('refuses %s as unsupported, naming %s', (q, name) => {
    const err = parseError(q);
    expect(err.type).toBe('bad_data');
    expect(err.message).toBe(`unsupported: ${name}`);
  });
});
