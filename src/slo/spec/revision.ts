/**
 * @module slo/spec/revision
 * A short, stable name for a set of SLO files, so a gate decision can record which definitions it used.
 */
import { createHash } from 'node:crypto';
import type { SourceFile } from './load-file.js';

const REVISION_HEX_CHARS = 12;

/** sha256 over the files sorted by path: the same files give the same revision in any order, on any machine. */
export function revisionOf(files: readonly SourceFile[]): string {
  const entries = [...files].sort(byPath).map((f) => [f.path, f.text]);
  // JSON keeps path and text apart unambiguously ("a" + "bc" and "ab" + "c" hash differently).
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, REVISION_HEX_CHARS);
}

/** Code-unit order, not localeCompare: the order must not depend on the machine's locale. */
export function byPath(a: SourceFile, b: SourceFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
