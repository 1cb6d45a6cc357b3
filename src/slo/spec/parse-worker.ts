/**
 * @module slo/spec/parse-worker
 * The entry of the worker thread that parses SLO files (see parse-in-worker.ts): says it is ready,
 * parses the one request it gets, answers with the result.
 */
import { parentPort } from 'node:worker_threads';
import type { SloLimits } from './limits.js';
import { parseSloFiles, type RawSourceFile } from './parse-files.js';

export interface ParseRequest {
  files: RawSourceFile[];
  limits: SloLimits;
}

const READY = 'ready';

const port = parentPort;
if (port === null) throw new Error('parse-worker runs as a worker thread, started by parse-in-worker');
port.once('message', (message: unknown) => {
  // Safe: the only sender is parseInWorker, which posts one ParseRequest.
  const { files, limits } = message as ParseRequest;
  port.postMessage(parseSloFiles(files, limits));
});
port.postMessage(READY);
