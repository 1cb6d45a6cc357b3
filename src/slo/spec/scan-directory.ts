/**
 * @module slo/spec/scan-directory
 * Lists the YAML files below the SLO directory with their sizes and times, without reading them: enough
 * to apply the size limits, and to tell from one check to the next whether anything changed.
 *
 * Symlinks are followed only to targets inside the directory: ConfigMap volumes mount every file as a
 * link into `..data/`, but a link to `/` must not walk `/proc`.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { errorCode, SloDirectoryError } from './directory-error.js';
import { formatBytes, SLO_LIMITS, type SloLimits } from './limits.js';
import type { Problem } from './problem.js';

export interface ScannedFile {
  /** Below the directory, `/`-separated. */
  path: string;
  /** The directory joined with `path`: what problems show. */
  shownPath: string;
  /** What is opened: a symlink's target (checked to be inside the directory), else `shownPath`. */
  readPath: string;
  sizeBytes: number;
  /** With the paths and sizes, what tells a changed file from an unchanged one. */
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export interface SloDirectoryScan {
  dir: string;
  /** In name order, within the limits on count and total size. */
  files: ScannedFile[];
  /** Entries that cannot be read or are over a limit, at `path:1:1`. */
  problems: Problem[];
  /** Equal for two scans when no file was added, removed, replaced or written in between. */
  fingerprint: string;
}

const YAML_FILE = /\.ya?ml$/i;

export async function scanSloDirectory(dir: string, limits: SloLimits = SLO_LIMITS): Promise<SloDirectoryScan> {
  let top: Dirent[];
  let realDir: string;
  try {
    top = await readdir(dir, { withFileTypes: true });
    realDir = await realpath(dir);
  } catch (e) {
    throw new SloDirectoryError(dir, errorCode(e));
  }
  const scan: Scan = { dir, realDir, limits, files: [], problems: [], totalBytes: 0, stoppedBy: null, visitedDirs: new Set([realDir]) };
  await walk(scan, '', top);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([scan.files.map((f) => [f.path, f.readPath, f.sizeBytes, f.mtimeMs, f.ctimeMs, f.ino]), scan.problems]))
    .digest('hex');
  return { dir, files: scan.files, problems: scan.problems, fingerprint };
}

interface Scan {
  dir: string;
  realDir: string;
  limits: SloLimits;
  files: ScannedFile[];
  problems: Problem[];
  totalBytes: number;
  /** Set once a file passes the limit on count or total size: it and every file after it stay unread. */
  stoppedBy: 'count' | 'bytes' | null;
  /** Real paths, so that a link to a directory already read (or to its own parent) is not read again. */
  visitedDirs: Set<string>;
}

/** What an entry is, links followed. */
type Target =
  | { kind: 'dir'; readPath: string }
  | { kind: 'file'; readPath: string; stats: Stats }
  | { kind: 'outside' }
  | { kind: 'skip' };

async function walk(scan: Scan, relDir: string, entries: Dirent[]): Promise<void> {
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Hidden entries are editor swap files, `.git`, and Kubernetes ConfigMap internals (`..data`), whose
    // files are also linked at the top level and would otherwise load twice.
    if (entry.name.startsWith('.')) continue;
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    const shown = path.join(scan.dir, rel);
    const problem = (message: string): void => {
      scan.problems.push({ file: shown, line: 1, column: 1, message });
    };
    const isYaml = YAML_FILE.test(entry.name);
    let target: Target;
    try {
      target = await targetOf(entry, shown, isYaml, scan.realDir);
    } catch (e) {
      // Per-entry isolation: what cannot be read is a problem at its path, and the rest still loads.
      // A broken link that is not named like YAML was never going to be read.
      if (isYaml) problem(`cannot read (${errorCode(e)})`);
      continue;
    }
    if (target.kind === 'skip') continue;
    if (target.kind === 'outside') {
      problem('symlink points outside the SLO directory');
      continue;
    }
    if (target.kind === 'dir') {
      try {
        const real = await realpath(target.readPath);
        if (scan.visitedDirs.has(real)) continue; // a symlink loop, or a second link to a directory already read
        scan.visitedDirs.add(real);
        await walk(scan, rel, await readdir(target.readPath, { withFileTypes: true }));
      } catch (e) {
        problem(`cannot read (${errorCode(e)})`);
      }
      continue;
    }
    const { stats } = target;
    if (!stats.isFile()) {
      // A FIFO named like YAML would block the read forever, and the reload with it.
      problem('not a regular file');
      continue;
    }
    const overLimit = checkLimits(scan, stats.size);
    if (overLimit !== null) {
      problem(overLimit);
      continue;
    }
    scan.totalBytes += stats.size;
    scan.files.push({ path: rel, shownPath: shown, readPath: target.readPath, sizeBytes: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino });
  }
}

/** Throws what the file system throws for a broken link or an entry gone since it was listed. */
async function targetOf(entry: Dirent, shown: string, isYaml: boolean, realDir: string): Promise<Target> {
  if (entry.isSymbolicLink()) {
    const real = await realpath(shown);
    const stats = await stat(real);
    // Where a link that would never be read points is no concern.
    if (!stats.isDirectory() && !isYaml) return { kind: 'skip' };
    if (!isInside(realDir, real)) return { kind: 'outside' };
    return stats.isDirectory() ? { kind: 'dir', readPath: real } : { kind: 'file', readPath: real, stats };
  }
  if (entry.isDirectory()) return { kind: 'dir', readPath: shown };
  if (!isYaml) return { kind: 'skip' };
  // lstat: the entry is not a link, and if it became one since readdir, it is not followed.
  return { kind: 'file', readPath: shown, stats: await lstat(shown) };
}

/** Real paths on both sides: `/srv/slo-other` is not inside `/srv/slo`. */
function isInside(realDir: string, real: string): boolean {
  return real === realDir || real.startsWith(realDir.endsWith(path.sep) ? realDir : `${realDir}${path.sep}`);
}

/** Why a file of `sizeBytes` is not loaded, or null if it fits. */
function checkLimits(scan: Scan, sizeBytes: number): string | null {
  const { limits } = scan;
  if (scan.stoppedBy === 'count') return `not loaded: the SLO directory has more than ${limits.maxDirectoryFiles} YAML files before this one (the limit; files load in name order)`;
  if (scan.stoppedBy === 'bytes') return `not loaded: the SLO directory's YAML files reach the limit of ${formatBytes(limits.maxDirectoryBytes)} in total before this one (files load in name order)`;
  if (sizeBytes > limits.maxFileBytes) {
    return `file is ${sizeBytes.toLocaleString('en-US')} bytes, over the limit of ${formatBytes(limits.maxFileBytes)} per SLO file; not loaded`;
  }
  if (scan.files.length >= limits.maxDirectoryFiles) {
    scan.stoppedBy = 'count';
    return `not loaded: the SLO directory has more than ${limits.maxDirectoryFiles} YAML files (the limit; files load in name order)`;
  }
  if (scan.totalBytes + sizeBytes > limits.maxDirectoryBytes) {
    scan.stoppedBy = 'bytes';
    return `not loaded: with this file's ${formatBytes(sizeBytes)} the SLO directory's YAML files would total more than ${formatBytes(limits.maxDirectoryBytes)} (the limit; files load in name order)`;
  }
  return null;
}
