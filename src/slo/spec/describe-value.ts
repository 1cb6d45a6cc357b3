/**
 * @module slo/spec/describe-value
 * How a value from a YAML file is quoted back in a message: `got "99.9%"`, `got 100`, `got a list`.
 */

const MAX_QUOTED_CHARS = 40;

export function describeValue(value: unknown): string {
  // YAML `key:` with nothing after it reads as null; users did not write "null", so say what they see.
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const shown = value.length > MAX_QUOTED_CHARS ? `${value.slice(0, MAX_QUOTED_CHARS)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}
