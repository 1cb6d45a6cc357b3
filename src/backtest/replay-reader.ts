/**
 * @module backtest/replay-reader
 * The gate's view of SLO numbers as they stood at a past instant, from one side's minute data
 * (pure): the `SloReader` the gate's own `gatherEvidence` reads, so a stored decision is replayed
 * by the gate's code, not a copy of it. Nothing after the instant is seen: a window ending then,
 * and where each config ran up to then.
 */
import type { SeenSource, SloReader } from '../engine/index.js';
import { ledgerCounts, sloEnvironment } from '../slo/evaluate/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { MinuteData } from './minute-data.js';

export function replayReader(dataOf: (slo: SloDefinition) => MinuteData | undefined, asOfMinute: number): SloReader {
  const at = new Map<string, MinuteData | undefined>();
  const data = (slo: SloDefinition): MinuteData | undefined => {
    if (!at.has(slo.name)) at.set(slo.name, dataOf(slo)?.at(asOfMinute));
    return at.get(slo.name);
  };
  return {
    windowCounts(slo, windows, endMinute, environment = null) {
      const d = data(slo);
      if (d === undefined) return undefined;
      const env = sloEnvironment(slo, environment);
      return ledgerCounts(d, windows, Math.min(endMinute, asOfMinute), env, slo.budgeting);
    },
    sources(slo, fromMinute) {
      const out: SeenSource[] = [];
      for (const s of data(slo)?.series() ?? []) {
        const first = s.firstFrom(fromMinute);
        if (first === undefined) continue;
        out.push({ environment: s.environment, configHash: s.configHash, firstMinute: first, lastMinute: s.lastMinute });
      }
      return out;
    },
    latestDirect: () => undefined,
    recording: () => undefined,
    ledgerOf: () => undefined,
    ledgersFrom: async () => new Map(),
  };
}
