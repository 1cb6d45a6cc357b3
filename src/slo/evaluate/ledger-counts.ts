/**
 * @module slo/evaluate/ledger-counts
 * An SLO's window counts from its ledger: arithmetic, no query. The SLO's environment (or the one a
 * gate asks about) selects series; the split by release sums each config_hash's series. Timeslices
 * are judged from the minutes of each slice (slices of whole minutes). Pure.
 */
import { countSlices, type EvaluationWindow, type SliCounts, type SliceCounts, type WindowCounts } from '../sli/index.js';
import type { Budgeting, SloDefinition } from '../spec/index.js';
import type { LedgerView, SeriesView } from './excluding-ledger.js';

/**
 * The environment an SLO's numbers are read in: the one asked (a gate's target, a release's), else
 * the SLO's own (a span SLI's `match.environment`), else null: every environment.
 */
export function sloEnvironment(slo: SloDefinition, asked: string | null = null): string | null {
  if (asked !== null) return asked;
  return slo.sli.kind === 'spans' ? slo.sli.match.environment : null;
}

/** Events of the windows ending with `endMinute`, in `environment` (null: every environment). */
export function ledgerCounts(
  ledger: LedgerView,
  windows: readonly EvaluationWindow[],
  endMinute: number,
  environment: string | null,
  budgeting: Budgeting,
): SliCounts {
  const series = [...ledger.series()].filter((s) => environment === null || s.environment === environment);
  if (budgeting.kind === 'timeslices') return sliceCountsOf(series, windows, endMinute, budgeting.windowSeconds, budgeting.targetFraction);
  const total: Record<string, WindowCounts> = {};
  const byRelease = new Map<string, Record<string, WindowCounts>>();
  for (const w of windows) total[w.key] = { totalEvents: 0, badEvents: 0 };
  for (const s of series) {
    let release = byRelease.get(s.configHash);
    if (release === undefined) {
      release = Object.fromEntries(windows.map((w) => [w.key, { totalEvents: 0, badEvents: 0 }]));
      byRelease.set(s.configHash, release);
    }
    for (const w of windows) {
      const c = s.sum(w.startSeconds, endMinute);
      if (c.total === 0 && c.bad === 0) continue;
      const r = release[w.key]!;
      r.totalEvents += c.total;
      r.badEvents += c.bad;
      const t = total[w.key]!;
      t.totalEvents += c.total;
      t.badEvents += c.bad;
    }
  }
  for (const [hash, release] of byRelease) if (Object.values(release).every((c) => c.totalEvents === 0)) byRelease.delete(hash);
  return { total, byRelease };
}

/** Whole-minute slices: each slice's counts from its minutes, judged against the target by countSlices. */
function sliceCountsOf(
  series: readonly SeriesView[],
  windows: readonly EvaluationWindow[],
  endMinute: number,
  sliceSeconds: number,
  targetFraction: number,
): SliCounts {
  if (sliceSeconds % 60 !== 0) throw new RangeError(`slices of ${sliceSeconds} s are not whole minutes`);
  const first = Math.ceil(Math.min(...windows.map((w) => w.startSeconds)) / sliceSeconds) * sliceSeconds;
  const slices: SliceCounts[] = [];
  for (const s of series) {
    if (s.isEmpty()) continue;
    const from = Math.max(first, Math.floor(s.firstMinute / sliceSeconds) * sliceSeconds);
    for (let start = from; start <= Math.min(endMinute, s.lastMinute); start += sliceSeconds) {
      const c = s.sum(start, Math.min(start + sliceSeconds - 60, endMinute));
      if (c.total > 0) slices.push({ release: s.configHash, start, counts: { totalEvents: c.total, badEvents: c.bad } });
    }
  }
  return countSlices(slices, { windows, endMinuteSeconds: endMinute, sliceSeconds, targetFraction });
}
