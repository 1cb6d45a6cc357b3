/**
 * The registry on a real directory: files are parsed again only when the listing changed, and what the
 * limits refuse (a file grown too large, a parse that runs too long) keeps the file's last good version.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSloDirectoryLoader, openSloRegistry, type SloDirectoryLoader, type SloRegistry } from '../../src/engine/slo-registry.js';
import { formatProblem, SLO_LIMITS, type SloLimits } from '../../src/slo/spec/index.js';

const log = pino({ level: 'silent' });

const sloYaml = (name: string, objective: number): string => `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: ${name}}
spec:
  service: ${name}
  objective: ${objective}
  period: 30d
  sli: {spans: {bad: {status: error}}}
`;

let dir: string;
let registry: SloRegistry | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-registry-'));
});
afterEach(async () => {
  registry?.close();
  registry = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** The real loader, counting the loads (reads and parses) it does. */
function countingLoader(limits: SloLimits = { ...SLO_LIMITS }): SloDirectoryLoader & { loads: number } {
  const real = createSloDirectoryLoader({ limits });
  const counting = {
    loads: 0,
    scan: real.scan,
    load: (scan: Parameters<SloDirectoryLoader['load']>[0]) => {
      counting.loads++;
      return real.load(scan);
    },
  };
  return counting;
}

/** Polling and watching slowed down, so that only the test's reload() calls load anything. */
const open = async (loader: SloDirectoryLoader): Promise<SloRegistry> =>
  (registry = await openSloRegistry({ dir, log, pollIntervalMs: 3_600_000, debounceMs: 3_600_000, loader }));

const objectives = (r: SloRegistry): Array<[string, number]> => r.current().slos.map((s) => [s.name, s.objectivePercent]);

describe('the SLO registry', () => {
  it('parses again only when a file was added, written or removed since the last parse', async () => {
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.9));
    const loader = countingLoader();
    const r = await open(loader);
    await r.reload();
    await r.reload();
    expect(loader.loads).toBe(1);

    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.5));
    await r.reload();
    expect(loader.loads).toBe(2);
    expect(objectives(r)).toEqual([['payments', 99.5]]);

    await writeFile(path.join(dir, 'checkout.yaml'), sloYaml('checkout', 99));
    await r.reload();
    await rm(path.join(dir, 'payments.yaml'));
    await r.reload();
    await r.reload();
    expect(loader.loads).toBe(4);
    expect(objectives(r)).toEqual([['checkout', 99]]);
  });

  it('notices a rewrite that keeps the size and the modification time', async () => {
    // `cp -p` and some sync tools restore mtime; the inode's change time still moves.
    const file = path.join(dir, 'payments.yaml');
    await writeFile(file, sloYaml('payments', 99.9));
    const r = await open(countingLoader());
    const before = new Date(Date.now() - 60_000);
    await utimes(file, before, before);
    await r.reload();
    await writeFile(file, sloYaml('payments', 99.8));
    await utimes(file, before, before);
    await r.reload();
    expect(objectives(r)).toEqual([['payments', 99.8]]);
  });

  it('keeps the last good definitions of a file that grows over the size limit, and loads the others', async () => {
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.9));
    const r = await open(countingLoader({ ...SLO_LIMITS, maxFileBytes: 1_000 }));
    await writeFile(path.join(dir, 'payments.yaml'), `${sloYaml('payments', 99.5)}#${'x'.repeat(1_000)}\n`);
    await writeFile(path.join(dir, 'checkout.yaml'), sloYaml('checkout', 99));
    await r.reload();
    expect(objectives(r)).toEqual([['checkout', 99], ['payments', 99.9]]);
    expect(r.current().staleFiles).toEqual([path.join(dir, 'payments.yaml')]);
    expect(r.current().problems.map(formatProblem)).toEqual([`${path.join(dir, 'payments.yaml')}:1:1: file is 1,164 bytes, over the limit of 1000 bytes per SLO file; not loaded`]);
  });

  it('keeps the last good definitions while parses are stopped by the time limit, and takes the files once a parse goes through', async () => {
    const limits: SloLimits = { ...SLO_LIMITS };
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.9));
    const r = await open(countingLoader(limits));

    limits.parseTimeoutMs = 1;
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.5));
    // Another tool's document, kept unchecked; ~1 s of parsing.
    await writeFile(path.join(dir, 'slow.yaml'), `apiVersion: example.com/v1\nkind: Numbers\nspec: [${'1,'.repeat(250_000)}1]\n`);
    await r.reload();
    expect(objectives(r)).toEqual([['payments', 99.9]]);
    expect(r.current().staleFiles).toEqual([path.join(dir, 'payments.yaml')]);
    expect(r.current().problems.map((p) => p.message)).toEqual([
      'not loaded: parsing the SLO files took longer than 1 ms and was stopped',
      'not loaded: parsing the SLO files took longer than 1 ms and was stopped',
    ]);

    // The same contents again, so the same revision: the registry still takes the new result.
    limits.parseTimeoutMs = SLO_LIMITS.parseTimeoutMs;
    const later = new Date();
    await utimes(path.join(dir, 'slow.yaml'), later, later);
    await r.reload();
    expect(objectives(r)).toEqual([['payments', 99.5]]);
    expect(r.current().problems).toEqual([]);
  });

  it('checks again when a change is reported while a parse runs, which may have scanned before it', async () => {
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.9));
    const real = createSloDirectoryLoader();
    let releaseLoad: () => void = () => {};
    let loadStarted: () => void = () => {};
    let isHeld = false;
    const held: SloDirectoryLoader = {
      scan: real.scan,
      load: async (scan) => {
        if (isHeld) {
          loadStarted();
          await new Promise<void>((resolve) => (releaseLoad = resolve));
        }
        return real.load(scan);
      },
    };
    const r = await open(held);

    isHeld = true;
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.5));
    const started = new Promise<void>((resolve) => (loadStarted = resolve));
    const first = r.reload();
    await started; // the first reload has scanned and is loading
    isHeld = false;
    await writeFile(path.join(dir, 'payments.yaml'), sloYaml('payments', 99.1));
    const second = r.reload();
    releaseLoad();
    await Promise.all([first, second]);
    expect(objectives(r)).toEqual([['payments', 99.1]]);
  });
});
