/**
 * @module slo/spec/parse-in-worker
 * Parses SLO files on a worker thread, so the server keeps answering while they are parsed; a parse that
 * takes longer than `parseTimeoutMs` is stopped by terminating the worker, one that runs out of its heap
 * stops only the worker.
 *
 * One worker per parse: a parse happens only when a file changed, and a fresh worker holds no memory
 * between parses. Starting one takes 0.3–0.5 s under tsx (loading and compiling yaml, zod and this
 * folder), not counted in the timeout.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SloLoadResult } from './load-sources.js';
import type { SloLimits } from './limits.js';
import type { RawSourceFile } from './parse-files.js';
import type { ParseRequest } from './parse-worker.js';

export type ParseOutcome =
  | { status: 'parsed'; result: SloLoadResult }
  | { status: 'timed-out'; afterMs: number }
  | { status: 'out-of-memory'; heapMb: number }
  /** The worker died while parsing: a bug. */
  | { status: 'failed'; reason: string };

/** The worker could not start: a broken install, not a problem with the files. */
export class SloParserError extends Error {
  override readonly name = 'SloParserError';
}

/** Generous: a cold start on a loaded machine, with tsx compiling the TypeScript sources, takes a few seconds. */
const WORKER_START_TIMEOUT_MS = 30_000;

/**
 * Run from TypeScript (tsx, vitest), the worker needs TypeScript loaded too: tsx's `tsImport` loads the
 * module without changing the worker's global loader. Run from compiled JavaScript, a plain import does.
 * The bootstrap is CommonJS because an `eval` worker runs as a script.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const loading = workerData.tsImportPath === null
  ? import(workerData.moduleUrl)
  : require(workerData.tsImportPath).tsImport(workerData.moduleUrl, workerData.moduleUrl);
loading.catch((e) => setImmediate(() => { throw e; }));
`;

const isTypeScript = import.meta.url.endsWith('.ts');
const moduleUrl = new URL(`./parse-worker.${isTypeScript ? 'ts' : 'js'}`, import.meta.url).href;

export async function parseInWorker(files: readonly RawSourceFile[], limits: SloLimits): Promise<ParseOutcome> {
  const tsImportPath = isTypeScript ? createRequire(import.meta.url).resolve('tsx/esm/api') : null;
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { moduleUrl, tsImportPath },
    resourceLimits: { maxOldGenerationSizeMb: limits.parseHeapMb },
  });
  return new Promise<ParseOutcome>((resolve, reject) => {
    let isParsing = false;
    let timer = setTimeout(() => settle(() => reject(new SloParserError(`the SLO parser did not start within ${WORKER_START_TIMEOUT_MS} ms`))), WORKER_START_TIMEOUT_MS);
    let isSettled = false;
    const settle = (finish: () => void): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      void worker.terminate();
      finish();
    };
    // A died worker is the files' problem once it has started parsing them, the installation's before.
    const died = (err: unknown): void =>
      settle(() => {
        if (!isParsing) reject(new SloParserError(`the SLO parser did not start: ${messageOf(err)}`));
        else if (err instanceof Error && 'code' in err && err.code === 'ERR_WORKER_OUT_OF_MEMORY') resolve({ status: 'out-of-memory', heapMb: limits.parseHeapMb });
        else resolve({ status: 'failed', reason: messageOf(err) });
      });

    worker.on('message', (message: unknown) => {
      if (!isParsing) {
        isParsing = true;
        clearTimeout(timer);
        timer = setTimeout(() => settle(() => resolve({ status: 'timed-out', afterMs: limits.parseTimeoutMs })), limits.parseTimeoutMs);
        timer.unref();
        const request: ParseRequest = { files: [...files], limits };
        worker.postMessage(request);
        return;
      }
      // Safe: after READY the worker posts exactly one message, parseSloFiles' result.
      settle(() => resolve({ status: 'parsed', result: message as SloLoadResult }));
    });
    worker.on('error', died);
    worker.on('exit', (code) => died(`the worker exited with code ${code}`));
    timer.unref();
  });
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
