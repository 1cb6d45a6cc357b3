#!/usr/bin/env node
// `npx tollgate …`: runs the TypeScript CLI through tsx (a runtime dependency), so no build step
// stands between a clean clone and a working command.
import { register } from 'tsx/esm/api';

register();
// `tollgate schema | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
