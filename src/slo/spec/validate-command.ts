/**
 * @module slo/spec/validate-command
 * `tollgate validate <dir>`: one line per problem in compiler format, then a summary; exit code 0 or 1.
 */
import path from 'node:path';
import { loadSloDirectory, SloDirectoryError } from './load-directory.js';
import type { SloLoadResult } from './load-sources.js';
import { SloParserError } from './parse-in-worker.js';
import { formatProblem } from './problem.js';

/** The same limits as the server (`SLO_LIMITS`): what the server would refuse to load does not validate. */
export async function runValidate(dir: string, out: (line: string) => void): Promise<number> {
  // Problems carry `dir` joined with the file; relative to the working directory, terminals and editors open them.
  const shownDir = path.relative(process.cwd(), path.resolve(dir)) || '.';
  let result: SloLoadResult;
  try {
    result = await loadSloDirectory(shownDir);
  } catch (e) {
    if (!(e instanceof SloDirectoryError) && !(e instanceof SloParserError)) throw e;
    out(e.message);
    return 1;
  }
  for (const p of result.problems) out(formatProblem(p));
  out(summaryLine(result));
  return result.problems.length === 0 ? 0 : 1;
}

/** `3 SLOs, 1 gate policy: valid` */
export function summaryLine(result: Pick<SloLoadResult, 'slos' | 'policies' | 'foreign' | 'problems'> & { adjustments?: readonly unknown[] }): string {
  const parts = [count(result.slos.length, 'SLO', 'SLOs'), count(result.policies.length, 'gate policy', 'gate policies')];
  if ((result.adjustments?.length ?? 0) > 0) parts.push(count(result.adjustments!.length, 'budget adjustment', 'budget adjustments'));
  if (result.foreign.length > 0) parts.push(`${count(result.foreign.length, 'foreign document', 'foreign documents')} (not checked)`);
  const verdict = result.problems.length === 0 ? 'valid' : count(result.problems.length, 'problem', 'problems');
  return `${parts.join(', ')}: ${verdict}`;
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
