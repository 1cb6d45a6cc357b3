/**
 * @module slo/evaluate/stitched-ledger
 * One ledger view over two that hold different minutes (pure): `older` for the minutes before
 * `boundary`, `newer` from it on. The engine holds an SLO's last days by the minute in memory and
 * older stretches only as hour sums; a series point whose window starts in those older stretches
 * reads the minutes there from the recorded table (`older`) and the rest from memory (`newer`), and
 * a window across the boundary is the sum of both parts.
 */
import type { LedgerView, SeriesView } from './excluding-ledger.js';
import { seriesKey, type Counts } from './ledger.js';

const key = (s: SeriesView): string => seriesKey(s.environment, s.configHash);

export function stitchedLedger(older: LedgerView, newer: LedgerView, boundary: number): LedgerView {
  return {
    *series() {
      const pairs = new Map<string, { o?: SeriesView; n?: SeriesView }>();
      for (const o of older.series()) pairs.set(key(o), { o });
      for (const n of newer.series()) {
        const p = pairs.get(key(n));
        if (p === undefined) pairs.set(key(n), { n });
        else p.n = n;
      }
      for (const { o, n } of pairs.values()) yield stitchedSeries(o, n, boundary);
    },
  };
}

function stitchedSeries(o: SeriesView | undefined, n: SeriesView | undefined, boundary: number): SeriesView {
  const either = (o ?? n)!;
  return {
    environment: either.environment,
    configHash: either.configHash,
    firstMinute: Math.min(o?.firstMinute ?? Infinity, n?.firstMinute ?? Infinity),
    lastMinute: Math.max(o?.lastMinute ?? -Infinity, n?.lastMinute ?? -Infinity),
    isEmpty: () => (o?.isEmpty() ?? true) && (n?.isEmpty() ?? true),
    sum(fromMinute, toMinute): Counts {
      const c = { total: 0, bad: 0 };
      if (o !== undefined && fromMinute < boundary) {
        const x = o.sum(fromMinute, Math.min(toMinute, boundary - 60));
        c.total += x.total;
        c.bad += x.bad;
      }
      if (n !== undefined && toMinute >= boundary) {
        const x = n.sum(Math.max(fromMinute, boundary), toMinute);
        c.total += x.total;
        c.bad += x.bad;
      }
      return c;
    },
  };
}
