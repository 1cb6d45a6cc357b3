/**
 * The directory is parsed on a worker thread: same result as parsing in process, the event loop free
 * meanwhile, and a parse that runs too long or out of memory stopped, with its files reported.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadSloDirectory, loadSloSources, revisionOf, SLO_LIMITS } from '../../../src/slo/spec/index.js';
import { readSloFiles } from '../../../src/slo/spec/load-directory.js';
import { PAYMENTS_AVAILABILITY_YAML } from './examples.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-parse-worker-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** ~1 MiB that yaml needs about a second to parse: a flow list of 250,000 numbers. */
const SLOW_TO_PARSE = `x: [${'1,'.repeat(250_000)}1]\n`;

describe('parsing on a worker thread', () => {
  it.each(['slo-definitions', 'test/fixtures/imported'])('gives the definitions, problems and revision that parsing in process gives, for %s', async (rel) => {
    const dir = path.join(REPO_ROOT, rel);
    const { files } = await readSloFiles(dir);
    const inProcess = loadSloSources(await Promise.all(files.map(async (f) => ({ path: path.join(dir, f.path), text: await readFile(path.join(dir, f.path), 'utf8') }))));
    expect(await loadSloDirectory(dir)).toEqual({ ...inProcess, revision: revisionOf(files) });
  });

  it('keeps the event loop turning while it rejects a 1 MiB file of 80,000 keys', async () => {
    let text = '';
    for (let i = 0; i < 80_000; i++) text += `key${String(i).padStart(5, '0')}: 1\n`;
    await writeFile(path.join(tmp, 'keys.yaml'), text);
    let isTimerRun = false;
    // The load takes ~1 s (a worker start, then yaml's parse); a timer due after 20 ms runs meanwhile.
    // Parsed on the main thread, as before, the timer could only run once the load had finished.
    const timer = setTimeout(() => (isTimerRun = true), 20);
    const result = await loadSloDirectory(tmp);
    const wasTimerRun = isTimerRun;
    clearTimeout(timer);
    expect(result.problems.map(formatProblem)).toEqual([`${path.join(tmp, 'keys.yaml')}:1001:1: more than 1000 keys in one mapping`]);
    expect(wasTimerRun).toBe(true);
  });

  it('stops a parse that takes longer than the time limit and reports each file, with the revision of its contents', async () => {
    await writeFile(path.join(tmp, 'slow.yaml'), SLOW_TO_PARSE);
    await writeFile(path.join(tmp, 'payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    const result = await loadSloDirectory(tmp, { limits: { ...SLO_LIMITS, parseTimeoutMs: 1 } });
    const message = 'not loaded: parsing the SLO files took longer than 1 ms and was stopped';
    expect(result).toEqual({
      slos: [],
      policies: [],
      adjustments: [],
      foreign: [],
      problems: [{ file: path.join(tmp, 'payments.yaml'), line: 1, column: 1, message }, { file: path.join(tmp, 'slow.yaml'), line: 1, column: 1, message }],
      revision: revisionOf((await readSloFiles(tmp)).files),
    });
  });

  it('stops a parse that runs out of the worker heap, and the server process lives on', async () => {
    await writeFile(path.join(tmp, 'big.yaml'), SLOW_TO_PARSE);
    const result = await loadSloDirectory(tmp, { limits: { ...SLO_LIMITS, parseHeapMb: 32 } });
    expect(result.problems.map(formatProblem)).toEqual([`${path.join(tmp, 'big.yaml')}:1:1: not loaded: parsing the SLO files ran out of memory (limit 32 MB)`]);
    // The same limit is enough for the files Tollgate ships.
    expect((await loadSloDirectory(path.join(REPO_ROOT, 'slo-definitions'), { limits: { ...SLO_LIMITS, parseHeapMb: 32 } })).problems).toEqual([]);
  });
});
