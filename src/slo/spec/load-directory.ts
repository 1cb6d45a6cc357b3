/**
 * @module slo/spec/load-directory
 * The I/O shell: reads every `*.yaml` / `*.yml` under a directory and hands the texts to `loadSloSources`.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadSloSources, type SloLoadResult } from './load-sources.js';
import type { SourceFile } from './load-file.js';
import { compareProblems, type Problem } from './problem.js';
import { revisionOf } from './revision.js';

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

const YAML_FILE = /\.ya?ml$/i;

/**
 * Paths in the result (problems, `source.file`) are `dir` joined with the file's path below it, so a user can open
 * them. The revision hashes the paths below `dir`: the same files checked out elsewhere give the same revision.
 */
export async function loadSloDirectory(dir: string): Promise<SloLoadResult> {
  const { files, problems } = await readSloFiles(dir);
  const result = loadSloSources(files.map((f) => ({ path: path.join(dir, f.path), text: f.text })));
  return {
    ...result,
    problems: [...result.problems, ...problems].sort(compareProblems),
    revision: revisionOf(files),
  };
}

/** The YAML files below `dir`, with paths relative to it (`/`-separated), in name order. */
export async function readSloFiles(dir: string): Promise<{ files: SourceFile[]; problems: Problem[] }> {
  let top: Dirent[];
  let realDir: string;
  try {
    top = await readdir(dir, { withFileTypes: true });
    realDir = await realpath(dir);
  } catch (e) {
    throw new SloDirectoryError(dir, errorCode(e));
  }
  const found: Found = { files: [], problems: [] };
  await walk(dir, '', top, new Set([realDir]), found);
  return found;
}

interface Found {
  files: SourceFile[];
  problems: Problem[];
}

async function walk(root: string, relDir: string, entries: Dirent[], visitedDirs: Set<string>, found: Found): Promise<void> {
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Hidden entries are editor swap files, `.git`, and Kubernetes ConfigMap internals (`..data`), whose
    // files are also linked at the top level and would otherwise load twice.
    if (entry.name.startsWith('.')) continue;
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    const abs = path.join(root, rel);
    // Per-file isolation: what cannot be read is a problem at its path, and the rest still loads.
    const cannotRead = (e: unknown): void => {
      found.problems.push({ file: abs, line: 1, column: 1, message: `cannot read (${errorCode(e)})` });
    };
    if ((await entryKind(entry, abs)) === 'dir') {
      try {
        const real = await realpath(abs);
        if (visitedDirs.has(real)) continue; // a symlink loop, or a second link to a directory already read
        visitedDirs.add(real);
        await walk(root, rel, await readdir(abs, { withFileTypes: true }), visitedDirs, found);
      } catch (e) {
        cannotRead(e);
      }
    } else if (YAML_FILE.test(entry.name)) {
      try {
        found.files.push({ path: rel, text: await readFile(abs, 'utf8') });
      } catch (e) {
        cannotRead(e);
      }
    }
  }
}

/** Symlinks are followed: ConfigMap volumes mount every file as a link. */
async function entryKind(entry: Dirent, abs: string): Promise<'dir' | 'file'> {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'dir' : 'file';
  const target = await stat(abs).catch(() => null);
  return target?.isDirectory() === true ? 'dir' : 'file'; // a broken link is read as a file and reported there
}

/** `ENOENT: no such file or directory` without the path, which the problem already shows. */
function errorCode(e: unknown): string {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') {
    const detail = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1];
    return detail === undefined ? e.code : `${e.code}: ${detail}`;
  }
  return String(e);
}
