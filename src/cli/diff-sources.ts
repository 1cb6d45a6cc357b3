/**
 * @module cli/diff-sources
 * The two sides of `tollgate diff` as file texts: a directory as it is on disk, or the SLO
 * directory as a git commit has it (`git ls-tree` and `git show`, nothing checked out). Paths are
 * shown as the working tree has them, so a problem in either side points at a file a reviewer can open.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SourceTexts } from '../backtest/index.js';
import { readSloFiles, SLO_LIMITS, formatProblem } from '../slo/spec/index.js';

const run = promisify(execFile);
const YAML_FILE = /\.ya?ml$/i;

export class SourceError extends Error {
  override readonly name = 'SourceError';
}

/** A directory's YAML files, within the SLO directory's limits (what cannot be read is reported and left out). */
export async function directorySource(dir: string, label = dir): Promise<{ side: SourceTexts; problems: string[] }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SourceError(`${dir} is not a directory`);
  const shownDir = path.relative(process.cwd(), path.resolve(dir)) || '.';
  const read = await readSloFiles(shownDir);
  return {
    side: { label, files: read.files.map((f) => ({ path: path.join(shownDir, f.path), text: f.text })) },
    problems: read.problems.map(formatProblem),
  };
}

/** The SLO directory `dir` (in the working tree) as the commit `ref` has it. */
export async function gitSource(ref: string, dir: string): Promise<SourceTexts> {
  const cwd = path.resolve(dir);
  const git = async (args: string[], maxBuffer = 64 * 1024 * 1024): Promise<string> => {
    try {
      return (await run('git', args, { cwd: existsSync(cwd) ? cwd : process.cwd(), maxBuffer, encoding: 'utf8' })).stdout;
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr?.trim();
      throw new SourceError(`git ${args[0]} failed: ${stderr || (e as Error).message}`);
    }
  };
  await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => {
    throw new SourceError(`--base ${ref} is neither a directory nor a git commit`);
  });
  const top = (await git(['rev-parse', '--show-toplevel'])).trim();
  const prefix = path.relative(top, cwd).split(path.sep).join('/');
  // Paths relative to the repository's top, whichever directory git runs in.
  const listed = (await git(['ls-tree', '-r', '-z', '--full-tree', '--name-only', ref, '--', prefix === '' ? '.' : prefix])).split('\0').filter(Boolean);
  // As the directory scan does: YAML files only, hidden entries (.git, editor files, ConfigMap internals) skipped.
  const paths = listed.filter((p) => YAML_FILE.test(p) && !path.posix.relative(prefix, p).split('/').some((seg) => seg.startsWith('.'))).sort();
  if (paths.length > SLO_LIMITS.maxDirectoryFiles) throw new SourceError(`${ref}:${prefix} has more than ${SLO_LIMITS.maxDirectoryFiles} YAML files`);
  const files: Array<{ path: string; text: string }> = [];
  for (const p of paths) {
    const text = await git(['show', `${ref}:${p}`], SLO_LIMITS.maxFileBytes + 1);
    files.push({ path: path.relative(process.cwd(), path.join(top, p)) || p, text });
  }
  return { label: ref, files };
}
