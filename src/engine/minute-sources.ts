/**
 * @module engine/minute-sources
 * Counts recorded SLOs' events per minute (or hour), environment and config_hash from the stored
 * data. Span SLIs the rollup answers: one statement reads the rollup rows of every such SLO's
 * service over the range and each SLO judges the rows here (facts-match.ts), so a tick costs one
 * statement however many SLOs there are (on chDB a statement costs ~20 ms to plan plus ~3 ms per
 * SLO batched into it, which made 1,000 SLOs a tick of seconds). Other SLIs: one statement each
 * (slo/sli/minutes.ts).
 */
import type { Granularity, MinuteRow, SpanFacts } from '../slo/sli/index.js';
import { sliMinutesQuery } from '../slo/sli/index.js';
import type { MinuteRecord } from '../slo/evaluate/index.js';
import type { QueryParams } from '../store/index.js';
import type { RecordedSlo } from './recorded.js';

/** What the sources need from the store: reads. */
export interface StoreReader {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
}

interface RollupRow {
  m: number | string;
  ServiceName: string;
  Environment: string;
  SpanKind: string;
  SpanName: string;
  StatusCode: string;
  HttpStatusClass: string;
  ConfigHash: string;
  DurationBucketNs: string | number;
  n: string | number;
}

/** Each SLO's records for [fromMinute, toMinute] (both included; whole hours for 'hour'). */
export async function countMinutes(
  store: StoreReader,
  slos: readonly RecordedSlo[],
  fromMinute: number,
  toMinute: number,
  granularity: Granularity,
): Promise<Map<RecordedSlo, MinuteRecord[]>> {
  const out = new Map<RecordedSlo, MinuteRecord[]>();
  const rollup = slos.filter((r) => r.source === 'rollup');
  if (rollup.length > 0) for (const [r, records] of await fromRollup(store, rollup, fromMinute, toMinute, granularity)) out.set(r, records);
  for (const r of slos.filter((x) => x.source === 'sql')) {
    const q = sliMinutesQuery(r.slo, fromMinute, toMinute, granularity);
    const rows = await store.query<MinuteRow>(q.sql, q.params);
    out.set(r, rows.map((row) => ({
      minute: Number(row.m), environment: row.environment, configHash: row.config_hash, total: Number(row.total), bad: Number(row.bad),
    })));
  }
  return out;
}

async function fromRollup(
  store: StoreReader,
  slos: readonly RecordedSlo[],
  fromMinute: number,
  toMinute: number,
  granularity: Granularity,
): Promise<Map<RecordedSlo, MinuteRecord[]>> {
  const table = granularity === 'minute' ? 'tollgate_span_rollup_1m' : 'tollgate_span_rollup_1h';
  const time = granularity === 'minute' ? 'Minute' : 'Hour';
  const services = [...new Set(slos.map((r) => r.slo.service))];
  // The sum folds rows a SummingMergeTree has not merged yet; table and column names are Tollgate's own.
  const rows = await store.query<RollupRow>(
    `SELECT toUInt32(${time}) AS m, ServiceName, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs, sum(Count) AS n
     FROM ${table}
     WHERE ServiceName IN {services:Array(String)} AND ${time} >= toDateTime({from:UInt32}) AND ${time} <= toDateTime({to:UInt32})
     GROUP BY m, ServiceName, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs`,
    { services, from: fromMinute, to: toMinute },
  );
  const byService = new Map<string, RecordedSlo[]>();
  for (const r of slos) byService.set(r.slo.service, [...(byService.get(r.slo.service) ?? []), r]);
  // Per SLO: (minute, environment, hash) → counts, summed over the rows that map there.
  const sums = new Map<RecordedSlo, Map<string, MinuteRecord>>(slos.map((r) => [r, new Map()]));
  for (const row of rows) {
    const facts: SpanFacts = {
      service: row.ServiceName,
      environment: row.Environment,
      configHash: row.ConfigHash,
      kind: row.SpanKind,
      name: row.SpanName,
      statusCode: row.StatusCode,
      httpStatusClass: row.HttpStatusClass,
      durationBucketNs: Number(row.DurationBucketNs),
    };
    const n = Number(row.n);
    const minute = Number(row.m);
    for (const r of byService.get(row.ServiceName) ?? []) {
      if (r.predicate?.kind !== 'spans') continue;
      const verdict = r.predicate.judgeRollup(facts);
      if (verdict === 0) continue;
      const key = `${minute}\u0000${facts.environment}\u0000${facts.configHash}`;
      const acc = sums.get(r)!;
      let rec = acc.get(key);
      if (rec === undefined) acc.set(key, (rec = { minute, environment: facts.environment, configHash: facts.configHash, total: 0, bad: 0 }));
      rec.total += n;
      if (verdict === 2) rec.bad += n;
    }
  }
  return new Map([...sums].map(([r, m]) => [r, [...m.values()]]));
}
