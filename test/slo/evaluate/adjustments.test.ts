import { describe, expect, it } from 'vitest';
import {
  adjustmentApplies, appliedAdjustments, edgeHoursNeeded, excludingLedger, exclusionIntervals, mergeIntervals, MissingMinutesError, SloLedger,
  type MinuteInterval,
} from '../../../src/slo/evaluate/index.js';
import type { BudgetAdjustment, Exclusion } from '../../../src/slo/spec/index.js';

const s = (iso: string): number => Date.parse(iso) / 1000;
/** Intervals as ISO strings, `to` exclusive, for readable expectations. */
const shown = (xs: readonly MinuteInterval[]): string[] => xs.map((x) => `${new Date(x.from * 1000).toISOString().slice(0, 16)}–${new Date((x.to + 60) * 1000).toISOString().slice(11, 16)}`);
const weekly = (cron: string, hours: number, timeZone = 'Europe/Berlin'): Exclusion =>
  ({ kind: 'recurring', cron, durationSeconds: hours * 3_600, timeZone, description: '' });

describe('the minutes an exclusion covers', () => {
  it.each<[string, Exclusion, string, string, string[]]>([
    ['a window, whole', { kind: 'window', fromSeconds: s('2026-12-01T02:00:00Z'), toSeconds: s('2026-12-01T03:00:00Z') }, '2026-11-01T00:00:00Z', '2026-12-05T00:00:00Z', ['2026-12-01T02:00–03:00']],
    ['a window clipped to the range', { kind: 'window', fromSeconds: s('2026-12-01T02:00:00Z'), toSeconds: s('2026-12-01T03:00:00Z') }, '2026-12-01T02:30:00Z', '2026-12-01T02:40:00Z', ['2026-12-01T02:30–02:40']],
    ['a window outside the range', { kind: 'window', fromSeconds: s('2026-12-01T02:00:00Z'), toSeconds: s('2026-12-01T03:00:00Z') }, '2026-12-02T00:00:00Z', '2026-12-03T00:00:00Z', []],
    // Winter (UTC+1), the spring-forward Sunday (02:00 does not exist: the clock jumps to 03:00 CEST = 01:00 UTC), summer (UTC+2).
    ['Sundays 02:00 Berlin across the March change', weekly('0 2 * * 0', 2), '2026-03-20T00:00:00Z', '2026-04-06T00:00:00Z',
      ['2026-03-22T01:00–03:00', '2026-03-29T01:00–03:00', '2026-04-05T00:00–02:00']],
    // 02:00 happens twice on 25 October: once, the first time (CEST, 00:00 UTC); a week later it is 01:00 UTC.
    ['Sundays 02:00 Berlin across the October change', weekly('0 2 * * 0', 2), '2026-10-17T00:00:00Z', '2026-11-02T00:00:00Z',
      ['2026-10-18T00:00–02:00', '2026-10-25T00:00–02:00', '2026-11-01T01:00–03:00']],
    ['a skipped local time starts when the clock jumps', weekly('30 2 * * 0', 1), '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z', ['2026-03-29T01:00–02:00']],
    ['New York, a zone west of UTC', weekly('0 2 * * 0', 1, 'America/New_York'), '2026-03-01T00:00:00Z', '2026-03-16T00:00:00Z',
      ['2026-03-01T07:00–08:00', '2026-03-08T07:00–08:00', '2026-03-15T06:00–07:00']],
    ['an occurrence that began before the range', weekly('0 23 * * *', 2, 'UTC'), '2026-12-02T00:00:00Z', '2026-12-03T00:00:00Z',
      ['2026-12-02T00:00–01:00', '2026-12-02T23:00–00:00']],
    ['occurrences that overlap merge', weekly('0 * * * *', 2, 'UTC'), '2026-12-02T00:00:00Z', '2026-12-02T05:00:00Z', ['2026-12-02T00:00–05:00']],
  ])('%s', (_name, exclusion, from, to, expected) => {
    expect(shown(exclusionIntervals(exclusion, s(from), s(to)))).toEqual(expected);
  });
});

const adjustment = (over: Partial<BudgetAdjustment> = {}): BudgetAdjustment => ({
  name: 'db-migration', labels: {}, slos: { kind: 'names', names: ['checkout-availability'] }, reason: 'planned database migration',
  exclude: { kind: 'window', fromSeconds: s('2026-12-01T02:00:00Z'), toSeconds: s('2026-12-01T03:00:00Z') },
  source: { file: 'adjustments.yaml', line: 3, column: 11 }, ...over,
});

describe('which SLOs an adjustment applies to', () => {
  it.each<[string, BudgetAdjustment, boolean]>([
    ['named', adjustment(), true],
    ['not named', adjustment({ slos: { kind: 'names', names: ['other'] } }), false],
    ['selected by every label', adjustment({ slos: { kind: 'selector', matchLabels: { team: 'payments', tier: '1' } } }), true],
    ['not selected when one label differs', adjustment({ slos: { kind: 'selector', matchLabels: { team: 'payments', tier: '2' } } }), false],
  ])('%s', (_name, a, expected) => {
    expect(adjustmentApplies(a, { name: 'checkout-availability', labels: { team: 'payments', tier: '1' } })).toBe(expected);
  });

  it('leaves out adjustments with no minutes in the range', () => {
    const applied = appliedAdjustments([adjustment(), adjustment({ name: 'later', exclude: { kind: 'window', fromSeconds: s('2027-01-01T00:00:00Z'), toSeconds: s('2027-01-01T01:00:00Z') } })],
      { name: 'checkout-availability', labels: {} }, s('2026-11-01T00:00:00Z'), s('2026-12-05T00:00:00Z'));
    expect(applied.map((a) => a.adjustment.name)).toEqual(['db-migration']);
  });

  it('merges intervals that touch', () => {
    expect(mergeIntervals([{ from: 600, to: 660 }, { from: 0, to: 540 }, { from: 1_200, to: 1_260 }])).toEqual([{ from: 0, to: 660 }, { from: 1_200, to: 1_260 }]);
  });
});

