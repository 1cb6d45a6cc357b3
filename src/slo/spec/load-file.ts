/**
 * @module slo/spec/load-file
 * One file's text to the results of each of its YAML documents.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { loadDocument, type DocumentResult } from './load-document.js';

/** A file's path as it should appear in problems, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

export function loadFile(file: SourceFile): DocumentResult[] {
  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key would otherwise silently win over the first; prettyErrors off: we place errors ourselves.
  const docs = parseAllDocuments(file.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  return docs.flatMap((doc) => loadDocument(doc, file.path, lineCounter));
}
