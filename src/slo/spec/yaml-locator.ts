/**
 * @module slo/spec/yaml-locator
 * Finds where a path such as ['spec', 'sli', 'spans'] is written in a parsed YAML document, so a problem found
 * on the document's plain-JS value can point at the line and column in the file.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { SourcePos } from './problem.js';

export type YamlPath = readonly PropertyKey[];

export interface YamlLocator {
  /** Whether the path is written in the file. */
  has(path: YamlPath): boolean;
  /** The value at the path; for a path not written, the nearest enclosing node that is (a missing key's map). */
  valueAt(path: YamlPath): SourcePos;
  /** The key of the last segment (for an unknown field, the field's name), else as `valueAt`. */
  keyAt(path: YamlPath): SourcePos;
}

interface Found {
  /** The deepest node on the path that exists. */
  node: unknown;
  /** The key node the last found segment was reached through, if it was a map key. */
  key: unknown;
  isComplete: boolean;
}

export function createYamlLocator(file: string, doc: Document.Parsed, lineCounter: LineCounter): YamlLocator {
  const posOf = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const startOf = (node: unknown): number | null => (isNode(node) && node.range ? node.range[0] : null);

  // Alias#resolve walks the whole document on each call; a document with many problems below one alias
  // would resolve it once per problem.
  const resolved = new Map<unknown, unknown>();
  const deref = (node: unknown): unknown => {
    if (!isAlias(node)) return node;
    if (!resolved.has(node)) resolved.set(node, node.resolve(doc));
    return resolved.get(node);
  };

  const walk = (path: YamlPath): Found => {
    let found: Found = { node: doc.contents, key: null, isComplete: true };
    for (const segment of path) {
      const next = child(deref(found.node), segment);
      if (next === null) return { ...found, isComplete: false };
      found = { node: next.value, key: next.key, isComplete: true };
    }
    return found;
  };

  const valueAt = (path: YamlPath): SourcePos => {
    const found = walk(path);
    // `key:` with nothing after it is an empty scalar positioned after the colon; the key is what the user sees.
    const isEmptyValue = found.node === null || (isScalar(found.node) && found.node.value === null && found.node.source === '');
    const offset = (isEmptyValue ? startOf(found.key) : null) ?? startOf(found.node) ?? startOf(doc.contents) ?? 0;
    return posOf(offset);
  };

  return {
    has: (path) => walk(path).isComplete,
    valueAt,
    keyAt: (path) => {
      const found = walk(path);
      const offset = found.isComplete ? startOf(found.key) : null;
      return offset === null ? valueAt(path) : posOf(offset);
    },
  };
}

function child(node: unknown, segment: PropertyKey): { key: unknown; value: unknown } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      // toJS() turns keys such as 500 or true into the object keys "500" and "true"; compare the same way.
      if (isScalar(pair.key) && String(pair.key.value) === String(segment)) return { key: pair.key, value: pair.value };
    }
    return null;
  }
  if (isSeq(node) && typeof segment === 'number') {
    return segment < node.items.length ? { key: null, value: node.items[segment] } : null;
  }
  return null;
}

/** A locator for the node at `prefix`: a document written as one item of a top-level list. */
export function locatorBelow(at: YamlLocator, prefix: YamlPath): YamlLocator {
  return {
    has: (path) => at.has([...prefix, ...path]),
    valueAt: (path) => at.valueAt([...prefix, ...path]),
    keyAt: (path) => at.keyAt([...prefix, ...path]),
  };
}
