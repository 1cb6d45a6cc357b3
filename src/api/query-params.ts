/**
 * @module api/query-params
 * Query parameters the JSON routes share: names (services, environments, config hashes) are at
 * most 200 characters, and an empty value means "not given".
 */
import type { Context } from 'hono';

const MAX_NAME_LENGTH = 200;

export function nonEmpty(text: string | undefined): string | null {
  return text === undefined || text === '' ? null : text;
}

/** A 400 naming the first value longer than a name may be; undefined when all fit. */
export function tooLong(c: Context, values: Record<string, string | undefined>): Response | undefined {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value.length > MAX_NAME_LENGTH) return c.json({ error: `${name} is longer than ${MAX_NAME_LENGTH} characters` }, 400);
  }
  return undefined;
}
