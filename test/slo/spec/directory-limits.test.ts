/**
 * What the directory walk reads, on real files: sizes and counts within the limits, symlinks only to
 * targets inside the directory (ConfigMap mounts included), UTF-8 only. What is refused is a problem
 * at its path, and the rest of the directory still loads; `tollgate validate` applies the same rules.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadSloDirectory, runValidate, SLO_LIMITS, type SloLimits } from '../../../src/slo/spec/index.js';
import { PAYMENTS_AVAILABILITY_YAML, sloYaml, MINIMAL_SPEC } from './examples.js';
import { requireBinary } from '../../setup/real-parts.js';

let tmp: string;
/** The SLO directory, inside `tmp`, so that `tmp` itself is "outside". */
let dir: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-slo-dir-'));
  dir = path.join(tmp, 'slos');
  await mkdir(dir);
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const at = (rel: string): string => path.join(dir, rel);
/** A valid SLO named `name`, padded with a comment to `sizeBytes` when given. */
const sloFile = (name: string, sizeBytes = 0): string => {
  const text = sloYaml(MINIMAL_SPEC, name);
  return sizeBytes === 0 ? text : `${text}#${'x'.repeat(sizeBytes - text.length - 2)}\n`;
};

async function load(limits: Partial<SloLimits> = {}): Promise<{ problems: string[]; slos: string[] }> {
  const result = await loadSloDirectory(dir, { limits: { ...SLO_LIMITS, ...limits } });
  return { problems: result.problems.map(formatProblem), slos: result.slos.map((s) => s.name) };
}

describe('size limits', () => {
  it('reports a file over 1 MiB at file:1:1 with its size and the limit, does not parse it, and loads the rest', async () => {
    // Not YAML past the first line: had it been parsed, the problem would be a syntax error.
    await writeFile(at('huge.yaml'), `a: [\n${'x'.repeat(MiB)}`);
    await writeFile(at('payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    expect(await load()).toEqual({
      problems: [`${at('huge.yaml')}:1:1: file is 1,048,581 bytes, over the limit of 1 MiB per SLO file; not loaded`],
      slos: ['payments-availability'],
    });
  });

  it('loads a file of exactly 1 MiB', async () => {
    await writeFile(at('big.yaml'), sloFile('big', MiB));
    expect(await load()).toEqual({ problems: [], slos: ['big'] });
  });

  it('stops at the file that takes the directory past its total, in name order, reporting it and every later file', async () => {
    await writeFile(at('a.yaml'), sloFile('a', 600));
    await writeFile(at('b.yaml'), sloFile('b', 600));
    await mkdir(at('c'));
    await writeFile(at('c/c.yaml'), sloFile('c', 300));
    expect(await load({ maxDirectoryBytes: 1_000 })).toEqual({
      problems: [
        `${at('b.yaml')}:1:1: not loaded: with this file's 600 bytes the SLO directory's YAML files would total more than 1000 bytes (the limit; files load in name order)`,
        `${at('c/c.yaml')}:1:1: not loaded: the SLO directory's YAML files reach the limit of 1000 bytes in total before this one (files load in name order)`,
      ],
      slos: ['a'],
    });
  });

  it('reports every YAML file past the limit on their number', async () => {
    for (const name of ['a', 'b', 'c', 'd']) await writeFile(at(`${name}.yaml`), sloFile(name));
    await writeFile(at('notes.txt'), 'not counted');
    expect(await load({ maxDirectoryFiles: 2 })).toEqual({
      problems: [
        `${at('c.yaml')}:1:1: not loaded: the SLO directory has more than 2 YAML files (the limit; files load in name order)`,
        `${at('d.yaml')}:1:1: not loaded: the SLO directory has more than 2 YAML files before this one (the limit; files load in name order)`,
      ],
      slos: ['a', 'b'],
    });
  });
});

