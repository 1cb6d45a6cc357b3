/**
 * The span views (minute and hour rollups, the trace-id table) agree with `otel_traces` after an
 * unclean end: the rules on their own (watermark file, ranges, bucket comparison), the write
 * watermark while inserts run, and the repair on a real chDB store left the way a `kill -9`
 * mid-insert leaves it (spans without their view rows, view rows without their spans).
 * test/ingest/crash-loop.test.ts kills a real Tollgate during ingest.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeExport } from '../../src/ingest/index.js';
import { encodeRows, openStore, tables, type Store } from '../../src/store/index.js';
import {
  differingBuckets, mergeRanges, parseWatermark, startWriteWatermark, WATERMARK_FILE, type WatermarkState,
} from '../../src/store/crash-repair.js';
import { demoResource, makeSpans } from '../helpers/telemetry.js';
import { storeCounts } from '../helpers/crash-loop.js';
import { tempDir } from '../helpers/tollgate.js';

describe('parseWatermark', () => {
  it.each<[string, string | undefined, WatermarkState]>([
    ['no file: missing', undefined, { kind: 'missing' }],
    ['not JSON: missing (check everything)', '{"version":1,"clean":fa', { kind: 'missing' }],
    ['another version: missing', '{"version":2,"clean":true,"consistentUntilMs":5}', { kind: 'missing' }],
    ['a time that is not a number: missing', '{"version":1,"clean":false,"consistentUntilMs":"5"}', { kind: 'missing' }],
    ['closed cleanly: clean', '{"version":1,"clean":true,"consistentUntilMs":5}', { kind: 'clean' }],
    ['still running when it ended: unclean from its time', '{"version":1,"clean":false,"consistentUntilMs":1700000000000}', { kind: 'unclean', consistentUntilMs: 1_700_000_000_000 }],
  ])('%s', (_name, text, expected) => {
    expect(parseWatermark(text)).toEqual(expected);
  });
});

describe('mergeRanges', () => {
  const r = (fromSeconds: number, toSeconds: number) => ({ fromSeconds, toSeconds });
  it.each([
    ['nothing', [], []],
    ['drops empty and reversed ranges', [r(5, 5), r(9, 3)], []],
    ['sorts disjoint ranges', [r(20, 30), r(0, 10)], [r(0, 10), r(20, 30)]],
    ['joins overlapping ranges', [r(0, 10), r(5, 20)], [r(0, 20)]],
    ['joins touching ranges', [r(0, 10), r(10, 20)], [r(0, 20)]],
    ['keeps a range inside another inside', [r(0, 100), r(10, 20), r(150, 160)], [r(0, 100), r(150, 160)]],
  ])('%s', (_name, input, expected) => {
    expect(mergeRanges(input)).toEqual(expected);
  });
});

describe('differingBuckets', () => {
  const b = (at: number, n: string, d: string) => ({ at, n, d });
  it.each([
    ['equal counts and sums agree', [b(60, '3', '30')], [b(60, '3', '30')], []],
    ['spans without rollup rows differ', [b(60, '3', '30'), b(120, '1', '5')], [b(60, '3', '30')], [120]],
    ['rollup rows without spans differ', [b(60, '3', '30')], [b(60, '3', '30'), b(0, '2', '9')], [0]],
    ['a different count differs', [b(60, '3', '30')], [b(60, '2', '30')], [60]],
    ['a different duration sum differs', [b(60, '3', '30')], [b(60, '3', '31')], [60]],
    ['sums past 2^53 compare exactly', [b(60, '1', '18446744073709551615')], [b(60, '1', '18446744073709551614')], [60]],
    ['an all-zero rollup bucket without spans agrees', [], [b(60, '0', '0')], []],
  ])('%s', (_name, spans, rolled, expected) => {
    expect(differingBuckets(spans, rolled)).toEqual(expected);
  });
});

describe('the write watermark', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('stays at the start of the oldest insert into otel_traces still running, and is marked clean on close', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, WATERMARK_FILE);
    let t = 1_000_000;
    const w = startWriteWatermark(file, { intervalMs: 10, now: () => t });
    const read = () => parseWatermark(readFileSync(file, 'utf8'));
    expect(read()).toEqual({ kind: 'unclean', consistentUntilMs: 1_000_000 });
    t = 1_005_000;
    const first = w.begin('otel_traces');
    t = 1_006_000;
    const second = w.begin('otel_traces');
    const other = w.begin('tollgate_gate_decisions'); // feeds no view: not tracked
    t = 1_009_000;
    await new Promise((r) => setTimeout(r, 40));
    expect(read()).toEqual({ kind: 'unclean', consistentUntilMs: 1_005_000 });
    first();
    await new Promise((r) => setTimeout(r, 40));
    expect(read()).toEqual({ kind: 'unclean', consistentUntilMs: 1_006_000 });
    second();
    other();
    await new Promise((r) => setTimeout(r, 40));
    expect(read()).toEqual({ kind: 'unclean', consistentUntilMs: 1_009_000 });
    w.markClean();
    expect(read()).toEqual({ kind: 'clean' });
  });
});

/** Span rows of `count` SDK spans (plus a client child each), encoded as Tollgate inserts them. */
function spanRows(count: number, configHash: string) {
  const spans = makeSpans(count, demoResource({ config_hash: configHash }));
  const decoded = decodeExport('traces', 'protobuf', ProtobufTraceSerializer.serializeRequest(spans)!, { receivedAtNs: BigInt(Date.now()) * 1_000_000n });
  return decoded.batches.filter((b) => b.rows.length > 0);
}

