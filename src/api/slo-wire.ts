/**
 * @module api/slo-wire
 * SLO numbers in the API's snake_case shape, made here at the edge from the engine's camelCase
 * domain types: `/v1/slos`, `/v1/slos/{name}`, the UI.
 */
import type { AdjustmentInPeriod, EvaluatedSlo, RecordingStatus, SloEvaluation } from '../engine/index.js';
import type { AlertStatus, SloStatus, WindowNumbers } from '../slo/evaluate/index.js';

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

export function recordingWire(r: RecordingStatus | null) {
  if (r === null) return { state: 'evaluated', note: 'counted by its own query at each evaluation, not recorded by the minute' };
  return {
    state: r.state,
    recorded_from: iso(r.fromMinute),
    needed_from: iso(r.neededFrom),
    settled_through: iso(r.settledThrough + 60),
    progress: r.progress,
  };
}

const windowWire = (w: WindowNumbers) => ({ total: w.total, bad: w.bad, error_ratio: w.errorRatio, burn_rate: w.burnRate });

const alertWire = (a: AlertStatus) => ({
  key: a.key,
  severity: a.severity,
  state: a.state,
  short_window: a.shortWindow,
  long_window: a.longWindow,
  burn_factor: a.burnFactor,
  since: a.sinceMs === null ? null : new Date(a.sinceMs).toISOString(),
  short_burn_rate: a.shortBurnRate,
  long_burn_rate: a.longBurnRate,
  meaning: a.meaning,
  reason: a.reason,
});

export function statusWire(s: SloStatus) {
  return {
    name: s.name,
    service: s.service,
    description: s.description,
    labels: s.labels,
    objective: s.objective,
    error_budget_fraction: s.errorBudgetFraction,
    period: s.period,
    evaluated_at: new Date(s.evaluatedAtMs).toISOString(),
    sli_source: s.sliSource,
    windows: Object.fromEntries(Object.entries(s.windows).map(([k, w]) => [k, windowWire(w)])),
    error_budget: { remaining: s.errorBudget.remaining, consumed: s.errorBudget.consumed, exhausted_in_seconds: s.errorBudget.exhaustedInSeconds },
    alerts: s.alerts.map(alertWire),
    releases: s.releases.map((r) => ({ config_hash: r.configHash, total: r.total, bad: r.bad, error_ratio: r.errorRatio })),
    ...(s.alertProblem === null ? {} : { alert_problem: s.alertProblem }),
  };
}

/** A budget adjustment over the SLO's current period: its minutes (`to` exclusive) and the events it leaves out. */
export const adjustmentWire = (a: AdjustmentInPeriod) => ({
  name: a.adjustment.name,
  reason: a.adjustment.reason,
  exclude: a.adjustment.exclude.kind === 'window'
    ? `from ${iso(a.adjustment.exclude.fromSeconds)} to ${iso(a.adjustment.exclude.toSeconds)}`
    : a.adjustment.exclude.description,
  source: `${a.adjustment.source.file}:${a.adjustment.source.line}:${a.adjustment.source.column}`,
  intervals: a.intervals.map((i) => ({ from: iso(i.from), to: iso(i.to + 60) })),
  excluded_events: Number.isNaN(a.excluded.total) ? null : { total: a.excluded.total, bad: a.excluded.bad },
});

/** `/v1/slos/{name}`: the status, how the SLO is recorded, and the budget adjustments over its period. */
export const evaluatedWire = (e: EvaluatedSlo) => ({
  ...statusWire(e.status), recording: recordingWire(e.recording), adjustments: e.adjustments.map(adjustmentWire),
});

/** One entry of `/v1/slos`. */
export function summaryWire(e: SloEvaluation, staleNote: string | undefined) {
  const base = { name: e.slo.name, service: e.slo.service, objective: e.slo.objectivePercent / 100, labels: e.slo.labels };
  if (!e.ok) return { ...base, period: null, error_budget: null, alerts_firing: 0, error: e.error };
  const s = e.value.status;
  return {
    ...base,
    objective: s.objective,
    period: s.period,
    error_budget: { remaining: s.errorBudget.remaining },
    burn_rate_1h: s.windows['1h']?.burnRate ?? null,
    alerts_firing: s.alerts.filter((a) => a.state === 'firing').length,
    total_events: s.windows[s.period]?.total ?? 0,
    recording: recordingWire(e.value.recording),
    ...(staleNote === undefined ? {} : { error: staleNote }),
  };
}
