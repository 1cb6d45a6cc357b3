/**
 * @module slo/spec/load-file
 * One file's text to the results of each of its YAML documents.
 */
import { loadDocument, type DocumentResult } from './load-document.js';
import type { SloLimits } from './limits.js';
import { parseYaml } from './parse-yaml.js';

/** A file's path as it should appear in problems, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

export function loadFile(file: SourceFile, limits: SloLimits): DocumentResult[] {
  const parsed = parseYaml(file.text, file.path, limits);
  if (!parsed.ok) return [{ kind: 'invalid', problems: [parsed.problem], declaredSloName: null }];
  return parsed.docs.flatMap((doc) => loadDocument(doc, file.path, parsed.lineCounter, limits));
}
