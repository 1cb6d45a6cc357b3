/**
 * @module slo/spec/load-sources
 * File texts to definitions and problems. Pure: `load-directory.ts` does the reading.
 */
import { checkReferences } from './check-references.js';
import type { LoadedPolicy, LoadedSlo } from './load-document.js';
import { loadFile, type SourceFile } from './load-file.js';
import { resolveOpenSlo, type OpenSloPart } from './openslo.js';
import type { ForeignDocument, GatePolicy, SloDefinition } from './model.js';
import { compareProblems, type Problem } from './problem.js';
import { byPath, revisionOf } from './revision.js';

export interface SloLoadResult {
  slos: SloDefinition[];
  policies: GatePolicy[];
  foreign: ForeignDocument[];
  /** Sorted by file, line, column. Definitions that loaded are returned even when other files have problems. */
  problems: Problem[];
  /** 12 hex characters of sha256 over the sorted file paths and texts. */
  revision: string;
}

export function loadSloSources(files: readonly SourceFile[]): SloLoadResult {
  // Sorted so that "first defined at" and the output order do not depend on the order files were listed in.
  const sorted = [...files].sort(byPath);
  const slos: LoadedSlo[] = [];
  const policies: LoadedPolicy[] = [];
  const foreign: ForeignDocument[] = [];
  const problems: Problem[] = [];
  const declaredSloNames = new Set<string>();
  const openSlo: OpenSloPart[] = [];

  for (const file of sorted) {
    for (const result of loadFile(file)) {
      switch (result.kind) {
        case 'slo':
          slos.push(result.loaded);
          break;
        case 'policy':
          policies.push(result.loaded);
          break;
        case 'foreign':
          foreign.push(result.foreign);
          break;
        case 'invalid':
          problems.push(...result.problems);
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
  }
  const fromOpenSlo = resolveOpenSlo(openSlo);
  slos.push(...fromOpenSlo.slos.map((slo) => ({ slo, dependsOnAt: [] })));
  problems.push(...fromOpenSlo.problems);
  const checked = checkReferences({ slos, policies, declaredSloNames });
  return {
    slos: checked.slos,
    policies: checked.policies,
    foreign,
    problems: [...problems, ...checked.problems].sort(compareProblems),
    revision: revisionOf(sorted),
  };
}

function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
