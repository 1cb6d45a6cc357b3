// A worker thread's first module: Tollgate runs its TypeScript through tsx (as bin/tollgate.mjs
// does), and a worker does not inherit the loader of a process that did not start with
// `--import tsx` (a test runner, say), so it registers tsx itself before loading its module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tollgateModule);
