/**
 * @module slo/sli/timeslices
 * OpenSLO `Timeslices` budgeting: the period is cut into fixed slices (aligned to the epoch), a
 * slice is good when its good ratio reaches the target, and a slice without events counts as good.
 * A window's events are then its slices: total = slices starting inside it, bad = failing ones.
 * Span SLIs read per-minute rollup rows when the slice is whole minutes and the SLI fits the
 * rollup, raw spans otherwise; log SLIs read raw logs; PromQL SLIs are sliced by the engine
 * (engine/promql-sli.ts) and counted here. Metric SLIs cannot be sliced yet.
 */
import { timesliceCounts } from '../math/index.js';
import type { SloDefinition } from '../spec/index.js';
import { earliestStart, type EvaluationWindow, type SliCounts, type SliQuery, type SliQueryInput, type WindowCounts } from './query.js';
import { logFilters } from './log-sli.js';
import { badCondition, matchFilters } from './span-conditions.js';
import { fitsSpanRollup } from './span-rollup.js';

export class UnsupportedTimeslicesError extends Error {
  override readonly name = 'UnsupportedTimeslicesError';
}

export function timesliceQuery(input: SliQueryInput): SliQuery {
  const { slo, windows, endMinuteSeconds } = input;
  if (slo.budgeting.kind !== 'timeslices') throw new Error(`timesliceQuery: SLO ${slo.name} budgets occurrences`);
  const { windowSeconds: sliceSeconds, targetFraction } = slo.budgeting;
  const params: Record<string, unknown> = { service: slo.service, from: earliestStart(windows), to: endMinuteSeconds, slice: sliceSeconds };
  const sql = sliceSql(slo, sliceSeconds, params);
  const windowKeys = windows.map((w) => w.key);
  return {
    sql,
    params,
    windowKeys,
    source: sql.includes('tollgate_span_rollup_1m') ? 'span-rollup' : slo.sli.kind === 'logs' ? 'raw-logs' : 'raw-spans',
    read(rows): SliCounts {
      const slices = rows.map((r) => ({
        release: String(r['config_hash'] ?? ''),
        start: Number(r['slice']),
        counts: { totalEvents: Number(r['total']), badEvents: Number(r['bad']) },
      }));
      return countSlices(slices, { windows, endMinuteSeconds, sliceSeconds, targetFraction });
    },
  };
}

/** One slice's events; `start` is unix seconds, a multiple of the slice length. */
export interface SliceCounts {
  release: string;
  start: number;
  counts: WindowCounts;
}

/** Slices to each window's counts: total = slice slots in the window, bad = slots that missed the target. */
export function countSlices(
  slices: readonly SliceCounts[],
  { windows, endMinuteSeconds, sliceSeconds, targetFraction }: {
    windows: readonly EvaluationWindow[];
    endMinuteSeconds: number;
    sliceSeconds: number;
    targetFraction: number;
  },
): SliCounts {
  const countWindow = (release: string | undefined, start: number): WindowCounts => {
    // Every slice slot that starts inside the window (which ends with the current minute)
    // counts, with or without events.
    const firstSlot = Math.ceil(start / sliceSeconds) * sliceSeconds;
    const lastSlot = Math.floor((endMinuteSeconds + 59) / sliceSeconds) * sliceSeconds;
    const slots = firstSlot > lastSlot ? 0 : (lastSlot - firstSlot) / sliceSeconds + 1;
    const byStart = new Map<number, WindowCounts>();
    for (const s of slices) {
      if (s.start < firstSlot || (release !== undefined && s.release !== release)) continue;
      const c = byStart.get(s.start) ?? { totalEvents: 0, badEvents: 0 };
      c.totalEvents += s.counts.totalEvents;
      c.badEvents += s.counts.badEvents;
      byStart.set(s.start, c);
    }
    return { totalEvents: slots, badEvents: timesliceCounts([...byStart.values()], targetFraction).badEvents };
  };
  const total = Object.fromEntries(windows.map((w) => [w.key, countWindow(undefined, w.startSeconds)]));
  const byRelease = new Map<string, Record<string, WindowCounts>>();
  for (const release of new Set(slices.map((s) => s.release))) {
    byRelease.set(release, Object.fromEntries(windows.map((w) => [w.key, countWindow(release, w.startSeconds)])));
  }
  return { total, byRelease };
}

function sliceSql(slo: SloDefinition, sliceSeconds: number, params: Record<string, unknown>): string {
  const sli = slo.sli;
  switch (sli.kind) {
    case 'spans': {
      if (fitsSpanRollup(slo) && sliceSeconds % 60 === 0) {
        return `SELECT ConfigHash AS config_hash, toUInt32(toStartOfInterval(Minute, toIntervalSecond({slice:UInt32}))) AS slice,
  sum(Count) AS total, sumIf(Count, ${badCondition(sli.bad, params, true)}) AS bad
FROM tollgate_span_rollup_1m
WHERE ServiceName = {service:String} AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})${matchFilters(sli.match, params, true)}
GROUP BY config_hash, slice`;
      }
      return `SELECT ConfigHash AS config_hash, toUInt32(toStartOfInterval(Timestamp, toIntervalSecond({slice:UInt32}))) AS slice,
  count() AS total, countIf(${badCondition(sli.bad, params, false)}) AS bad
FROM otel_traces
WHERE ServiceName = {service:String} AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32} + 60, 9)${matchFilters(sli.match, params, false)}
GROUP BY config_hash, slice`;
    }
    case 'logs': {
      params['badSeverity'] = sli.bad.severityNumberAtLeast;
      return `SELECT ConfigHash AS config_hash, toUInt32(toStartOfInterval(Timestamp, toIntervalSecond({slice:UInt32}))) AS slice,
  count() AS total, countIf(SeverityNumber >= {badSeverity:UInt8}) AS bad
FROM otel_logs
WHERE ServiceName = {service:String} AND TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32} + 60)${logFilters(sli.match, params)}
GROUP BY config_hash, slice`;
    }
    case 'promql':
      throw new Error(`sliceSql: SLO ${slo.name} has a PromQL SLI, which the engine slices itself`);
    case 'metric-ratio':
    case 'metric-histogram':
      throw new UnsupportedTimeslicesError(`SLO ${slo.name}: timeslices budgeting works with span and log SLIs; metric SLIs budget occurrences`);
  }
}
