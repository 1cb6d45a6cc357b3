/**
 * @module slo/spec/load-document
 * One YAML document to a definition, a foreign document, or problems.
 */
import type { Document, LineCounter } from 'yaml';
import { isScalar } from 'yaml';
import { describeValue } from './describe-value.js';
import { budgetAdjustmentFromWire } from './adjustment-from-wire.js';
import { gatePolicyFromWire } from './gate-policy-from-wire.js';
import { problemsFromIssues } from './issue-problems.js';
import type { SloLimits } from './limits.js';
import type { BudgetAdjustment, ForeignDocument, GatePolicy, SloDefinition } from './model.js';
import type { Problem, SourcePos } from './problem.js';
import { sloFromWire } from './slo-from-wire.js';
import { API_GROUP_PREFIX, API_VERSION } from './wire-common.js';
import { budgetAdjustmentDocument } from './wire-budget-adjustment.js';
import { gatePolicyDocument } from './wire-gate-policy.js';
import { sloDocument } from './wire-slo.js';
import { openSloPart, OPENSLO_API_VERSION, type OpenSloPart } from './openslo.js';
import { SLOTH_FILE_VERSION, SLOTH_K8S_API_VERSION, SLOTH_K8S_KIND, slothFileSlos, slothK8sSlos, type SlothResult } from './sloth.js';
import { createYamlLocator, locatorBelow, type YamlLocator } from './yaml-locator.js';
import { checkYamlStructure, type StructureProblem } from './yaml-structure.js';

/** A definition plus where its references to other SLOs are written, for the cross-file checks. */
export interface LoadedSlo {
  slo: SloDefinition;
  dependsOnAt: SourcePos[];
}

export interface LoadedPolicy {
  policy: GatePolicy;
  /** One per name when `slos` is a list. */
  sloNamesAt: SourcePos[];
  slosAt: SourcePos;
}

export interface LoadedAdjustment {
  adjustment: BudgetAdjustment;
  /** One per name when `slos` is a list. */
  sloNamesAt: SourcePos[];
  slosAt: SourcePos;
}

export type DocumentResult =
  | { kind: 'slo'; loaded: LoadedSlo }
  | { kind: 'policy'; loaded: LoadedPolicy }
  | { kind: 'adjustment'; loaded: LoadedAdjustment }
  | { kind: 'foreign'; foreign: ForeignDocument }
  /** An OpenSLO document: SLOs are made once all files are read, since they may name SLIs and data sources elsewhere. */
  | { kind: 'openslo'; part: OpenSloPart }
  /** `declaredSloName`: an invalid SLO document still declares its name, so references to it are not "unknown". */
  | { kind: 'invalid'; problems: Problem[]; declaredSloName: string | null }
  | { kind: 'empty' };

const KINDS = ['SLO', 'GatePolicy', 'BudgetAdjustment'] as const;

type DocumentLimits = Pick<SloLimits, 'maxKeysPerMap' | 'maxAliasesPerDocument' | 'maxAliasedNodesPerDocument'>;

/** Usually one result; a Sloth file holds several SLOs, and OpenSLO tools also write a list of documents. */
export function loadDocument(doc: Document.Parsed, file: string, lineCounter: LineCounter, limits: DocumentLimits): DocumentResult[] {
  const at = createYamlLocator(file, doc, lineCounter);
  // Before toJS(): it is what aliases and huge mappings would make slow.
  const structure = checkYamlStructure(doc, limits);
  if (doc.errors.length > 0 || structure.length > 0) {
    return [{ kind: 'invalid', problems: yamlProblems(doc, structure, file, lineCounter), declaredSloName: null }];
  }
  // A stream ending in `---`, or a file of comments, holds documents with nothing in them.
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return [{ kind: 'empty' }];

  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: limits.maxAliasesPerDocument });
  } catch (e) {
    // toJS throws on an alias whose anchor is missing; the parser does not report that as an error.
    return [invalid(at, [], `invalid YAML: ${e instanceof Error ? e.message : String(e)}`)];
  }
  // OpenSLO's SDK reads and writes a list of documents in one YAML document.
  if (Array.isArray(js) && js.length > 0 && js.every(isRecord)) return js.flatMap((item, i) => loadValue(item, locatorBelow(at, [i])));
  return loadValue(js, at);
}

function loadValue(js: unknown, at: YamlLocator): DocumentResult[] {
  if (!isRecord(js)) {
    return [invalid(at, [], `a document must be a mapping with apiVersion, kind, metadata and spec, got ${describeValue(js)}`)];
  }
  const imported = importedDocument(js, at);
  if (imported !== null) return imported;
  const header = checkHeader(js, at);
  if (header.kind !== 'ours') return [header.result];
  return [loadOurs(js, header.docKind, at)];
}

