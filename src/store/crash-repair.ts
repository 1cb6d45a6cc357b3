/**
 * @module store/crash-repair
 * Keeps the span rollups and the trace-id table in step with `otel_traces` across a `kill -9` of
 * the embedded store (chDB runs inside Tollgate's process, so killing Tollgate kills the database
 * mid-statement).
 *
 * Why: an INSERT into `otel_traces` commits the table's part first and the materialized views'
 * parts after it (measured: 6 of 15 SIGKILLs during inserts left a batch of 10,000 spans in
 * `otel_traces` with none of its rollup or trace-id rows). The export was never acknowledged, so
 * no acknowledged data is lost and the exporter sends it again, but from then on raw counts and
 * rollup counts disagree for good. ClickHouse has no transaction across a table and its views
 * that chDB could use here, so the store repairs instead, at start:
 *
 * 1. While running, the store keeps a watermark in a file beside chDB's data: a time before which
 *    every insert into a view's source table had returned (the start of the oldest insert still
 *    running, or now). It is rewritten every WATERMARK_INTERVAL_MS and marked clean on close.
 * 2. At start after an unclean end, every part of the source table, the rollups and the trace-id
 *    table written since that watermark (by `modification_time`, which a merge only moves later)
 *    gives a time range its rows lie in; those ranges are where the views can disagree.
 * 3. In those ranges, minutes and hours whose rollup count or duration sum differs from the spans
 *    are rebuilt from the spans (their rollup rows deleted, then re-inserted with the views' own
 *    SELECT); traces whose spans lack a covering trace-id row get one; trace-id rows whose trace
 *    has no span are deleted.
 *
 * The watermark is rewritten only once the repair has finished, so a kill during the repair
 * repairs again at the next start. A missing watermark on a store that holds spans (one written
 * before this existed) checks everything once. A ClickHouse server (CLICKHOUSE_URL) is not
 * repaired: its inserts do not die with Tollgate, and other processes may be writing.
 *
 * `Timestamp` (DateTime64(9)) is compared with DateTime64 bounds only: chDB 26.7 drops rows when a
 * DateTime64 column is compared with a DateTime in WHERE near the rows' second (measured: spans at
 * :26.681 were neither `< toDateTime(:27)` nor `> toDateTime(:26)`, while the same comparison in
 * SELECT said they were).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { quoteIdentifier } from './ddl.js';
import { SPAN_ROLLUP, SPAN_ROLLUP_HOURLY, SPAN_ROLLUP_HOURLY_MV, SPAN_ROLLUP_MV, TRACE_ID_TS, TRACE_ID_TS_MV, TRACES, type MaterializedViewSpec } from './schema-tables.js';

/** The file, inside chDB's data directory (ClickHouse ignores files it does not know there). */
export const WATERMARK_FILE = 'tollgate-write-watermark.json';

/** How often the watermark is written while running. */
export const WATERMARK_INTERVAL_MS = 2_000;

/**
 * Seconds subtracted from the watermark before comparing it with `modification_time`: that column
 * has whole seconds, and a part's time is taken when it is written, a moment after its insert began.
 */
const WATERMARK_SLACK_SECONDS = 5;

/** Tables whose inserts feed materialized views: an insert into one of them is tracked. */
export const VIEW_SOURCE_TABLES: ReadonlySet<string> = new Set([TRACE_ID_TS_MV.from, SPAN_ROLLUP_MV.from, SPAN_ROLLUP_HOURLY_MV.from]);

export type WatermarkState =
  | { kind: 'missing' }
  | { kind: 'clean' }
  /** The process ended without closing the store; inserts begun after `consistentUntilMs` may be half-written. */
  | { kind: 'unclean'; consistentUntilMs: number };

interface WatermarkFile {
  version: 1;
  clean: boolean;
  consistentUntilMs: number;
}

/**
 * The watermark file's text as a state. Rules: no text is `missing`; text that is not a version-1
 * watermark is `missing` too (unreadable: check everything); `clean: true` is `clean`; otherwise
 * `unclean` from its time.
 */
export function parseWatermark(text: string | undefined): WatermarkState {
  if (text === undefined) return { kind: 'missing' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'missing' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { kind: 'missing' };
  const f = parsed as Partial<Record<keyof WatermarkFile, unknown>>;
  if (f.version !== 1 || typeof f.clean !== 'boolean' || typeof f.consistentUntilMs !== 'number' || !Number.isFinite(f.consistentUntilMs)) {
    return { kind: 'missing' };
  }
  return f.clean ? { kind: 'clean' } : { kind: 'unclean', consistentUntilMs: f.consistentUntilMs };
}

export function readWatermark(file: string): WatermarkState {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = undefined;
  }
  return parseWatermark(text);
}

