/**
 * @module backtest/wire
 * The report's JSON shape (snake_case, ISO times), made here at the edge: what `POST /v1/backtest`
 * answers, what `tollgate diff --format json` prints, and what the text and Markdown formats read.
 * `conditions` says which `--fail-on` conditions hold.
 */
import { formatProblem } from '../slo/spec/index.js';
import type { AlertEpisode, BacktestReport, FailCondition, PeriodNumbers } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface AlertWire {
  severity: 'page' | 'ticket';
  windows: string;
  start: string;
  end: string | null;
  duration_seconds: number;
}

export interface PeriodWire {
  period: string;
  from: string;
  to: string;
  total: number;
  bad: number;
  error_ratio: number | null;
  budget_remaining: number;
  excluded_minutes: number;
  pages: number;
  tickets: number;
  alerts: AlertWire[];
  note: string | null;
}

export interface FieldWire {
  field: string;
  before: string | null;
  after: string | null;
}

export interface ReportWire {
  generated_at: string;
  base: { label: string; revision: string };
  head: { label: string; revision: string };
  problems: string[];
  base_problems: string[];
  slos: Array<{ name: string; change: string; because: string[]; fields: FieldWire[]; before: PeriodWire | null; after: PeriodWire | null }>;
  policies: Array<{ name: string; change: string; fields: FieldWire[]; slos: string[] }>;
  adjustments: Array<{ name: string; change: string; fields: FieldWire[]; slos: string[] }>;
  decisions: {
    replayed: number;
    flips: Array<{
      id: string; decided_at: string; app: string; environment: string; config_hash: string; revision: string | null;
      stored: string; before: string; after: string; before_summary: string; after_summary: string;
    }>;
  };
  conditions: Record<FailCondition, boolean>;
}

const alertWire = (a: AlertEpisode): AlertWire => ({
  severity: a.severity, windows: a.windows, start: iso(a.startMs), end: a.endMs === null ? null : iso(a.endMs), duration_seconds: a.durationSeconds,
});

function periodWire(p: PeriodNumbers | null): PeriodWire | null {
  if (p === null) return null;
  return {
    period: p.period, from: iso(p.fromMs), to: iso(p.toMs), total: p.total, bad: p.bad, error_ratio: p.errorRatio, budget_remaining: p.budgetRemaining,
    excluded_minutes: p.excludedMinutes,
    pages: p.alerts.filter((a) => a.severity === 'page').length,
    tickets: p.alerts.filter((a) => a.severity === 'ticket').length,
    alerts: p.alerts.map(alertWire),
    note: p.note,
  };
}

export function reportWire(r: BacktestReport): ReportWire {
  const slos = r.slos.map((s) => ({ name: s.name, change: s.change, because: s.because, fields: s.fields, before: periodWire(s.before), after: periodWire(s.after) }));
  const more = (severity: 'pages' | 'tickets') => slos.some((s) => (s.after?.[severity] ?? 0) > (s.before?.[severity] ?? 0));
  return {
    generated_at: iso(r.generatedAtMs),
    base: r.base,
    head: r.head,
    problems: r.problems.map(formatProblem),
    base_problems: r.baseProblems.map(formatProblem),
    slos,
    policies: r.policies,
    adjustments: r.adjustments,
    decisions: {
      replayed: r.decisions.replayed,
      flips: r.decisions.flips.map((f) => ({
        id: f.id, decided_at: iso(f.decidedAtMs), app: f.app, environment: f.environment, config_hash: f.configHash, revision: f.revision,
        stored: f.stored, before: f.before, after: f.after, before_summary: f.beforeSummary, after_summary: f.afterSummary,
      })),
    },
    conditions: {
      'flipped-decisions': r.decisions.flips.length > 0,
      'new-pages': more('pages'),
      'new-tickets': more('tickets'),
      'budget-exhausted': slos.some((s) => s.after !== null && s.after.budget_remaining < 0 && (s.before === null || s.before.budget_remaining >= 0)),
      invalid: r.problems.length > 0,
    },
  };
}