async function insertSpans(store: Store, count: number, configHash: string): Promise<void> {
  for (const b of spanRows(count, configHash)) await store.insertEncoded(b.table, b.columns, [encodeRows(b.rows)]);
}

const ROLLUP_KEYS = 'ServiceName, Environment, SpanKind, SpanName, StatusCode, HttpStatusClass, ConfigHash, DurationBucketNs';

/**
 * What consistent means: each rollup holds exactly what its view's SELECT makes of every stored
 * span, and every trace with spans has trace-id rows covering them, and no others.
 */
async function consistency(store: Store) {
  const viewOverAllSpans = (view: typeof tables.SPAN_ROLLUP_MV, time: string) =>
    store.query<Record<string, string>>(
      `SELECT ${time}, ${ROLLUP_KEYS}, toString(sum(Count)) AS n, toString(sum(DurationSumNs)) AS d
       FROM (${view.select.replaceAll('{from}', 'otel_traces')}) GROUP BY ${time}, ${ROLLUP_KEYS} ORDER BY ${time}, ${ROLLUP_KEYS}`,
    );
  const rollup = (table: string, time: string) =>
    store.query<Record<string, string>>(
      `SELECT ${time}, ${ROLLUP_KEYS}, toString(sum(Count)) AS n, toString(sum(DurationSumNs)) AS d
       FROM ${table} GROUP BY ${time}, ${ROLLUP_KEYS} HAVING sum(Count) > 0 ORDER BY ${time}, ${ROLLUP_KEYS}`,
    );
  const [minuteExpected, minuteActual, hourExpected, hourActual] = await Promise.all([
    viewOverAllSpans(tables.SPAN_ROLLUP_MV, 'Minute'), rollup('tollgate_span_rollup_1m', 'Minute'),
    viewOverAllSpans(tables.SPAN_ROLLUP_HOURLY_MV, 'Hour'), rollup('tollgate_span_rollup_1h', 'Hour'),
  ]);
  const counts = await storeCounts(store);
  return { minuteExpected, minuteActual, hourExpected, hourActual, counts };
}

