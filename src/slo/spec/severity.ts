/**
 * @module slo/spec/severity
 * OTel log severity names to SeverityNumber (the lowest number of each range in the OTel logs data model).
 */
import { describeValue } from './describe-value.js';
import { fail, ok, type Parsed } from './parsed.js';

export const SEVERITY_NUMBER = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 } as const;

type SeverityName = keyof typeof SEVERITY_NUMBER;

const isSeverityName = (s: string): s is SeverityName => Object.hasOwn(SEVERITY_NUMBER, s);

/** Case-insensitive, since loggers print `error` as often as `ERROR`. */
export function parseSeverity(input: unknown, field: string): Parsed<number> {
  const name = typeof input === 'string' ? input.toUpperCase() : '';
  if (isSeverityName(name)) return ok(SEVERITY_NUMBER[name]);
  return fail(`${field} must be one of ${Object.keys(SEVERITY_NUMBER).join(', ')}, got ${describeValue(input)}`);
}
