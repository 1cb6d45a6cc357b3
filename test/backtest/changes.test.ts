import { describe, expect, it } from 'vitest';
import { definitionChanges } from '../../src/backtest/index.js';
import { loadSloSources } from '../../src/slo/spec/index.js';

const slo = (name: string, objective: number, labels = '{team: a}') => `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: ${name}, labels: ${labels}}
spec:
  service: ${name}
  objective: ${objective}
  period: 30d
  sli: {spans: {bad: {status: error}}}
`;
const adjustment = (name: string, slos: string, to = '03:00') => `apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: ${name}}
spec:
  slos: ${slos}
  reason: maintenance
  exclude: {from: "2026-12-01T02:00:00Z", to: "2026-12-01T${to}:00Z"}
`;
const policy = (min: string) => `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: p}
spec:
  app: a
  environment: prod
  slos: [s1]
  min_budget_remaining: ${min}
`;
const load = (...docs: string[]) => loadSloSources([{ path: 'x.yaml', text: docs.join('---\n') }]);

describe('what a change does to the definitions', () => {
  it('names what was added, removed and modified, with each changed field before and after', () => {
    const base = load(slo('s1', 99), slo('s2', 99), policy('15%'));
    const head = load(slo('s1', 99.9), slo('s3', 99), policy('30%'));
    const c = definitionChanges(base, head);
    expect(c.slos.map((s) => [s.name, s.change])).toEqual([['s1', 'modified'], ['s2', 'removed'], ['s3', 'added']]);
    expect(c.slos[0]!.fields).toEqual([{ field: 'objective', before: '99%', after: '99.9%' }]);
    expect(c.policies.map((p) => [p.name, p.change, p.fields])).toEqual([['p', 'modified', [{ field: 'min_budget_remaining', before: '15%', after: '30%' }]]]);
    expect(c.affected.size).toBe(0);
  });

  it('ignores where a definition is written: the same SLO on another line is unchanged', () => {
    expect(definitionChanges(load(slo('s1', 99)), load(slo('s0', 98), slo('s1', 99))).slos.map((s) => s.name)).toEqual(['s0']);
  });

  it('finds the SLOs a changed adjustment reaches, by name and by labels, on either side', () => {
    const base = load(slo('s1', 99), slo('s2', 99, '{team: b}'), slo('s3', 99), adjustment('old', '[s3]'));
    const head = load(slo('s1', 99), slo('s2', 99, '{team: b}'), slo('s3', 99), adjustment('new', '{matchLabels: {team: b}}'), adjustment('old', '[s3]', '04:00'));
    const c = definitionChanges(base, head);
    expect(c.adjustments.map((a) => [a.name, a.change])).toEqual([['new', 'added'], ['old', 'modified']]);
    expect(c.adjustments[1]!.fields).toEqual([{ field: 'exclude', before: '2026-12-01T02:00:00.000Z to 2026-12-01T03:00:00.000Z', after: '2026-12-01T02:00:00.000Z to 2026-12-01T04:00:00.000Z' }]);
    expect([...c.affected]).toEqual([['s2', ['new']], ['s3', ['old']]]);
  });
});
