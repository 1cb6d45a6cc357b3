/**
 * @module slo/spec/parse-files
 * The files' bytes to definitions and problems: what the parsing worker runs. Pure.
 */
import { decodeUtf8 } from './decode-utf8.js';
import type { SourceFile } from './load-file.js';
import { loadSloSources, type SloLoadResult } from './load-sources.js';
import type { SloLimits } from './limits.js';
import { compareProblems, type Problem } from './problem.js';
import { revisionOf } from './revision.js';

/** A file as read, before it is known to be text. */
export interface RawSourceFile {
  /** Below the SLO directory, `/`-separated: what the revision hashes. */
  path: string;
  /** As problems and `source.file` show it: the directory joined with `path`. */
  shownPath: string;
  bytes: Uint8Array;
}

/** The revision hashes paths below the directory, so the same files checked out elsewhere give the same revision. */
export function parseSloFiles(files: readonly RawSourceFile[], limits: SloLimits): SloLoadResult {
  const texts: SourceFile[] = [];
  const forRevision: SourceFile[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const decoded = decodeUtf8(file.bytes);
    if (decoded.ok) {
      texts.push({ path: file.shownPath, text: decoded.text });
      forRevision.push({ path: file.path, text: decoded.text });
    } else {
      problems.push({ file: file.shownPath, line: decoded.line, column: decoded.column, message: decoded.message });
      forRevision.push({ path: file.path, text: decoded.lossyText });
    }
  }
  const result = loadSloSources(texts, { limits });
  return { ...result, problems: [...result.problems, ...problems].sort(compareProblems), revision: revisionOf(forRevision) };
}

/** The revision `parseSloFiles` would give, for files that were not parsed. */
export function revisionOfRaw(files: readonly RawSourceFile[]): string {
  return revisionOf(files.map((f) => {
    const decoded = decodeUtf8(f.bytes);
    return { path: f.path, text: decoded.ok ? decoded.text : decoded.lossyText };
  }));
}
