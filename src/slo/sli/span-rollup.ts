/**
 * @module slo/sli/span-rollup
 * Span SLIs from the rollups, several SLOs of one service per statement. The query returns, per
 * release and per time bucket (whole hours from the hourly rollup, the partial hours at the
 * windows' edges from the minute rollup), each SLO's total and bad counts; the windows are summed
 * here. Measured on chDB: planning a statement costs ~10 ms, so one per service instead of one per
 * SLO and window is what keeps 100 SLOs under a second, and the sums stay exact integers.
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

/** `members` must all be span SLOs of one service that fit the rollup, evaluated at one end minute. */
export function spanRollupQuery(members: readonly RollupSlo[], endMinuteSeconds: number): SpanRollupQuery {
  const service = members[0]?.slo.service;
  if (service === undefined || members.some((m) => m.slo.service !== service || !fitsSpanRollup(m.slo))) {
    throw new Error('spanRollupQuery: every SLO must be a rollup-able span SLO of the same service');
  }
  const hourEnd = Math.floor((endMinuteSeconds + 60) / HOUR) * HOUR; // the hour still in progress starts here
  const params: Record<string, unknown> = { service, to: endMinuteSeconds, hourEnd };
  const columns: string[] = [];
  const anyMatch: string[] = [];
  members.forEach((m, k) => {
    if (m.slo.sli.kind !== 'spans') return;
    const match = `(1${matchFilters(m.slo.sli.match, params, true, `s${k}_`).replaceAll('\n ', '')})`;
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
  const select = columns.join(',\n    ');
  const matchAny = anyMatch.join(' OR ');
  const sql = `SELECT ConfigHash AS config_hash, toUInt32(Hour) AS t, 1 AS hourly,
    ${select}
  FROM tollgate_span_rollup_1h
  WHERE ServiceName = {service:String} AND Hour >= toDateTime({hourFrom:UInt32}) AND Hour < toDateTime({hourEnd:UInt32})
    AND (${matchAny})
  GROUP BY config_hash, t
UNION ALL
SELECT ConfigHash AS config_hash, toUInt32(Minute) AS t, 0 AS hourly,
    ${select}
  FROM tollgate_span_rollup_1m
  WHERE ServiceName = {service:String} AND Minute <= toDateTime({to:UInt32})
    AND (${[...minuteRanges].join(' OR ')})
    AND (${matchAny})
  GROUP BY config_hash, t`;

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
