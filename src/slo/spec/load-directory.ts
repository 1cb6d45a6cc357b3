/**
 * @module slo/spec/load-directory
 * The I/O shell: lists the `*.yaml` / `*.yml` files under a directory (scan-directory.ts), reads them
 * (read-files.ts) and parses them on a worker thread (parse-in-worker.ts), all within `SloLimits`.
 */
import { decodeUtf8 } from './decode-utf8.js';
import { SloDirectoryError } from './directory-error.js';
import type { SourceFile } from './load-file.js';
import { loadSloSources, type SloLoadResult } from './load-sources.js';
import { SLO_LIMITS, type SloLimits } from './limits.js';
import { revisionOfRaw, type RawSourceFile } from './parse-files.js';
import { parseInWorker } from './parse-in-worker.js';
import { compareProblems, type Problem } from './problem.js';
import { readScannedFiles } from './read-files.js';
import { scanSloDirectory, type SloDirectoryScan } from './scan-directory.js';

export { SloDirectoryError };

/**
 * Paths in the result (problems, `source.file`) are `dir` joined with the file's path below it, so a user can open
 * them. The revision hashes the paths below `dir`: the same files checked out elsewhere give the same revision.
 */
export async function loadSloDirectory(dir: string, { limits = SLO_LIMITS }: { limits?: SloLimits } = {}): Promise<SloLoadResult> {
  return loadScannedDirectory(await scanSloDirectory(dir, limits), { limits });
}

/** The second half of `loadSloDirectory`, for a caller that compares scans first to skip unchanged directories. */
export async function loadScannedDirectory(scan: SloDirectoryScan, { limits = SLO_LIMITS }: { limits?: SloLimits } = {}): Promise<SloLoadResult> {
  const read = await readScannedFiles(scan, limits);
  const result = await parseOffThread(read.files, limits);
  return { ...result, problems: [...result.problems, ...scan.problems, ...read.problems].sort(compareProblems) };
}

async function parseOffThread(files: RawSourceFile[], limits: SloLimits): Promise<SloLoadResult> {
  if (files.length === 0) return loadSloSources([], { limits }); // nothing to parse: no worker to start
  const outcome = await parseInWorker(files, limits);
  switch (outcome.status) {
    case 'parsed':
      return outcome.result;
    case 'timed-out':
      return unparsed(files, `not loaded: parsing the SLO files took longer than ${outcome.afterMs} ms and was stopped`);
    case 'out-of-memory':
      return unparsed(files, `not loaded: parsing the SLO files ran out of memory (limit ${outcome.heapMb} MB)`);
    case 'failed':
      return unparsed(files, `not loaded: parsing the SLO files failed: ${outcome.reason}`);
    default:
      return assertNever(outcome);
  }
}

/**
 * Every file gets the problem, so the registry keeps each one's last good definitions. The revision is
 * still the files' own, computed here on the main thread: a rare path, ~100 ms for 16 MiB.
 */
function unparsed(files: readonly RawSourceFile[], message: string): SloLoadResult {
  const problems: Problem[] = files.map((f) => ({ file: f.shownPath, line: 1, column: 1, message }));
  return { slos: [], policies: [], adjustments: [], foreign: [], problems, revision: revisionOfRaw(files) };
}

/** The YAML files below `dir` that are within the limits, with paths relative to it (`/`-separated), in name order. */
export async function readSloFiles(dir: string, { limits = SLO_LIMITS }: { limits?: SloLimits } = {}): Promise<{ files: SourceFile[]; problems: Problem[] }> {
  const scan = await scanSloDirectory(dir, limits);
  const read = await readScannedFiles(scan, limits);
  const files = read.files.map((f) => {
    const decoded = decodeUtf8(f.bytes);
    return { path: f.path, text: decoded.ok ? decoded.text : decoded.lossyText };
  });
  return { files, problems: [...scan.problems, ...read.problems].sort(compareProblems) };
}

function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
