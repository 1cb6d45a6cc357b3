/**
 * @module slo/spec/parsed
 * The result of checking one value: the converted value, or the message saying what is wrong with it.
 */
export type Parsed<T> =
  | { ok: true; value: T }
  /** `path`: where inside the value the problem is, such as the index of a bad list item. */
  | { ok: false; message: string; path: PropertyKey[] };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (message: string, path: PropertyKey[] = []): Parsed<never> => ({ ok: false, message, path });
