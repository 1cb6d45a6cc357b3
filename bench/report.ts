/**
 * bench/report: one benchmark's latest output into its own block of docs/benchmarks.md, so that
 * re-running one benchmark never rewrites another's section. Each section is written by hand
 * (what is measured, the target, met or not and why) around an output block that only this
 * writes:
 *
 *   <!-- output:gate -->
 *   …replaced on every `--record` run…
 *   <!-- /output:gate -->
 *
 * A bench calls `recordingOutput(name, command)` first; with `--record` on its command line it
 * keeps a copy of everything it prints and, when the process exits normally, puts it in the block.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHMARKS_FILE = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

/** Replaces the output block `name` with the command and its output; throws when the block is missing. */
export function recordOutput(name: string, command: string, output: string, file = BENCHMARKS_FILE): void {
  const text = readFileSync(file, 'utf8');
  const open = `<!-- output:${name} -->`;
  const close = `<!-- /output:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start === -1 || end < start) {
    throw new Error(`${file} has no block ${open} … ${close}: add the section by hand first`);
  }
  const block = [
    open,
    `Latest run, ${new Date().toISOString().slice(0, 10)}:`,
    '',
    '```sh',
    command,
    '```',
    '',
    '```',
    output.trimEnd(),
    '```',
    '',
  ].join('\n');
  writeFileSync(file, text.slice(0, start) + block + text.slice(end));
}

/**
 * With `--record` among the arguments: tees console.log and console.error into a buffer and
 * records it at exit (status 0 only: a failed run leaves the last good output in place).
 * Returns whether it records; the caller should drop `--record` before parsing its own options.
 */
export function recordingOutput(name: string, command: string, argv: string[] = process.argv): boolean {
  if (!argv.includes('--record')) return false;
  const lines: string[] = [];
  for (const method of ['log', 'error'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      original(...args);
    };
  }
  process.on('exit', (code) => {
    if (code === 0) recordOutput(name, command, lines.join('\n'));
  });
  return true;
}

/** process.argv without `--record`, for parseArgs. */
export const benchArgs = (argv: string[] = process.argv): string[] => argv.slice(2).filter((a) => a !== '--record');
