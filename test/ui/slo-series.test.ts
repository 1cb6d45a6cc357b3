/**
 * The SLO page's chart series from the SLO's recorded minutes (pure; no server): the budget from
 * the period start to each step, burn rates per step and per hour, on whole hours where the steps
 * are an hour or more.
 */
import { describe, expect, it } from 'vitest';
import { SloLedger, windowStartSeconds } from '../../src/slo/evaluate/index.js';
import { seriesPlan, sloSeries } from '../../src/ui/slo-series.js';

const END_MINUTE = 1_800_000_000 + 37 * 60; // 37 minutes past a whole hour
const NOW = END_MINUTE + 60;
const HOUR = 3_600;

function ledgerOf(events: Array<{ at: number; bad: boolean }>): SloLedger {
  const ledger = new SloLedger();
  for (const e of events) ledger.add({ minute: Math.floor(e.at / 60) * 60, environment: 'prod', configHash: 'cfg', total: 1, bad: e.bad ? 1 : 0 });
  return ledger;
}

describe('seriesPlan', () => {
  it('steps across a 30-day period on whole hours and ends the budget series now', () => {
    const periodStart = windowStartSeconds(END_MINUTE, 30 * 86_400); // a whole hour, as for every window over three days
    const plan = seriesPlan({ periodStartSeconds: periodStart, endMinuteSeconds: END_MINUTE }, { budgetPoints: 60 });
    expect(plan.budgetTimes.at(-1)).toBe(NOW);
    expect(plan.budgetTimes[0]).toBe(periodStart + 12 * HOUR);
    expect(plan.budgetTimes.slice(0, -1).every((t) => t % HOUR === 0)).toBe(true);
    expect(plan.budgetTimes).toHaveLength(60);
  });

  it('steps by whole minutes across a short period, and covers the burn chart\'s steps', () => {
    const plan = seriesPlan({ periodStartSeconds: NOW - 2 * HOUR, endMinuteSeconds: END_MINUTE }, { budgetPoints: 4, burnStepSeconds: 300, burnSpanSeconds: 2 * HOUR, burnLongWindowSeconds: HOUR });
    expect(plan.budgetTimes).toEqual([NOW - 90 * 60, NOW - 60 * 60, NOW - 30 * 60, NOW]);
    expect(plan.burnTimes).toHaveLength(24);
    expect(plan.burnTimes[0]).toBe(NOW - 23 * 300);
  });

  it('rejects steps that are not whole minutes', () => {
    expect(() => seriesPlan({ periodStartSeconds: 0, endMinuteSeconds: END_MINUTE }, { burnStepSeconds: 90 })).toThrow(RangeError);
  });
});

describe('sloSeries', () => {
  it('gives the budget from the period start to each step and burn rates per step and per hour', () => {
    const plan = seriesPlan({ periodStartSeconds: NOW - 4 * HOUR, endMinuteSeconds: END_MINUTE }, { budgetPoints: 4, burnStepSeconds: 1_800, burnSpanSeconds: 2 * HOUR, burnLongWindowSeconds: HOUR });
    // Hour 1: 1000 good. Hour 2: nothing. Hour 3: 1000 events, 1 bad. Hour 4: 1000 events, 10 bad (all in its last half hour).
    const events: Array<{ at: number; bad: boolean }> = [];
    const start = NOW - 4 * HOUR;
    for (let i = 0; i < 1000; i++) events.push({ at: start + (i * HOUR) / 1000, bad: false });
    for (let i = 0; i < 1000; i++) events.push({ at: start + 2 * HOUR + (i * HOUR) / 1000, bad: i === 0 });
    for (let i = 0; i < 1000; i++) events.push({ at: start + 3 * HOUR + (i * HOUR) / 1000, bad: i >= 990 });
    const series = sloSeries(plan, ledgerOf(events), null, 0.001);

    expect(series.budget.time).toEqual([start + HOUR, start + 2 * HOUR, start + 3 * HOUR, NOW]);
    // 0 of 1000, 0 of 1000, 1 of 2000 (burn 0.5), 11 of 3000 (burn 3.6667)
    expect(series.budget.remaining.slice(0, 3)).toEqual([1, 1, 0.5]);
    expect(series.budget.remaining[3]).toBeCloseTo(1 - 11 / 3, 12);
    expect(series.burn.time).toEqual([NOW - 3 * 1_800, NOW - 2 * 1_800, NOW - 1_800, NOW]);
    // Half hours: [2h, 2.5h) 1 bad of 500 → 2; [2.5h, 3h) 0 of 500; [3h, 3.5h) 0 of 500; [3.5h, 4h) 10 of 500 → 20.
    expect(series.burn.short).toEqual([2, 0, 0, 20]);
    // Hours ending at each step: [1.5h,2.5h) 1 of 500; [2h,3h) 1 of 1000; [2.5h,3.5h) 0 of 1000; [3h,4h) 10 of 1000.
    expect(series.burn.long).toEqual([2, 1, 0, 10]);
  });

  it('leaves the budget unknown (null) until the period has events, and burn rates null in empty steps', () => {
    const plan = seriesPlan({ periodStartSeconds: NOW - 2 * HOUR, endMinuteSeconds: END_MINUTE }, { budgetPoints: 2, burnStepSeconds: 3_600, burnSpanSeconds: 2 * HOUR, burnLongWindowSeconds: 3_600 });
    const series = sloSeries(plan, ledgerOf([{ at: NOW - 30 * 60, bad: true }]), null, 0.01);
    expect(series.budget.remaining).toEqual([null, 1 - 1 / 0.01]);
    expect(series.burn.short).toEqual([null, 100]);
  });

  it('reads only the SLO\'s own environment when it names one', () => {
    const ledger = ledgerOf([{ at: NOW - 10 * 60, bad: true }]);
    ledger.add({ minute: END_MINUTE, environment: 'staging', configHash: 'cfg', total: 100, bad: 0 });
    const plan = seriesPlan({ periodStartSeconds: NOW - HOUR, endMinuteSeconds: END_MINUTE }, { budgetPoints: 1, burnStepSeconds: 3_600, burnSpanSeconds: HOUR, burnLongWindowSeconds: 3_600 });
    expect(sloSeries(plan, ledger, 'prod', 0.5).burn.short).toEqual([2]);
    expect(sloSeries(plan, ledger, null, 0.5).burn.short).toEqual([1 / 101 / 0.5]);
  });
});
