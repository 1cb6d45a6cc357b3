/**
 * @module slo/spec/yaml-structure
 * Checks on a composed YAML document before it becomes a plain value: duplicate keys, keys per mapping,
 * and aliases (how many, what they repeat, and none inside its own anchor). One pass, linear in the
 * document's nodes. Pure.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, type Document } from 'yaml';
import type { SloLimits } from './limits.js';

/** `offset` into the file's text: the key or alias at fault. */
export interface StructureProblem {
  offset: number;
  message: string;
}

type StructureLimits = Pick<SloLimits, 'maxKeysPerMap' | 'maxAliasesPerDocument' | 'maxAliasedNodesPerDocument'>;

/** Thrown inside the walk when a limit is passed: nothing after it is worth checking. */
class OverLimit {
  constructor(readonly problem: StructureProblem) {}
}

/**
 * Duplicate keys are all reported, at the second occurrence; a limit stops the walk at the first node past it.
 * Recursive: parse-yaml.ts has already bounded the depth.
 */
export function checkYamlStructure(doc: Document.Parsed, limits: StructureLimits): StructureProblem[] {
  const problems: StructureProblem[] = [];
  // yaml resolves an alias to the last node before it, in document order, that has its anchor.
  const anchored = new Map<string, unknown>();
  /** Nodes each finished anchored node stands for, its aliases expanded. */
  const sizeOf = new Map<unknown, number>();
  const ancestors = new Set<unknown>();
  let aliases = 0;
  let aliasedNodes = 0;

  const walk = (node: unknown): number => {
    if (isAlias(node)) {
      const offset = offsetOf(node);
      if (++aliases > limits.maxAliasesPerDocument) {
        throw new OverLimit({ offset, message: `more than ${limits.maxAliasesPerDocument} aliases in one document` });
      }
      const target = anchored.get(node.source);
      if (target === undefined) return 1; // an alias without its anchor: toJS reports it
      if (ancestors.has(target)) {
        // The plain value would contain itself, which validation and JSON cannot handle.
        throw new OverLimit({ offset, message: `alias *${node.source} is inside the node &${node.source} it repeats` });
      }
      const size = sizeOf.get(target) ?? 1;
      aliasedNodes += size;
      if (aliasedNodes > limits.maxAliasedNodesPerDocument) {
        throw new OverLimit({ offset, message: `aliases repeat more than ${limits.maxAliasedNodesPerDocument} nodes in one document` });
      }
      return size;
    }
    if (!isNode(node)) return 0; // `key:` with nothing after it
    if (node.anchor !== undefined) anchored.set(node.anchor, node);
    let size = 1;
    if (isMap(node)) {
      const extra = node.items[limits.maxKeysPerMap];
      if (extra !== undefined) {
        throw new OverLimit({ offset: offsetOf(isNode(extra.key) ? extra.key : node), message: `more than ${limits.maxKeysPerMap} keys in one mapping` });
      }
      const seen = new Set<string>();
      ancestors.add(node);
      for (const pair of node.items) {
        const key = jsKeyOf(pair.key);
        if (key !== null) {
          if (seen.has(key.js)) problems.push({ offset: offsetOf(pair.key), message: `duplicate key "${key.shown}"` });
          seen.add(key.js);
        }
        size += walk(pair.key) + walk(pair.value);
      }
      ancestors.delete(node);
    } else if (isSeq(node)) {
      ancestors.add(node);
      for (const item of node.items) size += walk(item);
      ancestors.delete(node);
    }
    if (node.anchor !== undefined) sizeOf.set(node, size);
    return size;
  };

  try {
    walk(doc.contents);
  } catch (e) {
    if (!(e instanceof OverLimit)) throw e;
    problems.push(e.problem);
  }
  return problems;
}

/**
 * The property name toJS() gives a scalar key (`1`, `"1"` and `1.0` are all "1"), so that keys which would
 * overwrite each other in the plain value count as duplicates. yaml's own check compared scalar values,
 * missing those. Keys that are collections are left alone: toJS() writes them out as YAML text.
 */
function jsKeyOf(key: unknown): { js: string; shown: string } | null {
  if (!isScalar(key)) return null;
  const { value } = key;
  if (typeof value === 'object' && value !== null) return null;
  return { js: value === null ? '' : String(value), shown: String(value) };
}

function offsetOf(node: unknown): number {
  return isNode(node) && node.range ? node.range[0] : 0;
}
