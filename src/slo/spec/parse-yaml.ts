/**
 * @module slo/spec/parse-yaml
 * A file's text to composed YAML documents, checking what would make composing them costly first:
 * the number of documents and how deep collections nest. Pure.
 *
 * yaml's `parseAllDocuments` is Parser (text to a syntax tree, iterative) then Composer (tree to
 * documents, recursive per collection). Running the two here lets the tree be checked in between.
 */
import { Composer, LineCounter, Parser, type CST, type Document } from 'yaml';
import type { SloLimits } from './limits.js';
import type { Problem } from './problem.js';

export type ParsedYaml =
  | { ok: true; docs: Document.Parsed[]; lineCounter: LineCounter }
  /** Over a limit: the file is not composed at all. */
  | { ok: false; problem: Problem };

type YamlLimits = Pick<SloLimits, 'maxDocumentsPerFile' | 'maxNestingDepth'>;

export function parseYaml(text: string, file: string, limits: YamlLimits): ParsedYaml {
  const lineCounter = new LineCounter();
  const over = (offset: number, message: string): ParsedYaml => {
    const { line, col } = lineCounter.linePos(offset);
    return { ok: false, problem: { file, line, column: col, message } };
  };
  const tokens: CST.Token[] = [];
  let documents = 0;
  // Stops at the first document over a limit: the rest of the text is not even parsed.
  for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
    if (token.type === 'document') {
      documents++;
      if (documents > limits.maxDocumentsPerFile) {
        return over(token.offset, `more than ${limits.maxDocumentsPerFile} YAML documents in one file`);
      }
      const tooDeep = firstCollectionDeeperThan(token, limits.maxNestingDepth);
      if (tooDeep !== null) return over(tooDeep, `collections nested more than ${limits.maxNestingDepth} deep`);
    }
    tokens.push(token);
  }
  // uniqueKeys off: yaml compares each key with every earlier one (80,000 keys took 129 s);
  // yaml-structure.ts finds duplicates with a Set instead.
  const docs = Array.from(new Composer({ uniqueKeys: false }).compose(tokens));
  return { ok: true, docs, lineCounter };
}

/** The offset of the first collection, in document order, at depth `maxDepth + 1`; walked with a stack, not recursion. */
function firstCollectionDeeperThan(doc: CST.Document, maxDepth: number): number | null {
  const stack: Array<{ token: CST.Token; depth: number }> = [];
  if (doc.value !== undefined) stack.push({ token: doc.value, depth: 0 });
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { token, depth } = next;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > maxDepth) return token.offset;
    const children: CST.Token[] = [];
    for (const item of token.items) {
      if (item.key !== undefined && item.key !== null) children.push(item.key);
      if (item.value !== undefined) children.push(item.value);
    }
    // Reversed onto the stack, so the first child is popped first.
    for (const child of children.reverse()) stack.push({ token: child, depth: depth + 1 });
  }
  return null;
}
