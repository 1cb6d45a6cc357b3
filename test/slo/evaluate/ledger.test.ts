/**
 * The in-memory ledger of recorded minutes: sums over any window equal a brute-force count of the
 * same minutes, merging by maximum never counts an event twice, and compaction keeps hour totals.
 */
import { describe, expect, it } from 'vitest';
import { MissingMinutesError, SeriesLedger, SloLedger, type MinuteRecord } from '../../../src/slo/evaluate/ledger.js';
import { seededRandom } from '../../helpers/random.js';

const H = 3_600;
const T0 = Date.UTC(2026, 10, 1) / 1000; // a whole hour

function records(n: number, rnd: () => number, spanMinutes: number): MinuteRecord[] {
  return Array.from({ length: n }, () => {
    const total = Math.floor(rnd() * 1000);
    return {
      minute: T0 + Math.floor(rnd() * spanMinutes) * 60,
      environment: rnd() < 0.5 ? 'prod' : 'staging',
      configHash: `cfg-${Math.floor(rnd() * 3)}`,
      total,
      bad: Math.floor(rnd() * (total + 1)),
    };
  });
}

const bruteSum = (rs: readonly MinuteRecord[], from: number, to: number, env?: string) =>
  rs.reduce((acc, r) => (r.minute >= from && r.minute <= to && (env === undefined || r.environment === env)
    ? { total: acc.total + r.total, bad: acc.bad + r.bad } : acc), { total: 0, bad: 0 });

describe('SloLedger', () => {
  it('sums any window of minutes exactly as a brute-force count, in every environment', () => {
    const rnd = seededRandom(7);
    const rs = records(5_000, rnd, 3 * 24 * 60);
    const ledger = new SloLedger();
    for (const r of rs) ledger.add(r);
    for (let k = 0; k < 500; k++) {
      const a = T0 + Math.floor(rnd() * 3 * 24 * 60) * 60;
      const b = T0 + Math.floor(rnd() * 3 * 24 * 60) * 60;
      const [from, to] = a <= b ? [a, b] : [b, a];
      expect(ledger.sum(from, to)).toEqual(bruteSum(rs, from, to));
      expect(ledger.sum(from, to, (s) => s.environment === 'prod')).toEqual(bruteSum(rs, from, to, 'prod'));
    }
  });

  it('merges a recorded snapshot by maximum: adds what the live feed missed, never counts twice', () => {
    const ledger = new SloLedger();
    const minute = T0 + 5 * 60;
    ledger.add({ minute, environment: 'prod', configHash: 'a', total: 10, bad: 1 });
    // The store counted 12 (2 from another replica): the ledger learns them.
    expect(ledger.merge([{ minute, environment: 'prod', configHash: 'a', total: 12, bad: 1 }]).added).toEqual({ total: 2, bad: 0 });
    // An older snapshot that saw less changes nothing.
    expect(ledger.merge([{ minute, environment: 'prod', configHash: 'a', total: 9, bad: 1 }]).added).toEqual({ total: 0, bad: 0 });
    ledger.add({ minute, environment: 'prod', configHash: 'a', total: 3, bad: 3 });
    expect(ledger.sum(minute, minute)).toEqual({ total: 15, bad: 4 });
  });

  it('hands out each changed minute once for writing, with its current counts', () => {
    const ledger = new SloLedger();
    ledger.add({ minute: T0, environment: 'prod', configHash: 'a', total: 1, bad: 0 });
    ledger.add({ minute: T0 + 60, environment: 'prod', configHash: 'a', total: 2, bad: 1 });
    ledger.add({ minute: T0, environment: 'prod', configHash: 'a', total: 4, bad: 0 });
    expect(ledger.takeDirty(T0)).toEqual([{ minute: T0, environment: 'prod', configHash: 'a', total: 5, bad: 0 }]);
    expect(ledger.takeDirty(T0 + 60)).toEqual([{ minute: T0 + 60, environment: 'prod', configHash: 'a', total: 2, bad: 1 }]);
    expect(ledger.takeDirty(T0 + 3_600)).toEqual([]);
  });

  it('keeps hour totals after dropping their minutes, and refuses a partial hour it no longer holds', () => {
    const rnd = seededRandom(11);
    const rs = records(3_000, rnd, 6 * 24 * 60);
    const ledger = new SloLedger();
    for (const r of rs) ledger.add(r);
    const minutesFrom = T0 + 3 * 24 * H;
    ledger.takeDirty(T0 + 7 * 24 * H); // written: nothing holds the old minutes now
    ledger.compact(minutesFrom, T0 + H);
    // Whole hours anywhere after the hour horizon, minutes only within the minute horizon.
    expect(ledger.sum(T0 + 2 * H, minutesFrom + 5 * 60)).toEqual(bruteSum(rs, T0 + 2 * H, minutesFrom + 5 * 60));
    expect(ledger.sum(T0, T0 + H - 60)).toEqual({ total: 0, bad: 0 }); // dropped hour
    expect(() => ledger.sum(T0 + 2 * H + 60, minutesFrom)).toThrow(MissingMinutesError);
  });

  it('merges recorded hours without minutes, by maximum', () => {
    const s = new SeriesLedger('prod', 'a');
    s.mergeHour(T0, 100, 5);
    s.mergeHour(T0, 90, 7);
    expect(s.sum(T0, T0 + H - 60)).toEqual({ total: 100, bad: 7 });
    expect(() => s.sum(T0 + 60, T0 + H - 60)).toThrow(MissingMinutesError);
    expect({ first: s.firstMinute, last: s.lastMinute }).toEqual({ first: T0, last: T0 + H - 60 });
  });
});

describe('SloLedger compaction', () => {
  it('keeps the minutes of an old hour until they are taken for writing', () => {
    const ledger = new SloLedger();
    ledger.add({ minute: T0 + 5 * 60, environment: 'prod', configHash: 'a', total: 3, bad: 1 });
    ledger.compact(T0 + 3 * H, T0);
    expect(ledger.takeDirty(T0 + H)).toEqual([{ minute: T0 + 5 * 60, environment: 'prod', configHash: 'a', total: 3, bad: 1 }]);
    ledger.compact(T0 + 3 * H, T0);
    expect(() => ledger.sum(T0 + 5 * 60, T0 + 5 * 60)).toThrow(MissingMinutesError);
    expect(ledger.sum(T0, T0 + H - 60)).toEqual({ total: 3, bad: 1 });
  });
});
