/**
 * @module slo/spec/http-status
 * `http_status: 5xx`, `503`, or a list such as `[500, 503]` or `[5xx, 429]`, as inclusive code ranges.
 */
import { describeValue } from './describe-value.js';
import type { StatusCodeRange } from './model.js';
import { fail, ok, type Parsed } from './parsed.js';

const CLASS = /^([1-5])xx$/i;

export function parseHttpStatus(input: unknown): Parsed<StatusCodeRange[]> {
  const items = Array.isArray(input) ? input : [input];
  if (items.length === 0) return fail('http_status must list at least one status code or class');
  const ranges: StatusCodeRange[] = [];
  for (const [index, item] of items.entries()) {
    const range = parseOne(item);
    if (range === null) {
      const message = `http_status must be a class like 5xx, a status code like 503, or a list of them, got ${describeValue(item)}`;
      return fail(message, Array.isArray(input) ? [index] : []);
    }
    ranges.push(range);
  }
  return ok(ranges);
}

function parseOne(item: unknown): StatusCodeRange | null {
  if (typeof item === 'number') {
    return Number.isInteger(item) && item >= 100 && item <= 599 ? { from: item, to: item } : null;
  }
  if (typeof item !== 'string') return null;
  const digit = CLASS.exec(item)?.[1];
  if (digit === undefined) return null;
  const from = Number(digit) * 100;
  return { from, to: from + 99 };
}
