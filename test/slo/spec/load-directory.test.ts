import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadSloDirectory, revisionOf, runValidate, SloDirectoryError } from '../../../src/slo/spec/index.js';
import { readSloFiles } from '../../../src/slo/spec/load-directory.js';
import { PAYMENTS_AVAILABILITY_YAML } from './examples.js';

/** As a user would type it from the repository root, where vitest runs. */
const fromCwd = (relativeToThisFile: string): string =>
  path.relative(process.cwd(), fileURLToPath(new URL(relativeToThisFile, import.meta.url)));

const VALID = fromCwd('../../fixtures/slo/valid');
const INVALID = fromCwd('../../fixtures/slo/invalid');
const EXAMPLES = fromCwd('../../../slo-definitions');

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-slo-spec-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('loadSloDirectory', () => {
  it('reads YAML files recursively, skipping hidden and non-YAML files, with paths under the directory', async () => {
    const result = await loadSloDirectory(VALID);
    expect(result.problems).toEqual([]);
    expect(result.slos.map((s) => [s.name, s.source.file])).toEqual([
      ['checkout-availability', path.join(VALID, 'checkout.yaml')],
      ['checkout-latency', path.join(VALID, 'checkout.yaml')],
      ['payments-availability', path.join(VALID, 'nested/payments.yml')],
    ]);
    expect(result.policies.map((p) => p.name)).toEqual(['checkout-prod']);
  });

  it('hashes the paths below the directory, so a copy elsewhere has the same revision', async () => {
    const { files } = await readSloFiles(VALID);
    expect(files.map((f) => f.path)).toEqual(['checkout.yaml', 'nested/payments.yml', 'policies.yaml']);
    await cp(VALID, path.join(tmp, 'copy'), { recursive: true });
    const here = await loadSloDirectory(VALID);
    expect(here.revision).toBe(revisionOf(files));
    expect((await loadSloDirectory(path.join(tmp, 'copy'))).revision).toBe(here.revision);
  });

  it('gives a new revision when a file changes', async () => {
    await writeFile(path.join(tmp, 'payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    const before = (await loadSloDirectory(tmp)).revision;
    await writeFile(path.join(tmp, 'payments.yaml'), PAYMENTS_AVAILABILITY_YAML.replace('99.95', '99.5'));
    expect((await loadSloDirectory(tmp)).revision).not.toBe(before);
  });

  it('follows ConfigMap-style symlinks and loads each file once', async () => {
    // The layout kubelet writes for a mounted ConfigMap.
    await mkdir(path.join(tmp, '..2024_01_01_00_00_00.1'));
    await writeFile(path.join(tmp, '..2024_01_01_00_00_00.1', 'payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    await symlink('..2024_01_01_00_00_00.1', path.join(tmp, '..data'));
    await symlink('..data/payments.yaml', path.join(tmp, 'payments.yaml'));
    const result = await loadSloDirectory(tmp);
    expect(result.problems).toEqual([]);
    expect(result.slos.map((s) => s.source.file)).toEqual([path.join(tmp, 'payments.yaml')]);
  });

  it('reports a file it cannot read and still loads the others', async () => {
    await writeFile(path.join(tmp, 'payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    await symlink('missing.yaml', path.join(tmp, 'gone.yaml'));
    const result = await loadSloDirectory(tmp);
    expect(result.problems.map(formatProblem)).toEqual([`${path.join(tmp, 'gone.yaml')}:1:1: cannot read (ENOENT: no such file or directory)`]);
    expect(result.slos.map((s) => s.name)).toEqual(['payments-availability']);
  });

  it('throws SloDirectoryError for a directory that does not exist', async () => {
    const missing = path.join(tmp, 'nope');
    await expect(loadSloDirectory(missing)).rejects.toThrow(new SloDirectoryError(missing, 'ENOENT: no such file or directory'));
  });
});

describe('runValidate', () => {
  const run = async (dir: string): Promise<{ code: number; lines: string[] }> => {
    const lines: string[] = [];
    const code = await runValidate(dir, (line) => lines.push(line));
    return { code, lines };
  };

  it('exits 0 with a summary for a valid directory', async () => {
    expect(await run(VALID)).toEqual({ code: 0, lines: ['3 SLOs, 1 gate policy: valid'] });
  });

  it('exits 1 printing each problem at its position, relative to the working directory, then a summary', async () => {
    expect(await run(INVALID)).toEqual({
      code: 1,
      lines: [
        `${INVALID}/bad.yaml:6:3: missing required field "objective"`,
        `${INVALID}/bad.yaml:7:3: unknown field "objectve"`,
        `${INVALID}/bad.yaml:11:28: duration_over must be a duration like 300ms (units ms, s, m, h, d, w), got "300 ms"`,
        `${INVALID}/good.yaml:4:9: duplicate SLO name "checkout-availability" (first defined at ${INVALID}/dupe.yaml:4:9)`,
        `${INVALID}/sloth-file.yml:8:22: invalid PromQL (with {{.window}} as 5m): 1:47: parse error: unclosed left parenthesis`,
        '1 SLO, 0 gate policies, 1 foreign document (not checked): 5 problems',
      ],
    });
  });

  it('shows paths relative to the working directory when given an absolute directory', async () => {
    const { lines } = await run(path.resolve(INVALID));
    expect(lines[0]).toBe(`${INVALID}/bad.yaml:6:3: missing required field "objective"`);
  });

  it('exits 1 naming a directory it cannot read', async () => {
    const missing = path.join(tmp, 'nope');
    const { code, lines } = await run(missing);
    expect(code).toBe(1);
    expect(lines).toEqual([`${path.relative(process.cwd(), missing)}: cannot read SLO directory (ENOENT: no such file or directory)`]);
  });

  it('validates the example definitions shipped in slo-definitions/', async () => {
    expect(await run(EXAMPLES)).toEqual({ code: 0, lines: ['4 SLOs, 2 gate policies: valid'] });
  });
});
