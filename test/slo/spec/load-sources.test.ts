import { describe, expect, it } from 'vitest';
import { formatProblem, loadSloSources, revisionOf, type SourceFile } from '../../../src/slo/spec/index.js';
import { CHECKOUT_AVAILABILITY_YAML, MINIMAL_SPEC, PAYMENTS_AVAILABILITY_YAML, sloYaml } from './examples.js';

const problemsOf = (files: SourceFile[]): string[] => loadSloSources(files).problems.map(formatProblem);

/** An SLO named `name` depending on `dependsOn`; its depends_on list is on line 12, starting at column 16. */
const dependent = (name: string, dependsOn: string[]): string => sloYaml(`${MINIMAL_SPEC}  depends_on: [${dependsOn.join(', ')}]\n`, name);

describe('checks across files', () => {
  it('reports a duplicate SLO name at the second definition, naming the first', () => {
    const text = sloYaml(MINIMAL_SPEC, 'checkout-availability');
    const result = loadSloSources([
      { path: 'b.yaml', text },
      { path: 'a.yaml', text },
    ]);
    expect(result.problems.map(formatProblem)).toEqual([
      'b.yaml:4:9: duplicate SLO name "checkout-availability" (first defined at a.yaml:4:9)',
    ]);
    expect(result.slos.map((s) => s.source.file)).toEqual(['a.yaml']);
  });

  it('reports duplicate gate policy names, but allows a policy and an SLO to share a name', () => {
    const policy = `apiVersion: tollgate.dev/v1\nkind: GatePolicy\nmetadata: {name: demo}\nspec: {app: a, environment: prod, slos: [demo]}\n`;
    expect(problemsOf([{ path: 'a.yaml', text: `${sloYaml(MINIMAL_SPEC)}---\n${policy}---\n${policy}` }])).toEqual([
      'a.yaml:20:18: duplicate gate policy name "demo" (first defined at a.yaml:15:18)',
    ]);
  });

  it('reports depends_on naming an unknown SLO at the list entry', () => {
    expect(problemsOf([{ path: 'a.yaml', text: dependent('checkout', ['payments']) }])).toEqual([
      'a.yaml:12:16: depends_on names unknown SLO "payments"',
    ]);
  });

  it('accepts depends_on naming an SLO in another file', () => {
    expect(
      problemsOf([
        { path: 'checkout.yaml', text: CHECKOUT_AVAILABILITY_YAML },
        { path: 'payments.yaml', text: PAYMENTS_AVAILABILITY_YAML },
      ]),
    ).toEqual([]);
  });

  it('does not call an SLO unknown when its own file failed to load, only reporting that file', () => {
    const brokenPayments = PAYMENTS_AVAILABILITY_YAML.replace('objective: 99.95', 'objective: 100');
    expect(
      problemsOf([
        { path: 'checkout.yaml', text: CHECKOUT_AVAILABILITY_YAML },
        { path: 'payments.yaml', text: brokenPayments },
      ]),
    ).toEqual(['payments.yaml:7:14: objective must be between 0 and 100 (exclusive), got 100']);
  });

  it('reports an SLO depending on itself', () => {
    expect(problemsOf([{ path: 'a.yaml', text: dependent('checkout', ['checkout']) }])).toEqual([
      'a.yaml:12:16: depends_on names the SLO itself ("checkout")',
    ]);
  });

  it('reports a dependency cycle once, at the entry that closes it', () => {
    const files = [
      { path: 'a.yaml', text: dependent('a', ['b']) },
      { path: 'b.yaml', text: dependent('b', ['c']) },
      { path: 'c.yaml', text: dependent('c', ['a']) },
    ];
    expect(problemsOf(files)).toEqual(['c.yaml:12:16: depends_on forms a cycle: a -> b -> c -> a']);
  });
});

describe('per-file isolation', () => {
  it('loads the good files when another file is broken, and reports the broken one', () => {
    const result = loadSloSources([
      { path: 'checkout.yaml', text: CHECKOUT_AVAILABILITY_YAML },
      { path: 'broken.yaml', text: 'apiVersion: tollgate.dev/v1\nkind: SLO\nmetadata: {name: [\n' },
      { path: 'payments.yaml', text: PAYMENTS_AVAILABILITY_YAML },
    ]);
    expect(result.slos.map((s) => s.name)).toEqual(['checkout-availability', 'payments-availability']);
    expect(result.problems.map((p) => p.file)).toEqual(['broken.yaml']);
  });

  it('loads the good documents of a file when one of its documents is broken', () => {
    const text = `${PAYMENTS_AVAILABILITY_YAML}---\n${sloYaml(MINIMAL_SPEC.replace('objective: 99', 'objective: 0.99'))}`;
    const result = loadSloSources([{ path: 'mixed.yaml', text }]);
    expect(result.slos.map((s) => s.name)).toEqual(['payments-availability']);
    expect(result.problems.map(formatProblem)).toEqual(['mixed.yaml:19:14: objective is a percent: 0.99 means 0.99 %, write 99 for 99 %']);
  });
});

describe('revision', () => {
  const a = { path: 'a.yaml', text: CHECKOUT_AVAILABILITY_YAML };
  const b = { path: 'b.yaml', text: PAYMENTS_AVAILABILITY_YAML };

  it('is the same whatever order the files are listed in', () => {
    expect(loadSloSources([a, b]).revision).toBe(loadSloSources([b, a]).revision);
    expect(loadSloSources([a, b]).revision).toMatch(/^[0-9a-f]{12}$/);
  });

  it('changes when a file changes', () => {
    const changed = { ...b, text: b.text.replace('99.95', '99.9') };
    expect(revisionOf([a, changed])).not.toBe(revisionOf([a, b]));
  });

  it('changes when a file is renamed, added or removed', () => {
    const base = revisionOf([a, b]);
    expect(revisionOf([a, { ...b, path: 'c.yaml' }])).not.toBe(base);
    expect(revisionOf([a])).not.toBe(base);
    expect(revisionOf([a, b, { path: 'c.yaml', text: '' }])).not.toBe(base);
  });

  it('does not confuse where one file name ends and its text begins', () => {
    expect(revisionOf([{ path: 'a', text: 'bc' }])).not.toBe(revisionOf([{ path: 'ab', text: 'c' }]));
  });

  it('gives the same results, in the same order, whatever order the files are listed in', () => {
    expect(loadSloSources([b, a])).toEqual(loadSloSources([a, b]));
  });
});
