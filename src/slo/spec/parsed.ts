/**
 * @module slo/spec/parsed
 * The result of checking one value: the converted value, or the message saying what is wrong with it.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (message: string): Parsed<never> => ({ ok: false, message });