describe('a ledger without excluded minutes', () => {
  const HOUR = 3_600;
  const T0 = s('2026-11-20T00:00:00Z');
  const HOURS = 72;
  /** Deterministic counts: every minute has traffic, a few have failures. */
  const countsAt = (m: number) => ({ total: 10 + ((m / 60) % 7), bad: (m / 60) % 13 === 0 ? 3 : 0 });
  const records = Array.from({ length: HOURS * 60 }, (_, i) => ({ minute: T0 + i * 60, environment: 'prod', configHash: 'cfg-1', ...countsAt(T0 + i * 60) }));
  /** Minutes held for the last day only; the two days before as hour totals. */
  const ledgerWithOldHours = (): SloLedger => {
    const ledger = new SloLedger();
    ledger.merge(records, { markDirty: false });
    ledger.compact(T0 + 48 * HOUR, T0);
    return ledger;
  };
  const intervals: MinuteInterval[] = [
    { from: T0 + 5 * HOUR + 17 * 60, to: T0 + 7 * HOUR + 4 * 60 },
    { from: T0 + 30 * HOUR, to: T0 + 30 * HOUR + 59 * 60 },
    { from: T0 + 47 * HOUR + 50 * 60, to: T0 + 48 * HOUR + 10 * 60 },
    { from: T0 + 60 * HOUR + 1 * 60, to: T0 + 60 * HOUR + 1 * 60 },
  ];
  const isExcluded = (m: number): boolean => intervals.some((x) => m >= x.from && m <= x.to);
  const raw = (from: number, to: number) => {
    const acc = { total: 0, bad: 0 };
    for (const r of records) if (r.minute >= from && r.minute <= to && !isExcluded(r.minute)) {
      acc.total += r.total;
      acc.bad += r.bad;
    }
    return acc;
  };
  const edgesFromRecords = {
    minutes: (_e: string, _h: string, hour: number) => {
      const total = new Float64Array(60);
      const bad = new Float64Array(60);
      for (let i = 0; i < 60; i++) ({ total: total[i], bad: bad[i] } = countsAt(hour + i * 60));
      return { total, bad };
    },
  };

  it('needs the minutes of the old hours an exclusion starts or ends inside, and no others', () => {
    expect(edgeHoursNeeded(ledgerWithOldHours(), intervals).map((h) => (h - T0) / HOUR)).toEqual([5, 7, 47]);
  });

  it('needs also the edges of hours still held by the minute but already final, before compaction drops them', () => {
    expect(edgeHoursNeeded(ledgerWithOldHours(), intervals, T0 + 61 * HOUR).map((h) => (h - T0) / HOUR)).toEqual([5, 7, 47, 48, 60]);
  });

  it.each<[string, number, number]>([
    ['the whole span', T0, T0 + HOURS * HOUR - 60],
    ['a day-long window starting at a whole hour', T0 + 24 * HOUR, T0 + 48 * HOUR - 60],
    ['minutes inside the recent day', T0 + 60 * HOUR - 60, T0 + 60 * HOUR + 5 * 60],
    ['across the old and the recent hours', T0 + 47 * HOUR, T0 + 49 * HOUR + 59 * 60],
    ['whole hours around an old exclusion', T0 + 5 * HOUR, T0 + 8 * HOUR - 60],
  ])('sums %s to a raw count without those minutes', (_name, from, to) => {
    const view = excludingLedger(ledgerWithOldHours(), intervals, edgesFromRecords);
    const got = { total: 0, bad: 0 };
    for (const series of view.series()) {
      const c = series.sum(from, to);
      got.total += c.total;
      got.bad += c.bad;
    }
    expect(got).toEqual(raw(from, to));
  });

  it('refuses to guess an old edge hour it has no minutes of, or whose minutes do not add up', () => {
    const missing = excludingLedger(ledgerWithOldHours(), intervals);
    expect(() => [...missing.series()][0]!.sum(T0, T0 + 10 * HOUR)).toThrow(MissingMinutesError);
    const stale = excludingLedger(ledgerWithOldHours(), intervals, {
      minutes: (e, h, hour) => {
        const m = edgesFromRecords.minutes(e, h, hour);
        m.total[0] = m.total[0]! + 1;
        return m;
      },
    });
    expect(() => [...stale.series()][0]!.sum(T0, T0 + 10 * HOUR)).toThrow(MissingMinutesError);
  });

  it('is the ledger itself when nothing is excluded', () => {
    const ledger = ledgerWithOldHours();
    expect(excludingLedger(ledger, [])).toBe(ledger);
  });
});
