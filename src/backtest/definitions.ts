/**
 * @module backtest/definitions
 * One side of a change as a definition set: the files' texts parsed like the SLO directory (same
 * limits, same problems at file:line:column), on a worker thread so a server keeps answering.
 */
import { loadSloSources, parseInWorker, SLO_LIMITS, type SloLimits, type SloLoadResult } from '../slo/spec/index.js';
import type { DefinitionSet } from './types.js';

export interface SourceTexts {
  /** How the user named this side: a git ref, a directory. */
  label: string;
  /** Paths as problems should show them. */
  files: ReadonlyArray<{ path: string; text: string }>;
}

export class DefinitionsTooLargeError extends Error {
  override readonly name = 'DefinitionsTooLargeError';
}

/** Over the SLO directory's own limits: refused whole, as the server would refuse to load such a directory. */
export function checkSourceLimits(side: SourceTexts, limits: SloLimits = SLO_LIMITS): void {
  if (side.files.length > limits.maxDirectoryFiles) throw new DefinitionsTooLargeError(`${side.label}: more than ${limits.maxDirectoryFiles} files`);
  let total = 0;
  for (const f of side.files) {
    const bytes = Buffer.byteLength(f.text);
    if (bytes > limits.maxFileBytes) throw new DefinitionsTooLargeError(`${side.label}: ${f.path} is larger than ${limits.maxFileBytes} bytes`);
    total += bytes;
  }
  if (total > limits.maxDirectoryBytes) throw new DefinitionsTooLargeError(`${side.label}: the files are larger than ${limits.maxDirectoryBytes} bytes together`);
}

export const definitionSet = (label: string, r: SloLoadResult): DefinitionSet => ({
  label, slos: r.slos, policies: r.policies, adjustments: r.adjustments, problems: r.problems, revision: r.revision,
});

/**
 * Files up to this many bytes together are parsed in process: yaml reads 64 KiB in a few
 * milliseconds (slo/spec/limits.ts measured 0.5–2.3 s per MiB), while starting a parsing worker
 * under tsx takes 0.3–0.5 s. Larger sides go to a worker with a time limit, as the registry's do.
 */
const IN_PROCESS_BYTES = 64 * 1024;

/** Parsed within the limits; off the main thread when large, where a parse that times out is every file's problem, as in the registry. */
export async function parseDefinitions(side: SourceTexts, { limits = SLO_LIMITS, inWorker = true }: { limits?: SloLimits; inWorker?: boolean } = {}): Promise<DefinitionSet> {
  checkSourceLimits(side, limits);
  const bytes = side.files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  if (!inWorker || bytes <= IN_PROCESS_BYTES) return definitionSet(side.label, loadSloSources(side.files, { limits }));
  const outcome = await parseInWorker(side.files.map((f) => ({ path: f.path, shownPath: f.path, bytes: Buffer.from(f.text) })), limits);
  if (outcome.status === 'parsed') return definitionSet(side.label, outcome.result);
  const why = outcome.status === 'timed-out' ? `parsing took longer than ${outcome.afterMs} ms` : outcome.status === 'out-of-memory' ? `parsing ran out of memory (${outcome.heapMb} MB)` : `parsing failed: ${outcome.reason}`;
  return {
    label: side.label, slos: [], policies: [], adjustments: [], revision: '',
    problems: side.files.map((f) => ({ file: f.path, line: 1, column: 1, message: `not loaded: ${why}` })),
  };
}
