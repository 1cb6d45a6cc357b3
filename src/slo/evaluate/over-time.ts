/**
 * @module slo/evaluate/over-time
 * An SLO over time, the one path both the Sloth-named series (series/slo-series.ts) and the SLO
 * page's charts (ui/slo-series.ts) use: the counts of a window ending with each sample minute, from
 * a ledger, for all releases together and per config_hash. Pure.
 */
import type { LedgerView } from './excluding-ledger.js';
import type { Counts } from './ledger.js';

export interface WindowSeries {
  /** Indexed like the sample minutes. */
  total: Counts[];
  /** The same per config_hash (only when asked), for releases with events in some sample's window. */
  byRelease: Map<string, Counts[]>;
}

/**
 * Counts of [startOf(M), M] for every sample minute M, in `environment` (null: all).
 * @throws MissingMinutesError when a sample's window needs minutes of an hour the ledger holds only as a total.
 */
export function windowSeries(
  ledger: LedgerView,
  environment: string | null,
  samples: readonly number[],
  startOf: (endMinute: number) => number,
  splitByRelease: boolean,
): WindowSeries {
  const total: Counts[] = samples.map(() => ({ total: 0, bad: 0 }));
  const byRelease = new Map<string, Counts[]>();
  for (const s of ledger.series()) {
    if (environment !== null && s.environment !== environment) continue;
    let release: Counts[] | undefined;
    if (splitByRelease) {
      release = byRelease.get(s.configHash);
      if (release === undefined) byRelease.set(s.configHash, (release = samples.map(() => ({ total: 0, bad: 0 }))));
    }
    samples.forEach((m, i) => {
      const start = startOf(m);
      // A series outside the window adds nothing: skip the arithmetic.
      if (s.isEmpty() || s.lastMinute < start || s.firstMinute > m) return;
      const c = s.sum(start, m);
      const t = total[i]!;
      t.total += c.total;
      t.bad += c.bad;
      if (release !== undefined) {
        const r = release[i]!;
        r.total += c.total;
        r.bad += c.bad;
      }
    });
  }
  for (const [hash, counts] of byRelease) if (counts.every((c) => c.total === 0)) byRelease.delete(hash);
  return { total, byRelease };
}
