/**
 * Limits on a file's YAML structure, on real files: each is a problem at the spot, and the file is not loaded
 * beyond it. Default limits: 1,000 documents per file, collections 64 deep, 1,000 keys per mapping,
 * 100 aliases and 10,000 aliased nodes per document.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadSloDirectory } from '../../../src/slo/spec/index.js';
import { PAYMENTS_AVAILABILITY_YAML } from './examples.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-yaml-limits-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** `text` as bad.yaml beside a valid payments.yaml; the problems, with paths relative to the directory. */
async function problemsOf(text: string | Uint8Array): Promise<{ problems: string[]; slos: string[] }> {
  await writeFile(path.join(tmp, 'bad.yaml'), text);
  await writeFile(path.join(tmp, 'payments.yaml'), PAYMENTS_AVAILABILITY_YAML);
  const result = await loadSloDirectory(tmp);
  return { problems: result.problems.map((p) => formatProblem(p).replace(`${tmp}${path.sep}`, '')), slos: result.slos.map((s) => s.name) };
}

const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => `${line(i)}\n`).join('');

describe('limits on YAML structure', () => {
  it.each<[string, string, string]>([
    ['flow collections nested 65 deep, at the 65th', `${'['.repeat(65)}${']'.repeat(65)}\n`, 'bad.yaml:1:65: collections nested more than 64 deep'],
    ['block sequences nested 65 deep on one line, at the 65th', `${'- '.repeat(65)}x\n`, 'bad.yaml:1:129: collections nested more than 64 deep'],
    ['a 1,001st document, at its start', 'a: 1\n---\n'.repeat(1_000) + 'a: 1\n', 'bad.yaml:2000:1: more than 1000 YAML documents in one file'],
    ['a 1,001st key in one mapping, at that key', lines(1_001, (i) => `key${i}: 1`), 'bad.yaml:1001:1: more than 1000 keys in one mapping'],
    ['a 101st alias, at that alias', `x: &x 1\n${lines(101, (i) => `a${i}: *x`)}`, 'bad.yaml:102:7: more than 100 aliases in one document'],
    [
      'aliases that repeat more than 10,000 nodes ("billion laughs"), at the alias that passes it',
      [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', // 110 + 1,110 before d; each *c repeats 1,111
        '',
      ].join('\n'),
      'bad.yaml:4:36: aliases repeat more than 10000 nodes in one document',
    ],
    ['an alias inside the node it repeats, which would make a value contain itself', 'a: &a [1, *a]\n', 'bad.yaml:1:11: alias *a is inside the node &a it repeats'],
  ])('reports %s, and still loads the other files', async (_, text, expected) => {
    expect(await problemsOf(text)).toEqual({ problems: [expected], slos: ['payments-availability'] });
  });

  it('accepts collections nested exactly 64 deep', async () => {
    const { problems } = await problemsOf(`x: ${'['.repeat(63)}${']'.repeat(63)}\n`);
    expect(problems).toEqual(['bad.yaml:1:1: missing required field "apiVersion" (or "version: prometheus/v1" for a Sloth file)']);
  });

  it('rejects 100,000 nested collections without overflowing the stack, then loads the next file', async () => {
    // Composing this used to overflow yaml's recursion; after that V8 could abort the process on the next parse.
    const { problems, slos } = await problemsOf(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(problems).toEqual(['bad.yaml:1:65: collections nested more than 64 deep']);
    expect(slos).toEqual(['payments-availability']);
  });

  it('rejects a 1 MiB mapping of 80,000 keys at its 1,001st key', async () => {
    // This file kept the event loop busy for 129 s when yaml checked for duplicate keys.
    const { problems } = await problemsOf(lines(80_000, (i) => `key${String(i).padStart(5, '0')}: 1`));
    expect(problems).toEqual(['bad.yaml:1001:1: more than 1000 keys in one mapping']);
  });
});

describe('duplicate keys', () => {
  it('reports a duplicate key at its second occurrence', async () => {
    const { problems } = await problemsOf('apiVersion: tollgate.dev/v1\nkind: SLO\nkind: GatePolicy\n');
    expect(problems).toEqual(['bad.yaml:3:1: duplicate key "kind"']);
  });

  it('reports the last of 1,000 keys repeating the first', async () => {
    const { problems } = await problemsOf(`${lines(999, (i) => `key${i}: 1`)}key0: 2\n`);
    expect(problems).toEqual(['bad.yaml:1000:1: duplicate key "key0"']);
  });

  it('reports keys that would overwrite each other as plain values, such as 1 and "1"', async () => {
    // yaml's uniqueKeys compared the values 1 and "1" and let the second silently win.
    const { problems } = await problemsOf('1: a\n"1": b\n');
    expect(problems).toEqual(['bad.yaml:2:1: duplicate key "1"']);
  });

  it('reports each duplicate key in nested mappings', async () => {
    const { problems } = await problemsOf('a:\n  x: 1\n  x: 2\nb:\n  y: 1\n  y: 2\n');
    expect(problems).toEqual(['bad.yaml:3:3: duplicate key "x"', 'bad.yaml:6:3: duplicate key "y"']);
  });
});

describe('problems per file', () => {
  it('shows the first 100 problems of a file and counts the rest in one more', async () => {
    const { problems } = await problemsOf('a: 1\n---\n'.repeat(149) + 'a: 1\n');
    expect(problems).toHaveLength(101);
    expect(problems[99]).toBe('bad.yaml:199:1: missing required field "apiVersion" (or "version: prometheus/v1" for a Sloth file)');
    expect(problems[100]).toBe('bad.yaml:201:1: 50 more problems in this file are not shown');
  });
});
