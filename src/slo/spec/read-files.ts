/**
 * @module slo/spec/read-files
 * Reads the files a scan listed, never more than the limits allow even if a file grew since.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { errorCode } from './directory-error.js';
import { formatBytes, type SloLimits } from './limits.js';
import type { RawSourceFile } from './parse-files.js';
import type { Problem } from './problem.js';
import type { SloDirectoryScan } from './scan-directory.js';

// O_NOFOLLOW: an entry swapped for a symlink since the scan fails (ELOOP) instead of being followed
// unchecked. O_NONBLOCK: opening a FIFO does not wait for a writer. Both are 0 where the OS lacks them.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export async function readScannedFiles(scan: SloDirectoryScan, limits: SloLimits): Promise<{ files: RawSourceFile[]; problems: Problem[] }> {
  const files: RawSourceFile[] = [];
  const problems: Problem[] = [];
  let totalBytes = 0;
  for (const f of scan.files) {
    const problem = (message: string): void => {
      problems.push({ file: f.shownPath, line: 1, column: 1, message });
    };
    let read: ReadResult;
    try {
      read = await readAtMost(f.readPath, limits.maxFileBytes);
    } catch (e) {
      problem(`cannot read (${errorCode(e)})`);
      continue;
    }
    if (read.kind === 'not-a-file') {
      problem('not a regular file');
    } else if (read.kind === 'too-large') {
      problem(`file is ${read.sizeBytes.toLocaleString('en-US')} bytes or more, over the limit of ${formatBytes(limits.maxFileBytes)} per SLO file; not loaded`);
    } else if (totalBytes + read.bytes.length > limits.maxDirectoryBytes) {
      // The files grew since the scan, which checked the total: the next scan reports them in detail.
      problem(`not loaded: the SLO directory's YAML files would total more than ${formatBytes(limits.maxDirectoryBytes)} (the limit)`);
    } else {
      totalBytes += read.bytes.length;
      files.push({ path: f.path, shownPath: f.shownPath, bytes: read.bytes });
    }
  }
  return { files, problems };
}

/** `sizeBytes`: as far as it was read, when the file grew past the limit while being read. */
type ReadResult = { kind: 'read'; bytes: Uint8Array } | { kind: 'too-large'; sizeBytes: number } | { kind: 'not-a-file' };

async function readAtMost(file: string, maxBytes: number): Promise<ReadResult> {
  const handle = await open(file, OPEN_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { kind: 'not-a-file' };
    if (stats.size > maxBytes) return { kind: 'too-large', sizeBytes: stats.size };
    const chunks: Uint8Array[] = [];
    let length = 0;
    // Until end of file, one byte past the limit at most: the size from stat is a hint, the file may be growing.
    for (let room = Math.min(stats.size, maxBytes) + 1; room > 0; room = Math.min(64 * 1024, maxBytes + 1 - length)) {
      const chunk = new Uint8Array(room);
      const { bytesRead } = await handle.read(chunk, 0, room, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) return { kind: 'too-large', sizeBytes: length };
    }
    // One buffer of its own per file: a pooled Buffer would carry its neighbours' bytes to the worker.
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
    return { kind: 'read', bytes };
  } finally {
    await handle.close();
  }
}