describe('symlinks', () => {
  it('reports a link to a directory outside the SLO directory at its path and does not walk it', async () => {
    await mkdir(path.join(tmp, 'elsewhere'));
    await writeFile(path.join(tmp, 'elsewhere', 'other.yaml'), sloFile('other'));
    await symlink(path.join(tmp, 'elsewhere'), at('linked'));
    await symlink('/', at('root'));
    await writeFile(at('payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    expect(await load()).toEqual({
      problems: [`${at('linked')}:1:1: symlink points outside the SLO directory`, `${at('root')}:1:1: symlink points outside the SLO directory`],
      slos: ['payments-availability'],
    });
  });

  it('reports a YAML file linked from outside, also through a link inside that points out', async () => {
    await writeFile(path.join(tmp, 'outside.yaml'), sloFile('outside'));
    await symlink('../outside.yaml', at('direct.yaml'));
    await symlink('direct.yaml', at('chained.yaml'));
    expect((await load()).problems).toEqual([
      `${at('chained.yaml')}:1:1: symlink points outside the SLO directory`,
      `${at('direct.yaml')}:1:1: symlink points outside the SLO directory`,
    ]);
  });

  it('ignores a link outside that is neither a directory nor named like YAML, as it ignores any such file', async () => {
    await symlink('/etc/hostname', at('README'));
    expect(await load()).toEqual({ problems: [], slos: [] });
  });

  it('follows links whose targets stay inside the directory, loading each file once', async () => {
    await mkdir(at('v1'));
    await writeFile(at('v1/payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    await symlink('v1', at('current'));
    await mkdir(at('.store'));
    await writeFile(at('.store/checkout.yaml'), sloFile('checkout'));
    await symlink('.store/checkout.yaml', at('checkout.yaml'));
    const result = await loadSloDirectory(dir);
    expect(result.problems).toEqual([]);
    // `current` sorts before `v1`: the directory is read once, through the first path that reaches it.
    expect(result.slos.map((s) => s.source.file)).toEqual([at('checkout.yaml'), at('current/payments.yaml')]);
  });

  it('loads a Kubernetes ConfigMap mount, and the new version after kubelet swaps ..data', async () => {
    // kubelet's atomic writer: files in a timestamped directory, `..data` linking to it, each key linked to `..data/key`.
    const mountVersion = async (stamp: string, objective: string): Promise<void> => {
      await mkdir(at(stamp));
      await writeFile(at(`${stamp}/payments.yaml`), PAYMENTS_AVAILABILITY_YAML.replace('99.95', objective));
      await writeFile(at(`${stamp}/checkout.yaml`), sloFile('checkout'));
      await symlink(stamp, at('..data_tmp'));
      await rename(at('..data_tmp'), at('..data'));
    };
    await mountVersion('..2024_01_01_00_00_00.1', '99.95');
    await symlink('..data/payments.yaml', at('payments.yaml'));
    await symlink('..data/checkout.yaml', at('checkout.yaml'));
    const first = await loadSloDirectory(dir);
    expect(first.problems).toEqual([]);
    expect(first.slos.map((s) => [s.source.file, s.objectivePercent])).toEqual([
      [at('checkout.yaml'), 99],
      [at('payments.yaml'), 99.95],
    ]);

    await mountVersion('..2024_01_02_00_00_00.2', '99.5');
    const second = await loadSloDirectory(dir);
    expect(second.problems).toEqual([]);
    expect(second.slos.map((s) => [s.source.file, s.objectivePercent])).toEqual([
      [at('checkout.yaml'), 99],
      [at('payments.yaml'), 99.5],
    ]);
  });
});

describe('file contents', () => {
  it('rejects a file that is not UTF-8 at the line and column of the first bad byte', async () => {
    const latin1 = Buffer.from(PAYMENTS_AVAILABILITY_YAML.replace('name: payments-availability', 'name: caf\u00e9'), 'latin1');
    await writeFile(at('latin1.yaml'), latin1);
    await writeFile(at('checkout.yaml'), sloFile('checkout'));
    expect(await load()).toEqual({
      problems: [`${at('latin1.yaml')}:4:12: invalid UTF-8 (byte 0xE9): SLO files must be UTF-8 text`],
      slos: ['checkout'],
    });
  });

  it('reports a FIFO named like YAML instead of waiting on it forever', async () => {
    execFileSync(requireBinary('mkfifo'), [at('pipe.yaml')]);
    await writeFile(at('checkout.yaml'), sloFile('checkout'));
    expect(await load()).toEqual({ problems: [`${at('pipe.yaml')}:1:1: not a regular file`], slos: ['checkout'] });
  });
});

describe('tollgate validate', () => {
  it('applies the same limits: an oversized file, a link outside and bad UTF-8 are problems, exit code 1', async () => {
    await writeFile(at('huge.yaml'), 'x'.repeat(MiB + 1));
    await symlink('/', at('root'));
    await writeFile(at('latin1.yaml'), Buffer.from('a: caf\u00e9\n', 'latin1'));
    await writeFile(at('payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
    const lines: string[] = [];
    const code = await runValidate(dir, (line) => lines.push(line));
    const shown = path.relative(process.cwd(), dir);
    expect({ code, lines }).toEqual({
      code: 1,
      lines: [
        `${shown}/huge.yaml:1:1: file is 1,048,577 bytes, over the limit of 1 MiB per SLO file; not loaded`,
        `${shown}/latin1.yaml:1:7: invalid UTF-8 (byte 0xE9): SLO files must be UTF-8 text`,
        `${shown}/root:1:1: symlink points outside the SLO directory`,
        '1 SLO, 0 gate policies: 3 problems',
      ],
    });
  });
});