/** Written whole, then renamed over the old one: a kill mid-write leaves the old file intact. */
function writeWatermark(file: string, w: WatermarkFile): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(w));
  renameSync(tmp, file);
}

/** Tracks inserts into view sources while the store runs; see the module comment. */
export interface WriteWatermark {
  /** An insert into `table` starts running; call the returned function once it returned or failed. */
  begin(table: string): () => void;
  /** The store closed with nothing running: the next start has nothing to repair. */
  markClean(): void;
}

export function startWriteWatermark(file: string, { intervalMs = WATERMARK_INTERVAL_MS, now = Date.now }: { intervalMs?: number; now?: () => number } = {}): WriteWatermark {
  /** Start times of the tracked inserts now running, by a token. */
  const running = new Map<number, number>();
  let nextToken = 0;
  let written = -1;
  let closed = false;
  const consistentUntil = (): number => {
    let oldest = now();
    for (const started of running.values()) oldest = Math.min(oldest, started);
    return oldest;
  };
  const write = (): void => {
    if (closed) return;
    const at = consistentUntil();
    if (at === written) return;
    writeWatermark(file, { version: 1, clean: false, consistentUntilMs: at });
    written = at;
  };
  write();
  const timer = setInterval(write, intervalMs);
  timer.unref();
  return {
    begin(table) {
      if (!VIEW_SOURCE_TABLES.has(table)) return () => undefined;
      const token = nextToken++;
      running.set(token, now());
      return () => running.delete(token);
    },
    markClean() {
      clearInterval(timer);
      if (closed) return;
      closed = true;
      writeWatermark(file, { version: 1, clean: true, consistentUntilMs: now() });
    },
  };
}

/** A half-open range of unix seconds, `[fromSeconds, toSeconds)`. */
export interface TimeRange {
  fromSeconds: number;
  toSeconds: number;
}

/**
 * Sorted, disjoint ranges covering the same seconds as `ranges`. Rules: empty and reversed ranges
 * are dropped; ranges that overlap or touch are joined; the result is sorted by start.
 */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.toSeconds > r.fromSeconds).sort((a, b) => a.fromSeconds - b.fromSeconds);
  const out: TimeRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.fromSeconds <= last.toSeconds) last.toSeconds = Math.max(last.toSeconds, r.toSeconds);
    else out.push({ ...r });
  }
  return out;
}

/** What the repair needs from the store: reads and statements (the store's own queue). */
export interface RepairRunner {
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
}

export interface RepairReport {
  /** Why the repair ran: after an unclean end, or once on a store without a watermark. */
  reason: 'unclean' | 'missing';
  /** The time ranges (unix seconds) checked. */
  ranges: TimeRange[];
  minutesRebuilt: number;
  hoursRebuilt: number;
  traceRowsAdded: number;
  traceRowsRemoved: number;
  durationMs: number;
}

/** Compared per minute and per hour: the views' count and duration sum. */
interface Bucket {
  at: number;
  n: string;
  d: string;
}

/**
 * Checks, and where needed rebuilds, the views of `otel_traces` after an unclean end or on a store
 * without a watermark. Returns undefined when there was nothing to check.
 */
