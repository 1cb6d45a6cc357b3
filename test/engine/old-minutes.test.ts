/**
 * Old recorded minutes kept between series queries (engine/old-minutes.ts), against a table that
 * counts its reads: a repeated range reads nothing, a range grown at its end reads only what it
 * adds, a range starting earlier reads again, a version not recorded over the range is never kept,
 * several misses are one read, and the bound drops the least recently used.
 */
import { describe, expect, it } from 'vitest';
import { createOldMinutes } from '../../src/engine/old-minutes.js';
import type { RecordedSeries } from '../../src/engine/minutes-table.js';
import type { RecordedSlo } from '../../src/engine/recorded.js';

const HOUR = 3_600;

function recorded(name: string, progress = { fromMinute: 0, settledThrough: 1_000 * HOUR, neededFrom: 0 }): RecordedSlo {
  // Only what the cache reads of a recorded SLO: its name, SLI kind, version and progress.
  return { slo: { name, sli: { kind: 'spans' } }, version: `${name}-v1`, progress } as unknown as RecordedSlo;
}

/** A table of one series per SLO: every minute has 2 events, 1 of them bad. */
function countingTable() {
  const reads: Array<{ keys: Array<{ slo: string; fromMinute?: number }>; fromMinute: number; toMinute: number }> = [];
  return {
    reads,
    async loadSeries(keys: ReadonlyArray<{ slo: string; version: string; fromMinute?: number }>, fromMinute: number, toMinute: number): Promise<RecordedSeries[]> {
      reads.push({ keys: keys.map((k) => ({ slo: k.slo, fromMinute: k.fromMinute })), fromMinute, toMinute });
      return keys.map((k) => {
        const from = Math.max(fromMinute, k.fromMinute ?? fromMinute);
        const minutes = Float64Array.from({ length: (toMinute - from) / 60 + 1 }, (_, i) => from + i * 60);
        return { slo: k.slo, version: k.version, environment: 'prod', configHash: 'v1', minutes, totals: minutes.map(() => 2), bads: minutes.map(() => 1) };
      });
    },
  };
}

const sumOf = (ledgers: Map<string, { get(e: string, h: string): { sum(a: number, b: number): { total: number; bad: number } } | undefined }>, name: string, from: number, to: number) =>
  ledgers.get(name)!.get('prod', 'v1')!.sum(from, to);

describe('old recorded minutes kept between queries', () => {
  it('reads a range once, then answers it and any range inside it without reading', async () => {
    const table = countingTable();
    const old = createOldMinutes({ table, maxBytes: 64 * 1024 * 1024 });
    const a = recorded('a');
    const first = await old.ledgers([{ r: a, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(sumOf(first, 'a', 10 * HOUR, 20 * HOUR - 60)).toEqual({ total: 1_200, bad: 600 });
    const again = await old.ledgers([{ r: a, fromMinute: 12 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(sumOf(again, 'a', 12 * HOUR, 13 * HOUR - 60)).toEqual({ total: 120, bad: 60 });
    expect(table.reads).toHaveLength(1);
  });

  it('reads only the stretch a range adds at its end, and everything again for an earlier start', async () => {
    const table = countingTable();
    const old = createOldMinutes({ table, maxBytes: 64 * 1024 * 1024 });
    const a = recorded('a');
    await old.ledgers([{ r: a, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    const grown = await old.ledgers([{ r: a, fromMinute: 11 * HOUR, toMinute: 21 * HOUR - 60 }]);
    expect(table.reads[1]).toEqual({ keys: [{ slo: 'a', fromMinute: 20 * HOUR }], fromMinute: 20 * HOUR, toMinute: 21 * HOUR - 60 });
    expect(sumOf(grown, 'a', 11 * HOUR, 21 * HOUR - 60)).toEqual({ total: 1_200, bad: 600 });
    await old.ledgers([{ r: a, fromMinute: 5 * HOUR, toMinute: 21 * HOUR - 60 }]);
    expect(table.reads[2]).toMatchObject({ fromMinute: 5 * HOUR, toMinute: 21 * HOUR - 60 });
    expect(table.reads).toHaveLength(3);
  });

  it('never keeps a version not yet recorded over the asked range, and drops one whose backfill moved', async () => {
    const table = countingTable();
    const old = createOldMinutes({ table, maxBytes: 64 * 1024 * 1024 });
    // Recorded back only to hour 15 so far: a backfill still on its way.
    const a = recorded('a', { fromMinute: 15 * HOUR, settledThrough: 1_000 * HOUR, neededFrom: 0 });
    await old.ledgers([{ r: a, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    await old.ledgers([{ r: a, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(table.reads).toHaveLength(2);
    // Recorded as far back as it needs (hour 12): a window reaching before that is kept, nothing older will come.
    const b = recorded('b', { fromMinute: 12 * HOUR, settledThrough: 1_000 * HOUR, neededFrom: 12 * HOUR });
    await old.ledgers([{ r: b, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    await old.ledgers([{ r: b, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(table.reads).toHaveLength(3);
    // It needs more (a longer period) and its backfill moves back: read again.
    b.progress.neededFrom = 8 * HOUR;
    b.progress.fromMinute = 11 * HOUR;
    await old.ledgers([{ r: b, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(table.reads).toHaveLength(4);
  });

  it('keeps nothing with a bound of 0', async () => {
    const table = countingTable();
    const old = createOldMinutes({ table, maxBytes: 0 });
    const a = recorded('a');
    await old.ledgers([{ r: a, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    await old.ledgers([{ r: a, fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(table.reads).toHaveLength(2);
    expect(old.bytes()).toBe(0);
  });

  it('reads several SLOs\' misses in one statement, each from its own start', async () => {
    const table = countingTable();
    const old = createOldMinutes({ table, maxBytes: 64 * 1024 * 1024 });
    const got = await old.ledgers([
      { r: recorded('a'), fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 },
      { r: recorded('b'), fromMinute: 15 * HOUR, toMinute: 20 * HOUR - 60 },
    ]);
    expect(table.reads).toEqual([{ keys: [{ slo: 'a', fromMinute: 10 * HOUR }, { slo: 'b', fromMinute: 15 * HOUR }], fromMinute: 10 * HOUR, toMinute: 20 * HOUR - 60 }]);
    expect(sumOf(got, 'b', 15 * HOUR, 20 * HOUR - 60)).toEqual({ total: 600, bad: 300 });
  });

  it('drops the least recently used version when over its bound', async () => {
    const table = countingTable();
    const a = recorded('a');
    const b = recorded('b');
    const ask = (r: RecordedSlo) => [{ r, fromMinute: 0, toMinute: 10 * HOUR - 60 }];
    // Room for one version's ten hours, not two.
    const probe = createOldMinutes({ table: countingTable(), maxBytes: Infinity });
    await probe.ledgers(ask(a));
    const old = createOldMinutes({ table, maxBytes: Math.ceil(probe.bytes() * 1.5) });
    await old.ledgers(ask(a));
    await old.ledgers(ask(b)); // a is dropped
    await old.ledgers(ask(b)); // kept
    await old.ledgers(ask(a)); // read again
    expect(table.reads.map((r) => r.keys[0]!.slo)).toEqual(['a', 'b', 'a']);
    expect(old.bytes()).toBeLessThanOrEqual(Math.ceil(probe.bytes() * 1.5));
  });
});
