/**
 * @module slo/spec/limits
 * How much SLO YAML Tollgate reads and parses, so that no file in the SLO directory can stall or crash
 * the server (issue 16). Each limit is far above what SLO files need and below what hurts.
 *
 * Measured with yaml 2.9.1 on Node 20 (one core of the CI machine): yaml parses 1 MiB in 0.5–2.3 s
 * whatever its shape (keys, documents, nesting, syntax errors, dense lists), and composing the documents
 * adds a third. Everything after that (checks, toJS, validation) is linear and smaller.
 */
export interface SloLimits {
  /** Bytes in one file; a larger file is reported at `file:1:1` and not read. */
  maxFileBytes: number;
  /** Bytes of all YAML files together, counted in path order; files past it are reported and not read. */
  maxDirectoryBytes: number;
  /** YAML files in the directory and its subdirectories, counted in path order. */
  maxDirectoryFiles: number;
  /** YAML documents (`---`) in one file. */
  maxDocumentsPerFile: number;
  /** Collections inside collections, the document's own top level counting as 1. */
  maxNestingDepth: number;
  /** Keys in one mapping. */
  maxKeysPerMap: number;
  /** Alias nodes (`*name`) in one document; also yaml's `maxAliasCount` when making plain values. */
  maxAliasesPerDocument: number;
  /** Nodes that aliases repeat in one document (an alias to a mapping of 3 pairs repeats 7). */
  maxAliasedNodesPerDocument: number;
  /** Problems shown per file; the rest are counted in one last problem. */
  maxProblemsPerFile: number;
  /** Time the parse of the changed directory may take off the main thread before it is stopped. */
  parseTimeoutMs: number;
  /** Heap of the parsing worker; past it the worker is stopped, not the server. */
  parseHeapMb: number;
}

const MiB = 1024 * 1024;

export const SLO_LIMITS: Readonly<SloLimits> = {
  // The largest real SLO file we know (Sloth's kubernetes-apiserver example) is 3 KiB. 1 MiB is ~300 times
  // that and about a second of parsing.
  maxFileBytes: 1 * MiB,
  // 16 files at the file limit. 15 MiB of realistic SLO documents (31,000 SLOs) parse in 10 s; the slowest
  // shape found, 16 MiB of dense lists of numbers, in 25–50 s. The definitions are then copied to the main
  // thread: 0.4 s for those 31,000 SLOs, 2.3 s for 16 SLOs holding 4 million status codes.
  maxDirectoryBytes: 16 * MiB,
  // A directory per team and a file per service stays far below this; the walk stats every file on each check.
  maxDirectoryFiles: 2_000,
  // Sloth and OpenSLO multi-document files hold a handful; 1,000 minimal SLO documents fill ~200 KiB.
  maxDocumentsPerFile: 1_000,
  // yaml composes collections recursively and overflows the stack at ~800 levels; after such an overflow
  // V8 has been seen to abort the process on the next parse ("RegExpCompiler Allocation failed"), so the
  // depth is checked before composing. Our documents nest 6 deep, Kubernetes objects about 10.
  maxNestingDepth: 64,
  // Unknown keys are reported one by one and each is found in its map by a scan: keys × keys work.
  maxKeysPerMap: 1_000,
  // yaml's own default for maxAliasCount. Anchors in SLO files share a labels or alerting block.
  maxAliasesPerDocument: 100,
  // Aliases nested in anchors repeat exponentially ("billion laughs"): 9 levels of 10 aliases make 10^9
  // nodes from 90 aliases. The plain value shares them, but validation walks every repeat.
  maxAliasedNodesPerDocument: 10_000,
  // A file of 1 MiB can hold 200,000 syntax errors; nobody reads past the first screen.
  maxProblemsPerFile: 100,
  // Above the slowest full directory measured (50 s), so a parse within the limits above is not cut off on
  // this kind of machine; it stops a parse that something not foreseen here has made slow.
  parseTimeoutMs: 60_000,
  // The dense 16 MiB directories ran out of memory at 384 MB and parsed at 512 MB; realistic ones at 320 MB.
  parseHeapMb: 1_024,
};

/** `1.5 MiB`, `16 MiB`, `812 bytes`: sizes as a user compares them with `ls -lh`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] = bytes < MiB ? [bytes / 1024, 'KiB'] : [bytes / MiB, 'MiB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}