export async function repairViews(runner: RepairRunner, database: string, state: WatermarkState): Promise<RepairReport | undefined> {
  if (state.kind === 'clean') return undefined;
  const started = performance.now();
  const db = quoteIdentifier(database);
  const name = (t: string): string => `${db}.${quoteIdentifier(t)}`;
  const raw = name(TRACES.name);
  if (state.kind === 'missing') {
    const any = await runner.query<{ n: string }>(`SELECT count() AS n FROM ${raw}`);
    if (Number(any[0]?.n ?? 0) === 0) return undefined;
  }
  const sinceSeconds = state.kind === 'unclean' ? Math.max(0, Math.floor(state.consistentUntilMs / 1000) - WATERMARK_SLACK_SECONDS) : 0;

  // Each part's time range, widened to the granularity of its key: a rollup minute row stands
  // for the minute after it, an hour row for the hour; trace-id rows are keyed by their start.
  // Merged parts count too (a merge after the watermark may hold a half-written insert's rows);
  // they make the ranges wider (up to a partition: a day of spans, a month of hours), not wrong.
  const parts = await runner.query<{ table: string; lo: number; hi: number }>(
    `SELECT table, toUInt32(min_time) AS lo, toUInt32(max_time) AS hi FROM system.parts
     WHERE database = {db:String} AND active AND table IN {tables:Array(String)} AND toUInt32(modification_time) >= {since:UInt32}`,
    { db: database, tables: [TRACES.name, SPAN_ROLLUP.name, SPAN_ROLLUP_HOURLY.name, TRACE_ID_TS.name], since: sinceSeconds },
  );
  // Each view is checked where its source or itself was written: a month-wide merge of the hourly
  // rollup does not make the trace-id check read a month of spans.
  const rangesOf = (table: string, widenSeconds: number): TimeRange[] =>
    mergeRanges(
      parts
        .filter((p) => p.table === TRACES.name || p.table === table)
        .map((p) => ({ fromSeconds: Number(p.lo), toSeconds: Math.min(MAX_SECONDS, Number(p.hi) + (p.table === table ? widenSeconds : 1)) })),
    );
  const minuteRanges = rangesOf(SPAN_ROLLUP.name, 60);
  const hourRanges = rangesOf(SPAN_ROLLUP_HOURLY.name, 3_600);
  const traceRanges = rangesOf(TRACE_ID_TS.name, 1);
  const report: RepairReport = {
    reason: state.kind,
    ranges: mergeRanges([...minuteRanges, ...hourRanges, ...traceRanges]),
    minutesRebuilt: 0, hoursRebuilt: 0, traceRowsAdded: 0, traceRowsRemoved: 0, durationMs: 0,
  };
  for (const range of minuteRanges) report.minutesRebuilt += await rebuildBuckets(runner, name, SPAN_ROLLUP_MV, 'Minute', 60, range);
  for (const range of hourRanges) report.hoursRebuilt += await rebuildBuckets(runner, name, SPAN_ROLLUP_HOURLY_MV, 'Hour', 3_600, range);
  for (const range of traceRanges) {
    const traces = await repairTraceIds(runner, name, range);
    report.traceRowsAdded += traces.added;
    report.traceRowsRemoved += traces.removed;
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** DateTime's last second (2106-02-07): no stored time lies past it (decode refuses later ones). */
const MAX_SECONDS = 4_294_967_295;

const floorTo = (seconds: number, step: number): number => Math.floor(seconds / step) * step;
const ceilTo = (seconds: number, step: number): number => Math.ceil(seconds / step) * step;

/**
 * Rebuilds the buckets (minutes or hours) of one rollup whose count or duration sum differs from
 * the spans in `range`, and returns how many. The re-insert is the view's own SELECT over those
 * buckets' spans, so the rebuilt rows are the rows the view would have written.
 */
async function rebuildBuckets(
  runner: RepairRunner,
  name: (t: string) => string,
  view: MaterializedViewSpec,
  timeColumn: 'Minute' | 'Hour',
  stepSeconds: number,
  range: TimeRange,
): Promise<number> {
  const raw = name(view.from);
  const rollup = name(view.to);
  const bucketOf = timeColumn === 'Minute' ? 'toStartOfMinute' : 'toStartOfHour';
  const params = { lo: floorTo(range.fromSeconds, stepSeconds), hi: Math.min(MAX_SECONDS, ceilTo(range.toSeconds, stepSeconds)) };
  const [spans, rolled] = await Promise.all([
    runner.query<Bucket>(
      `SELECT toUInt32(${bucketOf}(Timestamp)) AS at, toString(count()) AS n, toString(sum(Duration)) AS d FROM ${raw}
       WHERE Timestamp >= toDateTime64({lo:UInt32}, 9) AND Timestamp < toDateTime64({hi:UInt32}, 9) GROUP BY at`,
      params,
    ),
    runner.query<Bucket>(
      `SELECT toUInt32(${timeColumn}) AS at, toString(sum(Count)) AS n, toString(sum(DurationSumNs)) AS d FROM ${rollup}
       WHERE ${timeColumn} >= toDateTime({lo:UInt32}) AND ${timeColumn} < toDateTime({hi:UInt32}) GROUP BY at`,
      params,
    ),
  ]);
  const bad = differingBuckets(spans, rolled);
  if (bad.length === 0) return 0;
  await runner.command(
    `DELETE FROM ${rollup} WHERE ${timeColumn} >= toDateTime({lo:UInt32}) AND ${timeColumn} < toDateTime({hi:UInt32}) AND toUInt32(${timeColumn}) IN {bad:Array(UInt32)}`,
    { ...params, bad },
  );
  const columns = (await runner.query<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY position`,
    { t: view.to },
  )).map((c) => quoteIdentifier(c.name));
  // The view reads `FROM {from} GROUP BY …`; the spans of the bad buckets take the source's place.
  if (!/FROM \{from\}\s+GROUP BY/.test(view.select)) throw new Error(`view ${view.name}: cannot rebuild from its SELECT (expected "FROM {from} GROUP BY")`);
  const select = view.select.replaceAll(
    '{from}',
    `${raw} WHERE Timestamp >= toDateTime64({lo:UInt32}, 9) AND Timestamp < toDateTime64({hi:UInt32}, 9) AND toUInt32(${bucketOf}(Timestamp)) IN {bad:Array(UInt32)}`,
  );
  await runner.command(`INSERT INTO ${rollup} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM (${select})`, { ...params, bad });
  return bad.length;
}

/**
 * Buckets whose count or sum differ between the spans and the rollup, sorted. Rules: a bucket on
 * one side only differs; values compare as decimal text (64-bit sums exceed a double's integers).
 */
export function differingBuckets(spans: readonly Bucket[], rolled: readonly Bucket[]): number[] {
  const key = (b: Bucket): string => `${b.n}/${b.d}`;
  const fromRollup = new Map(rolled.map((b) => [Number(b.at), key(b)]));
  const bad = new Set<number>();
  for (const b of spans) {
    if (fromRollup.get(Number(b.at)) !== key(b)) bad.add(Number(b.at));
    fromRollup.delete(Number(b.at));
  }
  for (const [at, k] of fromRollup) if (k !== '0/0') bad.add(at);
  return [...bad].sort((a, b) => a - b);
}

/** Chunk of trace ids per DELETE. */
const DELETE_CHUNK = 10_000;

/**
 * Traces with spans in `range` whose trace-id rows are missing or do not cover their spans get a
 * row spanning all their spans; trace-id rows starting in `range` whose trace has no span go.
 */
async function repairTraceIds(runner: RepairRunner, name: (t: string) => string, range: TimeRange): Promise<{ added: number; removed: number }> {
  const raw = name(TRACE_ID_TS_MV.from);
  const ids = name(TRACE_ID_TS_MV.to);
  const params = { lo: range.fromSeconds, hi: range.toSeconds };
  const inRange = `SELECT TraceId FROM ${raw} WHERE Timestamp >= toDateTime64({lo:UInt32}, 9) AND Timestamp < toDateTime64({hi:UInt32}, 9) AND TraceId != ''`;
  // Left join without matches gives the right side's defaults (join_use_nulls = 0): an empty TraceId.
  const uncovered = `
    SELECT s.TraceId AS TraceId, s.Start AS Start, s.End AS End
    FROM (SELECT TraceId, toDateTime(min(Timestamp)) AS Start, toDateTime(max(Timestamp)) AS End FROM ${raw}
          WHERE TraceId IN (${inRange}) GROUP BY TraceId) AS s
    LEFT JOIN (SELECT TraceId, min(Start) AS Start, max(End) AS End FROM ${ids}
          WHERE TraceId IN (${inRange}) GROUP BY TraceId) AS t ON s.TraceId = t.TraceId
    WHERE t.TraceId = '' OR s.Start < t.Start OR s.End > t.End`;
  const missing = Number((await runner.query<{ n: string }>(`SELECT count() AS n FROM (${uncovered})`, params))[0]?.n ?? 0);
  if (missing > 0) await runner.command(`INSERT INTO ${ids} (TraceId, Start, End) ${uncovered}`, params);

  const orphans = (await runner.query<{ TraceId: string }>(
    `SELECT DISTINCT TraceId FROM ${ids} WHERE Start >= toDateTime({lo:UInt32}) AND Start < toDateTime({hi:UInt32})
       AND TraceId NOT IN (SELECT TraceId FROM ${raw} WHERE TraceId IN (
         SELECT TraceId FROM ${ids} WHERE Start >= toDateTime({lo:UInt32}) AND Start < toDateTime({hi:UInt32})))`,
    params,
  )).map((r) => r.TraceId);
  for (let i = 0; i < orphans.length; i += DELETE_CHUNK) {
    await runner.command(`DELETE FROM ${ids} WHERE TraceId IN {orphans:Array(String)}`, { orphans: orphans.slice(i, i + DELETE_CHUNK) });
  }
  return { added: missing, removed: orphans.length };
}