/** Sloth and OpenSLO documents; null for anything else. */
function importedDocument(js: Record<string, unknown>, at: YamlLocator): DocumentResult[] | null {
  let sloth: SlothResult | null = null;
  if (js['apiVersion'] === undefined && js['version'] === SLOTH_FILE_VERSION) sloth = slothFileSlos(js, at);
  else if (js['apiVersion'] === SLOTH_K8S_API_VERSION && js['kind'] === SLOTH_K8S_KIND) sloth = slothK8sSlos(js, at);
  if (sloth !== null) {
    if (!sloth.ok) return [{ kind: 'invalid', problems: sloth.problems, declaredSloName: null }];
    return sloth.slos.map((slo) => ({ kind: 'slo', loaded: { slo, dependsOnAt: [] } }));
  }
  if (js['apiVersion'] === OPENSLO_API_VERSION) {
    const part = openSloPart(js, at);
    return [part.ok ? { kind: 'openslo', part: part.part } : { kind: 'invalid', problems: part.problems, declaredSloName: null }];
  }
  return null;
}

function loadOurs(js: Record<string, unknown>, docKind: (typeof KINDS)[number], at: YamlLocator): DocumentResult {
  const declaredSloName = docKind === 'SLO' && isRecord(js.metadata) && typeof js.metadata.name === 'string' ? js.metadata.name : null;
  const source = at.valueAt(['metadata', 'name']);
  if (docKind === 'SLO') {
    const parsed = sloDocument.safeParse(js, { reportInput: true });
    if (!parsed.success) return { kind: 'invalid', problems: problemsFromIssues(parsed.error.issues, at), declaredSloName };
    const slo = sloFromWire(parsed.data, source);
    return { kind: 'slo', loaded: { slo, dependsOnAt: slo.dependsOn.map((_, i) => at.valueAt(['spec', 'depends_on', i])) } };
  }
  if (docKind === 'BudgetAdjustment') {
    const parsed = budgetAdjustmentDocument.safeParse(js, { reportInput: true });
    if (!parsed.success) return { kind: 'invalid', problems: problemsFromIssues(parsed.error.issues, at), declaredSloName };
    const adjustment = budgetAdjustmentFromWire(parsed.data, source);
    const sloNamesAt = adjustment.slos.kind === 'names' ? adjustment.slos.names.map((_, i) => at.valueAt(['spec', 'slos', i])) : [];
    return { kind: 'adjustment', loaded: { adjustment, sloNamesAt, slosAt: at.valueAt(['spec', 'slos']) } };
  }
  const parsed = gatePolicyDocument.safeParse(js, { reportInput: true });
  if (!parsed.success) return { kind: 'invalid', problems: problemsFromIssues(parsed.error.issues, at), declaredSloName };
  const policy = gatePolicyFromWire(parsed.data, source);
  const sloNamesAt = policy.slos.kind === 'names' ? policy.slos.names.map((_, i) => at.valueAt(['spec', 'slos', i])) : [];
  return { kind: 'policy', loaded: { policy, sloNamesAt, slosAt: at.valueAt(['spec', 'slos']) } };
}

type HeaderCheck = { kind: 'ours'; docKind: (typeof KINDS)[number] } | { kind: 'done'; result: DocumentResult };

function checkHeader(js: Record<string, unknown>, at: YamlLocator): HeaderCheck {
  const done = (result: DocumentResult): HeaderCheck => ({ kind: 'done', result });
  const { apiVersion, kind } = js;
  if (apiVersion === undefined) return done(invalid(at, [], `missing required field "apiVersion" (or "version: ${SLOTH_FILE_VERSION}" for a Sloth file)`));
  if (typeof apiVersion !== 'string') {
    return done(invalid(at, ['apiVersion'], `apiVersion must be a string, got ${describeValue(apiVersion)}`));
  }
  if (apiVersion !== API_VERSION) {
    if (apiVersion.startsWith(API_GROUP_PREFIX)) {
      return done(invalid(at, ['apiVersion'], `unknown apiVersion "${apiVersion}", expected ${API_VERSION}`));
    }
    // Other tools' documents (Sloth's AlertWindows, OpenSLO v1alpha, Kubernetes objects): kept, not judged.
    const foreign: ForeignDocument = { apiVersion, kind: typeof kind === 'string' ? kind : null, document: js, source: at.valueAt([]) };
    return done({ kind: 'foreign', foreign });
  }
  if (kind === undefined) return done(invalid(at, [], 'missing required field "kind"'));
  const docKind = KINDS.find((k) => k === kind);
  if (docKind === undefined) {
    return done(invalid(at, ['kind'], `unknown kind ${describeValue(kind)}, expected ${KINDS.slice(0, -1).join(', ')} or ${KINDS.at(-1)}`));
  }
  return { kind: 'ours', docKind };
}

function invalid(at: YamlLocator, path: readonly PropertyKey[], message: string): DocumentResult {
  return { kind: 'invalid', problems: [{ ...at.valueAt(path), message }], declaredSloName: null };
}

/**
 * The parser's errors and the structure checks', first per line: one slip (a tab, a lost quote) often makes
 * the parser report follow-on errors further along the same line that go away with the first.
 */
function yamlProblems(doc: Document.Parsed, structure: readonly StructureProblem[], file: string, lineCounter: LineCounter): Problem[] {
  const found = [...doc.errors.map((e) => ({ offset: e.pos[0], message: `invalid YAML: ${e.message}` })), ...structure];
  const problems: Problem[] = [];
  const lines = new Set<number>();
  for (const { offset, message } of found.sort((a, b) => a.offset - b.offset)) {
    const { line, col } = lineCounter.linePos(offset);
    if (lines.has(line)) continue;
    lines.add(line);
    problems.push({ file, line, column: col, message });
  }
  return problems;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
