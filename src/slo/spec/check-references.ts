/**
 * @module slo/spec/check-references
 * Checks across all files: unique names per kind, `depends_on` and `slos` naming SLOs that exist, no dependency cycles.
 */
import type { LoadedAdjustment, LoadedPolicy, LoadedSlo } from './load-document.js';
import type { BudgetAdjustment, GatePolicy, SloDefinition, SloSelection } from './model.js';
import { formatPos, type Problem, type SourcePos } from './problem.js';

export interface ReferenceCheckInput {
  slos: readonly LoadedSlo[];
  policies: readonly LoadedPolicy[];
  adjustments?: readonly LoadedAdjustment[];
  /** Names of SLO documents that failed to load: referring to them is not a second mistake. */
  declaredSloNames: ReadonlySet<string>;
}

export interface ReferenceCheckResult {
  /** Without later duplicates: the first definition of a name wins. */
  slos: SloDefinition[];
  policies: GatePolicy[];
  adjustments: BudgetAdjustment[];
  problems: Problem[];
}

export function checkReferences(input: ReferenceCheckInput): ReferenceCheckResult {
  const problems: Problem[] = [];
  const slos = dropDuplicates(input.slos, (l) => l.slo, 'SLO', problems);
  const policies = dropDuplicates(input.policies, (l) => l.policy, 'gate policy', problems);
  const loadedNames = new Set(slos.map((l) => l.slo.name));
  const isKnown = (name: string) => loadedNames.has(name) || input.declaredSloNames.has(name);

  for (const { slo, dependsOnAt } of slos) {
    slo.dependsOn.forEach((name, i) => {
      const at = dependsOnAt[i] ?? slo.source;
      if (name === slo.name) problems.push({ ...at, message: `depends_on names the SLO itself ("${name}")` });
      else if (!isKnown(name)) problems.push({ ...at, message: `depends_on names unknown SLO "${name}"` });
    });
  }
  problems.push(...findCycles(slos));

  for (const { policy, sloNamesAt, slosAt } of policies) checkSelection(policy.slos, sloNamesAt, slosAt);
  const adjustments = dropDuplicates(input.adjustments ?? [], (l) => l.adjustment, 'budget adjustment', problems);
  for (const { adjustment, sloNamesAt, slosAt } of adjustments) checkSelection(adjustment.slos, sloNamesAt, slosAt);
  return { slos: slos.map((l) => l.slo), policies: policies.map((l) => l.policy), adjustments: adjustments.map((l) => l.adjustment), problems };

  /** A gate policy's or a budget adjustment's `slos`: names that exist, or a selector that matches some SLO. */
  function checkSelection(selection: SloSelection, sloNamesAt: readonly SourcePos[], slosAt: SourcePos): void {
    switch (selection.kind) {
      case 'names':
        selection.names.forEach((name, i) => {
          if (!isKnown(name)) problems.push({ ...(sloNamesAt[i] ?? slosAt), message: `slos names unknown SLO "${name}"` });
        });
        break;
      case 'selector': {
        // A selector that matches nothing would make the gate check nothing and always pass.
        const wanted = Object.entries(selection.matchLabels);
        const isMatched = slos.some(({ slo }) => wanted.every(([k, v]) => slo.labels[k] === v));
        if (!isMatched) {
          const text = wanted.map(([k, v]) => `${k}: ${v}`).join(', ');
          problems.push({ ...slosAt, message: `slos selector {${text}} matches no SLO` });
        }
        break;
      }
      default:
        assertNever(selection);
    }
  }
}

function dropDuplicates<T>(items: readonly T[], definition: (item: T) => { name: string; source: SourcePos }, what: string, problems: Problem[]): T[] {
  const firstAt = new Map<string, SourcePos>();
  return items.filter((item) => {
    const { name, source } = definition(item);
    const first = firstAt.get(name);
    if (first === undefined) {
      firstAt.set(name, source);
      return true;
    }
    problems.push({ ...source, message: `duplicate ${what} name "${name}" (first defined at ${formatPos(first)})` });
    return false;
  });
}

/** Depth-first search; each back edge is one cycle, reported at the `depends_on` entry that closes it. */
function findCycles(slos: readonly LoadedSlo[]): Problem[] {
  const byName = new Map(slos.map((l) => [l.slo.name, l]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const problems: Problem[] = [];

  const visit = (loaded: LoadedSlo): void => {
    const { slo } = loaded;
    state.set(slo.name, 'visiting');
    stack.push(slo.name);
    slo.dependsOn.forEach((next, i) => {
      const target = byName.get(next);
      if (target === undefined || next === slo.name) return; // reported above as unknown or self
      if (state.get(next) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(next)), next].join(' -> ');
        problems.push({ ...(loaded.dependsOnAt[i] ?? slo.source), message: `depends_on forms a cycle: ${cycle}` });
      } else if (state.get(next) === undefined) {
        visit(target);
      }
    });
    stack.pop();
    state.set(slo.name, 'done');
  };
  for (const loaded of slos) if (state.get(loaded.slo.name) === undefined) visit(loaded);
  return problems;
}

function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
