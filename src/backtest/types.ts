/**
 * @module backtest/types
 * What `tollgate diff` reports: for each SLO, gate policy and budget adjustment that a change adds,
 * removes or modifies, what it would have done over the last period of stored data. Domain types
 * (camelCase); backtest/wire.ts makes the JSON shape, which the text and Markdown formats read.
 */
import type { BudgetAdjustment, GatePolicy, Problem, SloDefinition } from '../slo/spec/index.js';

/** One side of the change: its definitions as loaded, and where they came from. */
export interface DefinitionSet {
  /** `main`, `./slo-definitions`, … as the user named it. */
  label: string;
  slos: SloDefinition[];
  policies: GatePolicy[];
  adjustments: BudgetAdjustment[];
  problems: Problem[];
  revision: string;
}

export type ChangeKind = 'added' | 'removed' | 'modified';

/** What changed in a definition, for a reader: `objective 99.9 → 99.95`, `sli`, `labels`. */
export interface FieldChange {
  field: string;
  before: string | null;
  after: string | null;
}

/** An alert that would have fired: one rule's consecutive minutes with its condition holding. */
export interface AlertEpisode {
  severity: 'page' | 'ticket';
  /** `5m/1h` */
  windows: string;
  startMs: number;
  /** When its condition stopped holding; null when it still held at the end. */
  endMs: number | null;
  durationSeconds: number;
}

/** One side's numbers over the SLO's last period. */
export interface PeriodNumbers {
  /** `30d`, `month`: the period's key, and its bounds. */
  period: string;
  fromMs: number;
  toMs: number;
  total: number;
  bad: number;
  errorRatio: number | null;
  budgetRemaining: number;
  alerts: AlertEpisode[];
  /** Minutes budget adjustments took out of the period. */
  excludedMinutes: number;
  /** Why some numbers could not be replayed (a PromQL SLI, no recorded data); null when they all were. */
  note: string | null;
}

export interface SloChange {
  name: string;
  change: ChangeKind | 'affected';
  /** For `affected`: the budget adjustments whose change reaches this SLO. */
  because: string[];
  fields: FieldChange[];
  before: PeriodNumbers | null;
  after: PeriodNumbers | null;
}

export interface DefinitionChange {
  name: string;
  change: ChangeKind;
  fields: FieldChange[];
  /** SLOs it selects, before and after. */
  slos: string[];
}

export type Verdict = 'allow' | 'deny' | 'wait';

/** A stored gate decision of the period that the change would flip. */
export interface DecisionFlip {
  id: string;
  decidedAtMs: number;
  app: string;
  environment: string;
  configHash: string;
  revision: string | null;
  /** As stored, then as replayed with the base definitions and with the head's. */
  stored: Verdict;
  before: Verdict;
  after: Verdict;
  beforeSummary: string;
  afterSummary: string;
}

export interface BacktestReport {
  generatedAtMs: number;
  base: { label: string; revision: string };
  head: { label: string; revision: string };
  /** Problems of the head's files (as `tollgate validate` prints them); the base's are listed apart. */
  problems: Problem[];
  baseProblems: Problem[];
  slos: SloChange[];
  policies: DefinitionChange[];
  adjustments: DefinitionChange[];
  decisions: {
    /** Stored decisions of the period whose policy or SLOs the change touches, replayed both ways. */
    replayed: number;
    flips: DecisionFlip[];
  };
}

/** What `--fail-on` can name. */
export const FAIL_CONDITIONS = ['flipped-decisions', 'new-pages', 'new-tickets', 'budget-exhausted', 'invalid'] as const;
export type FailCondition = (typeof FAIL_CONDITIONS)[number];
