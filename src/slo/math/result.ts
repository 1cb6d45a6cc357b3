/**
 * @module slo/math
 * The outcome of checking user input: SLO files and API bodies carry objectives, durations and windows,
 * and a bad one is an expected outcome, so it comes back as a value rather than a throw (STYLE.md §5).
 * Same shape as `slo/spec`'s `Parsed<T>`, so the two can merge.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; message: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(message: string): Result<T> => ({ ok: false, message });
