/**
 * @module slo/sli/query
 * The contract every SLI source meets: an SLO and its windows become ONE parameterized query
 * (text + params, not run here) that scans the longest window once and returns, per config_hash,
 * `total_<i>` and `bad_<i>` for each window i. Pure.
 *
 * Windows are whole minutes, so the rollup (per-minute rows) and the raw tables give exactly the
 * same counts: an event belongs to a window when the minute of its timestamp lies in
 * [window start, end minute], the end minute being the minute of the evaluation instant (the
 * current, partial minute is included). A "5m" window is the current minute and the four before it.
 */
import type { SloDefinition } from '../spec/index.js';

export interface EvaluationWindow {
  /** How the window is named in answers: '5m', '1h', '30d', … */
  key: string;
  /** Unix seconds of the first minute in the window (a multiple of 60). */
  startSeconds: number;
}

export interface SliQueryInput {
  slo: SloDefinition;
  windows: readonly EvaluationWindow[];
  /** Unix seconds of the last minute in every window (a multiple of 60). */
  endMinuteSeconds: number;
  /**
   * 'auto' (default): pre-aggregated data where the SLI allows it. 'raw': scan the raw signal
   * tables, to check the rollups or to measure what they save (bench/slo).
   */
  scan?: 'auto' | 'raw';
}

export interface SliQuery {
  sql: string;
  params: Record<string, unknown>;
  /** windowKeys[i] names the window whose counts are in `total_<i>` and `bad_<i>`. */
  windowKeys: string[];
  /** Which data answers it, for explanations and the benchmark. */
  source: 'span-rollup' | 'raw-spans' | 'raw-logs' | 'metrics' | 'promql';
  /** The counts in the query's answer (each source knows the shape of its rows). */
  read(rows: readonly Record<string, unknown>[]): SliCounts;
}

/** A row of an SLI query's answer, as JSONEachRow gives it (64-bit counts as strings). */
export type SliRow = { config_hash: string } & Record<string, string>;

export interface WindowCounts {
  totalEvents: number;
  badEvents: number;
}

export interface SliCounts {
  /** All releases together, by window key. */
  total: Record<string, WindowCounts>;
  /** The same split by config_hash ('' for data without one). */
  byRelease: Map<string, Record<string, WindowCounts>>;
}

/** Reads the column-per-window shape (`total_<i>`, `bad_<i>` per config_hash). */
export function readSliRows(query: Pick<SliQuery, 'windowKeys'>, rows: readonly Record<string, unknown>[]): SliCounts {
  const empty = (): Record<string, WindowCounts> =>
    Object.fromEntries(query.windowKeys.map((k) => [k, { totalEvents: 0, badEvents: 0 }]));
  const total = empty();
  const byRelease = new Map<string, Record<string, WindowCounts>>();
  for (const row of rows) {
    const release = empty();
    query.windowKeys.forEach((key, i) => {
      const t = Number(row[`total_${i}`] ?? 0);
      const b = Number(row[`bad_${i}`] ?? 0);
      release[key] = { totalEvents: t, badEvents: b };
      const sum = total[key]!;
      sum.totalEvents += t;
      sum.badEvents += b;
    });
    byRelease.set(String(row['config_hash'] ?? ''), release);
  }
  return { total, byRelease };
}

/**
 * The one-scan select list: for each window i, `total_<i>` and `bad_<i>` built by the source's
 * aggregate functions from the condition "this row's minute is in window i". Window starts are
 * parameters; the column names are Tollgate's own.
 */
export function windowColumns(
  windows: readonly EvaluationWindow[],
  minuteExpression: string,
  aggregate: { total: (inWindow: string) => string; bad: (inWindow: string) => string },
): { select: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const select = windows
    .map((w, i) => {
      params[`w${i}`] = w.startSeconds;
      const inWindow = `${minuteExpression} >= toDateTime({w${i}:UInt32})`;
      return `${aggregate.total(inWindow)} AS total_${i}, ${aggregate.bad(inWindow)} AS bad_${i}`;
    })
    .join(',\n  ');
  return { select, params };
}

export function earliestStart(windows: readonly EvaluationWindow[]): number {
  return Math.min(...windows.map((w) => w.startSeconds));
}
