/**
 * The stitched view (older minutes from one ledger, newer from another) sums every window exactly as
 * one ledger holding all the minutes does, across the boundary, per series, with series present on
 * one side only, though each ledger also holds minutes of the other side (counted once).
 */
import { describe, expect, it } from 'vitest';
import { SloLedger, stitchedLedger, type LedgerView } from '../../../src/slo/evaluate/index.js';

const HOUR = 3_600;
const boundary = 100 * HOUR;

/** Deterministic counts for minute m of a series. */
function counts(m: number, salt: number): { total: number; bad: number } {
  const total = ((m / 60) * 7 + salt * 13) % 11;
  return { total, bad: total === 0 ? 0 : ((m / 60) * 3 + salt) % (total + 1) };
}

function build(): { whole: SloLedger; older: SloLedger; newer: SloLedger } {
  const whole = new SloLedger();
  const older = new SloLedger();
  const newer = new SloLedger();
  const series: Array<[string, string, number, number, number]> = [
    // environment, config_hash, first minute, last minute, salt
    ['prod', 'v1', boundary - 30 * HOUR, boundary + 5 * HOUR, 1],
    ['prod', 'v2', boundary - 2 * HOUR, boundary + 20 * HOUR, 2], // crosses the boundary
    ['prod', 'old-only', boundary - 50 * HOUR, boundary - HOUR, 3],
    ['staging', 'new-only', boundary + 60, boundary + 10 * HOUR, 4],
  ];
  for (const [environment, configHash, first, last, salt] of series) {
    for (let m = first; m <= last; m += 60) {
      const c = counts(m, salt);
      const r = { minute: m, environment, configHash, ...c };
      whole.add(r);
      // Both hold minutes beyond their side, as the table's read and memory do: only the boundary decides.
      if (m < boundary + 3 * HOUR) older.add(r);
      if (m >= boundary - 3 * HOUR) newer.add(r);
    }
  }
  return { whole, older, newer };
}

const sums = (l: LedgerView, from: number, to: number) =>
  [...l.series()].map((s) => ({ key: `${s.environment}/${s.configHash}`, ...s.sum(from, to) })).filter((x) => x.total > 0).sort((a, b) => a.key.localeCompare(b.key));

describe('stitchedLedger', () => {
  const { whole, older, newer } = build();
  const stitched = stitchedLedger(older, newer, boundary);

  it.each([
    ['entirely before the boundary', boundary - 40 * HOUR, boundary - 3 * HOUR - 60],
    ['entirely after it', boundary + 7 * 60, boundary + 9 * HOUR + 5 * 60],
    ['across it, off the hour on both sides', boundary - 5 * HOUR - 17 * 60, boundary + 3 * HOUR + 41 * 60],
    ['ending on its last older minute', boundary - 3 * HOUR, boundary - 60],
    ['starting on it', boundary, boundary + 2 * HOUR],
    ['one minute each side', boundary - 60, boundary],
    ['everything', 0, boundary + 100 * HOUR],
  ])('sums a window %s as one ledger does', (_, from, to) => {
    expect(sums(stitched, from, to)).toEqual(sums(whole, from, to));
  });

  it('has the series of both sides, each once, with first and last minutes across both', () => {
    const series = [...stitched.series()].map((s) => ({ key: `${s.environment}/${s.configHash}`, first: s.firstMinute, last: s.lastMinute })).sort((a, b) => a.key.localeCompare(b.key));
    const expected = [...whole.series()].map((s) => ({ key: `${s.environment}/${s.configHash}`, first: s.firstMinute, last: s.lastMinute })).sort((a, b) => a.key.localeCompare(b.key));
    expect(series).toEqual(expected);
  });
});
