/**
 * @module slo/spec/adjustment-from-wire
 * A checked `kind: BudgetAdjustment` document to the domain `BudgetAdjustment`. `every:` forms become the
 * cron expression they mean (`every: week, on: [sunday], at: "02:00"` is `0 2 * * 0`), so one expansion
 * serves both. Cannot fail: the schema checked every field.
 */
import type { BudgetAdjustment, Exclusion } from './model.js';
import type { SourcePos } from './problem.js';
import { parseClock, parseMinuteTimestamp, parseOn, WEEKDAYS, type WireBudgetAdjustment } from './wire-budget-adjustment.js';

export function budgetAdjustmentFromWire(wire: WireBudgetAdjustment, source: SourcePos): BudgetAdjustment {
  const { spec } = wire;
  return {
    name: wire.metadata.name,
    labels: wire.metadata.labels ?? {},
    slos: Array.isArray(spec.slos) ? { kind: 'names', names: spec.slos } : { kind: 'selector', matchLabels: spec.slos.matchLabels },
    reason: spec.reason,
    exclude: exclusionFromWire(spec.exclude),
    source,
  };
}

function exclusionFromWire(e: WireBudgetAdjustment['spec']['exclude']): Exclusion {
  const value = <T>(p: { ok: true; value: T } | { ok: false; message: string }): T => {
    if (!p.ok) throw new Error(`unchecked budget adjustment: ${p.message}`); // the schema refused these already
    return p.value;
  };
  const timeZone = e.timeZone ?? 'UTC';
  const forText = formatMinutes(e.for ?? 0);
  if (e.from !== undefined) return { kind: 'window', fromSeconds: value(parseMinuteTimestamp(e.from, 'from')), toSeconds: value(parseMinuteTimestamp(e.to, 'to')) };
  if (e.cron !== undefined) {
    return { kind: 'recurring', cron: e.cron.trim().split(/\s+/).join(' '), durationSeconds: e.for!, timeZone, description: `cron "${e.cron}" in ${timeZone}, for ${forText}` };
  }
  const [hour, minute] = value(parseClock(e.at));
  const every = e.every!;
  const on = value(parseOn(every, e.on));
  const clock = String(e.at);
  switch (every) {
    case 'day':
      return { kind: 'recurring', cron: `${minute} ${hour} * * *`, durationSeconds: e.for!, timeZone, description: `every day at ${clock} ${timeZone}, for ${forText}` };
    case 'week': {
      const days = on.split(',').map((d) => WEEKDAYS[Number(d)]).join(', ');
      return { kind: 'recurring', cron: `${minute} ${hour} * * ${on}`, durationSeconds: e.for!, timeZone, description: `every ${days} at ${clock} ${timeZone}, for ${forText}` };
    }
    case 'month':
      return { kind: 'recurring', cron: `${minute} ${hour} ${on} * *`, durationSeconds: e.for!, timeZone, description: `every month on day ${on.replaceAll(',', ', ')} at ${clock} ${timeZone}, for ${forText}` };
    default:
      throw new Error(`unexpected every: ${String(every)}`);
  }
}

/** 7200 → "2h", 5400 → "1h30m". */
function formatMinutes(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  return `${d > 0 ? `${d}d` : ''}${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}` || '0m';
}