describe('repair after an unclean end (real chDB)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('rebuilds the rollup minutes and hours and the trace-id rows of spans stored without them, and drops view rows whose spans were never stored', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const target = { kind: 'embedded' as const, path: path.join(dir, 'clickhouse') };
    const first = await openStore(target);
    expect(first.repair).toBeUndefined(); // a new store: nothing to check
    const store = first.store;
    await insertSpans(store, 300, 'cfg-before');
    const consistentUntilMs = Date.now();
    await new Promise((r) => setTimeout(r, 1_100)); // past the second `modification_time` counts in

    // What a kill between the spans' part and the views' parts leaves: spans without view rows.
    const views = [tables.SPAN_ROLLUP_MV.name, tables.SPAN_ROLLUP_HOURLY_MV.name, tables.TRACE_ID_TS_MV.name];
    for (const v of views) await store.command(`DETACH TABLE ${v}`);
    await insertSpans(store, 200, 'cfg-half-written');
    for (const v of views) await store.command(`ATTACH TABLE ${v}`);
    // And the other order: view rows whose spans never made it.
    const minute = Math.floor(Date.now() / 60_000) * 60;
    await store.insertRows('tollgate_span_rollup_1m', ['Minute', 'ServiceName', 'SpanName', 'Count', 'DurationSumNs'], [[minute, 'checkout', 'ghost', 7, 700]]);
    await store.insertRows('tollgate_span_rollup_1h', ['Hour', 'ServiceName', 'SpanName', 'Count', 'DurationSumNs'], [[Math.floor(minute / 3600) * 3600, 'checkout', 'ghost', 7, 700]]);
    await store.insertRows('otel_traces_trace_id_ts', ['TraceId', 'Start', 'End'], [['0123456789abcdef0123456789abcdef', minute, minute]]);

    const broken = await consistency(store);
    expect(broken.counts).toMatchObject({ raw: '1000', m: '607', h: '607', rawTraces: '500', idTraces: '301', uncovered: '200' });
    await store.close();
    // The process "died" while those inserts ran: its watermark is the time before them.
    writeFileSync(path.join(target.path, WATERMARK_FILE), JSON.stringify({ version: 1, clean: false, consistentUntilMs }));

    const reopened = await openStore(target);
    try {
      expect(reopened.repair).toMatchObject({ reason: 'unclean', traceRowsAdded: 200, traceRowsRemoved: 1 });
      expect(reopened.repair!.minutesRebuilt).toBeGreaterThanOrEqual(1);
      expect(reopened.repair!.hoursRebuilt).toBeGreaterThanOrEqual(1);
      const repaired = await consistency(reopened.store);
      expect(repaired.counts).toEqual({ raw: '1000', m: '1000', h: '1000', rawTraces: '500', idTraces: '500', uncovered: '0' });
      expect(repaired.minuteActual).toEqual(repaired.minuteExpected);
      expect(repaired.hourActual).toEqual(repaired.hourExpected);
    } finally {
      await reopened.store.close();
    }
    // Closed cleanly this time: the next start checks nothing.
    const again = await openStore(target);
    expect(again.repair).toBeUndefined();
    await again.store.close();
  });

  it('checks everything once on a store with spans but no watermark (written before there was one)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const target = { kind: 'embedded' as const, path: path.join(dir, 'clickhouse') };
    const { store } = await openStore(target);
    await store.command(`DETACH TABLE ${tables.SPAN_ROLLUP_MV.name}`);
    await insertSpans(store, 50, 'cfg-old');
    await store.command(`ATTACH TABLE ${tables.SPAN_ROLLUP_MV.name}`);
    await store.close();
    rmSync(path.join(target.path, WATERMARK_FILE));

    const reopened = await openStore(target);
    try {
      expect(reopened.repair).toMatchObject({ reason: 'missing', hoursRebuilt: 0, traceRowsAdded: 0, traceRowsRemoved: 0 });
      expect(reopened.repair!.minutesRebuilt).toBeGreaterThanOrEqual(1);
      const c = await consistency(reopened.store);
      expect(c.counts).toMatchObject({ raw: '100', m: '100', h: '100' });
      expect(c.minuteActual).toEqual(c.minuteExpected);
    } finally {
      await reopened.store.close();
    }
  });
});
