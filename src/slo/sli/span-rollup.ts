/**
 * @module slo/sli/span-rollup
 * Span SLIs from the rollups, several SLOs of one service per statement. The query returns, per
 * release and per time bucket (whole hours from the hourly rollup, the partial hours at the
 * windows' edges from the minute rollup), each SLO's total and bad counts; the windows are summed
 * here. Measured on chDB (scratch runs while writing this): a statement costs ~20 ms to plan plus
 * ~3 ms per SLO in it, more than reading pre-aggregated rows, so SLOs are evaluated in batches
 * (the engine's ROLLUP_BATCH_SLOS) rather than one statement per SLO and window; the sums stay
 * exact integers.
 */
import type { SloDefinition } from '../spec/index.js';
import type { EvaluationWindow, SliCounts, WindowCounts } from './query.js';
import { badCondition, badFitsRollup, matchFilters } from './span-conditions.js';

const HOUR = 3_600;

export interface RollupSlo {
  slo: SloDefinition;
  windows: readonly EvaluationWindow[];
}

export interface SpanRollupQuery {
  sql: string;
  params: Record<string, unknown>;
  read(rows: readonly RollupRow[]): Map<string, SliCounts>;
}

/** A row of the answer: one time bucket of one release, `total_<k>`/`bad_<k>` per SLO k. */
export type RollupRow = { config_hash: string; t: string | number; hourly: string | number } & Record<string, string | number>;

/** Whether the rollups can answer this SLO exactly (no attribute matchers, a bad condition on a rollup column). */
export function fitsSpanRollup(slo: SloDefinition): boolean {
  return slo.sli.kind === 'spans' && Object.keys(slo.sli.match.attributes).length === 0 && badFitsRollup(slo.sli.bad);
}

/** `members` must all be span SLOs that fit the rollup, evaluated at one end minute (any services). */
export function spanRollupQuery(members: readonly RollupSlo[], endMinuteSeconds: number): SpanRollupQuery {
  if (members.length === 0 || members.some((m) => !fitsSpanRollup(m.slo))) {
    throw new Error('spanRollupQuery: every SLO must be a span SLO the rollups can answer');
  }
  const hourEnd = Math.floor((endMinuteSeconds + 60) / HOUR) * HOUR; // the hour still in progress starts here
  const params: Record<string, unknown> = { services: [...new Set(members.map((m) => m.slo.service))], to: endMinuteSeconds, hourEnd };
  const columns: string[] = [];
  const anyMatch: string[] = [];
  members.forEach((m, k) => {
    if (m.slo.sli.kind !== 'spans') return;
    params[`s${k}_service`] = m.slo.service;
    const match = `(ServiceName = {s${k}_service:String}${matchFilters(m.slo.sli.match, params, true, `s${k}_`).replaceAll('\n ', '')})`;
    const bad = badCondition(m.slo.sli.bad, params, true, `s${k}_`);
    columns.push(`sumIf(Count, ${match}) AS total_${k}, sumIf(Count, ${match} AND ${bad}) AS bad_${k}`);
    anyMatch.push(match);
  });

  // Minutes needed: each window's partial first hour, and the hour in progress.
  const minuteRanges = new Set<string>(['Minute >= toDateTime({hourEnd:UInt32})']);
  let hourFrom = hourEnd;
  for (const m of members) {
    for (const w of m.windows) {
      const firstWholeHour = Math.ceil(w.startSeconds / HOUR) * HOUR;
      const edgeEnd = Math.min(firstWholeHour, hourEnd);
      if (w.startSeconds < edgeEnd) {
        const key = `e${w.startSeconds}`;
        params[`${key}_from`] = w.startSeconds;
        params[`${key}_to`] = edgeEnd;
        minuteRanges.add(`(Minute >= toDateTime({${key}_from:UInt32}) AND Minute < toDateTime({${key}_to:UInt32}))`);
      }
      if (firstWholeHour < hourEnd) hourFrom = Math.min(hourFrom, firstWholeHour);
    }
  }
  params['hourFrom'] = hourFrom;
  // The two tables' rows are unioned first and aggregated once, so each SLO's conditions appear
  // once in the statement: planning, not reading, is most of its cost on chDB.
  const dims = 'ConfigHash, SpanKind, Environment, SpanName, StatusCode, HttpStatusClass, DurationBucketNs, Count, ServiceName';
  const sql = `SELECT ConfigHash AS config_hash, t, hourly,
    ${columns.join(',\n    ')}
FROM (
  SELECT ${dims}, toUInt32(Hour) AS t, 1 AS hourly
  FROM tollgate_span_rollup_1h
  WHERE ServiceName IN {services:Array(String)} AND Hour >= toDateTime({hourFrom:UInt32}) AND Hour < toDateTime({hourEnd:UInt32})
  UNION ALL
  SELECT ${dims}, toUInt32(Minute) AS t, 0 AS hourly
  FROM tollgate_span_rollup_1m
  WHERE ServiceName IN {services:Array(String)} AND Minute <= toDateTime({to:UInt32})
    AND (${[...minuteRanges].join(' OR ')})
)
WHERE ${anyMatch.join(' OR ')}
GROUP BY config_hash, t, hourly`;

  return {
    sql,
    params,
    read(rows) {
      const result = new Map<string, SliCounts>();
      members.forEach((m, k) => {
        const byRelease = new Map<string, Record<string, WindowCounts>>();
        const total: Record<string, WindowCounts> = {};
        for (const w of m.windows) total[w.key] = { totalEvents: 0, badEvents: 0 };
        for (const row of rows) {
          const t = Number(row.t);
          const hourly = Number(row.hourly) === 1;
          const rowTotal = Number(row[`total_${k}`] ?? 0);
          if (rowTotal === 0) continue;
          const rowBad = Number(row[`bad_${k}`] ?? 0);
          let release = byRelease.get(row.config_hash);
          if (release === undefined) {
            release = Object.fromEntries(m.windows.map((w) => [w.key, { totalEvents: 0, badEvents: 0 }]));
            byRelease.set(row.config_hash, release);
          }
          for (const w of m.windows) {
            const firstWholeHour = Math.ceil(w.startSeconds / HOUR) * HOUR;
            const counted = hourly
              ? t >= firstWholeHour // hourly rows all lie before hourEnd
              : t >= w.startSeconds && (t < firstWholeHour || t >= hourEnd);
            if (!counted) continue;
            const r = release[w.key]!;
            r.totalEvents += rowTotal;
            r.badEvents += rowBad;
            const sum = total[w.key]!;
            sum.totalEvents += rowTotal;
            sum.badEvents += rowBad;
          }
        }
        result.set(m.slo.name, { total, byRelease });
      });
      return result;
    },
  };
}

