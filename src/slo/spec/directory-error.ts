/**
 * @module slo/spec/directory-error
 * What goes wrong reading the SLO directory: the directory itself (thrown), or one entry (a problem).
 */

/** The directory itself cannot be read: nothing to validate, unlike a bad file, which is a problem among others. */
export class SloDirectoryError extends Error {
  override readonly name = 'SloDirectoryError';
  constructor(
    readonly dir: string,
    readonly reason: string,
  ) {
    super(`${dir}: cannot read SLO directory (${reason})`);
  }
}

/** `ENOENT: no such file or directory` without the path, which the problem already shows. */
export function errorCode(e: unknown): string {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') {
    const detail = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1];
    return detail === undefined ? e.code : `${e.code}: ${detail}`;
  }
  return String(e);
}
