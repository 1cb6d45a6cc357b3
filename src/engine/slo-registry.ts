/**
 * @module engine/slo-registry
 * The SLO directory as Tollgate runs it: loaded at start, reloaded when a file changes (watched,
 * plus a periodic check for volumes where watching misses swaps, such as Kubernetes ConfigMaps).
 * A file that stops validating is reported, and its last good version stays loaded with
 * everything else: a typo pushed to git must not silently drop an SLO or a gate policy.
 *
 * A check lists the files with their sizes and times (cheap); only when that listing changed are the
 * files read and parsed, on a worker thread within `SloLimits` (slo/spec), so the server keeps answering.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import {
  formatProblem,
  loadScannedDirectory,
  scanSloDirectory,
  SLO_LIMITS,
  type BudgetAdjustment,
  type GatePolicy,
  type Problem,
  type SloDefinition,
  type SloDirectoryScan,
  type SloLimits,
  type SloLoadResult,
} from '../slo/spec/index.js';

export interface LoadedSlos {
  slos: SloDefinition[];
  policies: GatePolicy[];
  adjustments: BudgetAdjustment[];
  problems: Problem[];
  /** Files whose problems kept an older version of their definitions loaded. */
  staleFiles: string[];
  revision: string;
  loadedAtMs: number;
}

export interface SloRegistry {
  current(): LoadedSlos;
  reload(): Promise<LoadedSlos>;
  close(): void;
}

/** How the registry reads the directory: listing it, then loading a listing that changed. */
export interface SloDirectoryLoader {
  scan(dir: string): Promise<SloDirectoryScan>;
  load(scan: SloDirectoryScan): Promise<SloLoadResult>;
}

export const createSloDirectoryLoader = ({ limits = SLO_LIMITS }: { limits?: SloLimits } = {}): SloDirectoryLoader => ({
  scan: (dir) => scanSloDirectory(dir, limits),
  load: (scan) => loadScannedDirectory(scan, { limits }),
});

interface FileDefinitions {
  slos: SloDefinition[];
  policies: GatePolicy[];
  adjustments: BudgetAdjustment[];
}

export async function openSloRegistry({ dir, log, pollIntervalMs = 10_000, debounceMs = 250, loader = createSloDirectoryLoader() }: {
  dir: string;
  log: Logger;
  pollIntervalMs?: number;
  debounceMs?: number;
  loader?: SloDirectoryLoader;
}): Promise<SloRegistry> {
  const lastGood = new Map<string, FileDefinitions>();
  const firstScan = await loader.scan(dir);
  let loaded = merge(await loader.load(firstScan), lastGood);
  let loadedFingerprint = firstScan.fingerprint;
  report(loaded, log);

  const loadIfChanged = async (): Promise<void> => {
    const scan = await loader.scan(dir);
    // Nothing added, removed or written since the last parse: parsing again would give the same result.
    if (scan.fingerprint === loadedFingerprint) return;
    const next = merge(await loader.load(scan), lastGood);
    loadedFingerprint = scan.fingerprint;
    // Same revision, other problems: a parse that had timed out went through this time.
    if (next.revision !== loaded.revision || !haveSameProblems(next, loaded)) {
      loaded = next;
      report(loaded, log);
    }
  };

  let reloading: Promise<LoadedSlos> | undefined;
  let isRequestedAgain = false;
  const reload = (): Promise<LoadedSlos> => {
    if (reloading !== undefined) {
      // A change seen while a parse runs may have come after its scan: check once more when it ends.
      isRequestedAgain = true;
      return reloading;
    }
    reloading = (async () => {
      try {
        do {
          isRequestedAgain = false;
          await loadIfChanged();
        } while (isRequestedAgain);
        return loaded;
      } catch (err) {
        log.error({ dir, err }, 'cannot read the SLO directory; keeping what was loaded');
        return loaded;
      } finally {
        reloading = undefined;
      }
    })();
    return reloading;
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true }, schedule);
    watcher.on('error', (err) => log.warn({ dir, err }, 'watching the SLO directory failed; polling only'));
  } catch (err) {
    log.warn({ dir, err }, 'cannot watch the SLO directory; polling only');
  }
  const poll = setInterval(() => void reload(), pollIntervalMs);
  poll.unref();

  return {
    current: () => loaded,
    reload,
    close() {
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}

/** The new load, except that files with problems keep their last good definitions. */
function merge(result: SloLoadResult, lastGood: Map<string, FileDefinitions>): LoadedSlos {
  const byFile = new Map<string, FileDefinitions>();
  const entry = (file: string): FileDefinitions => {
    let e = byFile.get(file);
    if (e === undefined) byFile.set(file, (e = { slos: [], policies: [], adjustments: [] }));
    return e;
  };
  for (const s of result.slos) entry(s.source.file).slos.push(s);
  for (const p of result.policies) entry(p.source.file).policies.push(p);
  for (const a of result.adjustments) entry(a.source.file).adjustments.push(a);

  const badFiles = new Set(result.problems.map((p) => p.file));
  const staleFiles: string[] = [];
  const valid: FileDefinitions[] = [];
  const stale: FileDefinitions[] = [];
  for (const file of new Set([...byFile.keys(), ...badFiles])) {
    const fresh = byFile.get(file) ?? { slos: [], policies: [], adjustments: [] };
    const previous = lastGood.get(file);
    if (!badFiles.has(file)) {
      lastGood.set(file, fresh);
      valid.push(fresh);
    } else if (previous !== undefined) {
      stale.push(previous);
      staleFiles.push(file);
    } else {
      valid.push(fresh); // never loaded cleanly: what did validate in it is all there is
    }
  }
  // Valid files first, so a stale file's old definitions never shadow a name a valid file defines.
  const slos = [...valid, ...stale].flatMap((f) => f.slos);
  const policies = [...valid, ...stale].flatMap((f) => f.policies);
  const adjustmentNames = new Set<string>();
  const adjustments = [...valid, ...stale].flatMap((f) => f.adjustments)
    .filter((a) => (adjustmentNames.has(a.name) ? false : (adjustmentNames.add(a.name), true)));
  // A file that disappeared takes its definitions with it.
  for (const file of lastGood.keys()) if (!byFile.has(file) && !badFiles.has(file)) lastGood.delete(file);
  const names = new Set<string>();
  return {
    slos: slos.filter((s) => (names.has(s.name) ? false : (names.add(s.name), true))),
    policies,
    adjustments,
    problems: result.problems,
    staleFiles,
    revision: result.revision,
    loadedAtMs: Date.now(),
  };
}

function haveSameProblems(a: LoadedSlos, b: LoadedSlos): boolean {
  return a.problems.length === b.problems.length && a.problems.every((p, i) => formatProblem(p) === formatProblem(b.problems[i]!));
}

function report(loaded: LoadedSlos, log: Logger): void {
  log.info({ slos: loaded.slos.length, policies: loaded.policies.length, adjustments: loaded.adjustments.length, revision: loaded.revision }, 'SLO directory loaded');
  for (const p of loaded.problems) log.warn({ problem: formatProblem(p) }, 'SLO file problem; its last good version stays loaded');
}
