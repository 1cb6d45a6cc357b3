/**
 * @module slo/spec/load-sources
 * File texts to definitions and problems. Pure: `load-directory.ts` does the reading.
 */
import { checkReferences } from './check-references.js';
import type { LoadedAdjustment, LoadedPolicy, LoadedSlo } from './load-document.js';
import { loadFile, type SourceFile } from './load-file.js';
import { SLO_LIMITS, type SloLimits } from './limits.js';
import { resolveOpenSlo, type OpenSloPart } from './openslo.js';
import type { BudgetAdjustment, ForeignDocument, GatePolicy, SloDefinition } from './model.js';
import { compareProblems, type Problem } from './problem.js';
import { byPath, revisionOf } from './revision.js';

export interface SloLoadResult {
  slos: SloDefinition[];
  policies: GatePolicy[];
  adjustments: BudgetAdjustment[];
  foreign: ForeignDocument[];
  /** Sorted by file, line, column. Definitions that loaded are returned even when other files have problems. */
  problems: Problem[];
  /** 12 hex characters of sha256 over the sorted file paths and texts. */
  revision: string;
}

export function loadSloSources(files: readonly SourceFile[], { limits = SLO_LIMITS }: { limits?: SloLimits } = {}): SloLoadResult {
  // Sorted so that "first defined at" and the output order do not depend on the order files were listed in.
  const sorted = [...files].sort(byPath);
  const slos: LoadedSlo[] = [];
  const policies: LoadedPolicy[] = [];
  const adjustments: LoadedAdjustment[] = [];
  const foreign: ForeignDocument[] = [];
  const problems: Problem[] = [];
  const declaredSloNames = new Set<string>();
  const openSlo: OpenSloPart[] = [];

  for (const file of sorted) {
    const fileProblems: Problem[] = [];
    for (const result of loadFile(file, limits)) {
      switch (result.kind) {
        case 'slo':
          slos.push(result.loaded);
          break;
        case 'policy':
          policies.push(result.loaded);
          break;
        case 'adjustment':
          adjustments.push(result.loaded);
          break;
        case 'foreign':
          foreign.push(result.foreign);
          break;
        case 'invalid':
          fileProblems.push(...result.problems);
          if (result.declaredSloName !== null) declaredSloNames.add(result.declaredSloName);
          break;
        case 'openslo':
          openSlo.push(result.part);
          break;
        case 'empty':
          break;
        default:
          return assertNever(result);
      }
    }
    problems.push(...atMost(limits.maxProblemsPerFile, fileProblems));
  }
  const fromOpenSlo = resolveOpenSlo(openSlo);
  slos.push(...fromOpenSlo.slos.map((slo) => ({ slo, dependsOnAt: [] })));
  problems.push(...fromOpenSlo.problems);
  const checked = checkReferences({ slos, policies, adjustments, declaredSloNames });
  return {
    slos: checked.slos,
    policies: checked.policies,
    adjustments: checked.adjustments,
    foreign,
    problems: [...problems, ...checked.problems].sort(compareProblems),
    revision: revisionOf(sorted),
  };
}

/** The first `max` problems in the file, and one more at the next that counts the rest. */
function atMost(max: number, fileProblems: Problem[]): Problem[] {
  if (fileProblems.length <= max) return fileProblems;
  const sorted = [...fileProblems].sort(compareProblems);
  const next = sorted[max]!; // exists: length > max
  return [...sorted.slice(0, max), { ...next, message: `${sorted.length - max} more problems in this file are not shown` }];
}

function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
