/**
 * @module backtest/changes
 * What a change does to the definitions, pure: SLOs, gate policies and budget adjustments added,
 * removed or modified (by name, comparing what they say, not where it is written), and which SLOs
 * a changed adjustment reaches. Each modified field is named with its values before and after, as a
 * reviewer reads them.
 */
import { adjustmentApplies } from '../slo/evaluate/index.js';
import type { BudgetAdjustment, GatePolicy, SloDefinition, SloSelection } from '../slo/spec/index.js';
import type { ChangeKind, DefinitionSet, FieldChange } from './types.js';

export interface Changed<T> {
  name: string;
  change: ChangeKind;
  before: T | null;
  after: T | null;
  fields: FieldChange[];
}

export interface DefinitionChanges {
  slos: Changed<SloDefinition>[];
  policies: Changed<GatePolicy>[];
  adjustments: Changed<BudgetAdjustment>[];
  /** SLOs whose numbers a changed adjustment changes (present on both sides, not modified themselves), with those adjustments' names. */
  affected: Map<string, string[]>;
}

type Shown<T> = ReadonlyArray<[field: string, show: (x: T) => string]>;

const json = (v: unknown): string => JSON.stringify(v);
const labelsText = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)';
const selectionText = (s: SloSelection): string => (s.kind === 'names' ? s.names.join(', ') : `matchLabels {${labelsText(s.matchLabels)}}`);
const seconds = (n: number): string => (n % 86_400 === 0 ? `${n / 86_400}d` : n % 3_600 === 0 ? `${n / 3_600}h` : n % 60 === 0 ? `${n / 60}m` : `${n}s`);

const SLO_FIELDS: Shown<SloDefinition> = [
  ['service', (s) => s.service],
  ['objective', (s) => `${s.objectivePercent}%`],
  ['period', (s) => (s.period.kind === 'rolling' ? `${s.period.days}d` : `${s.period.calendar} (${s.period.timeZone})`)],
  ['sli', (s) => json(s.sli)],
  ['budgeting', (s) => (s.budgeting.kind === 'occurrences' ? 'occurrences' : `timeslices ${seconds(s.budgeting.windowSeconds)} at ${s.budgeting.targetFraction}`)],
  ['alerting.min_events', (s) => String(s.alerting.minEvents)],
  ['alerting.windows', (s) => (s.alerting.customWindows === null ? 'default' : s.alerting.customWindows
    .map((w) => `${w.severity} ${seconds(w.shortWindowSeconds)}/${seconds(w.longWindowSeconds)} ${w.budgetPercent}%`).join(', '))],
  ['labels', (s) => labelsText(s.labels)],
  ['description', (s) => s.description ?? ''],
  ['depends_on', (s) => s.dependsOn.join(', ')],
];

const POLICY_FIELDS: Shown<GatePolicy> = [
  ['app', (p) => p.app],
  ['environment', (p) => p.environment],
  ['slos', (p) => selectionText(p.slos)],
  ['min_budget_remaining', (p) => (p.minBudgetRemainingFraction === null ? 'not checked' : `${Number((p.minBudgetRemainingFraction * 100).toPrecision(10))}%`)],
  ['max_burn_rate', (p) => (p.maxBurnRate === null ? 'not checked' : String(p.maxBurnRate))],
  ['burn_rate_window', (p) => seconds(p.burnRateWindowSeconds)],
  ['compare', (p) => `max_ratio_increase ${p.compare.maxRatioIncrease}, min_events ${p.compare.minEvents}, significance ${p.compare.significance}`],
  ['no_data', (p) => p.noData],
  ['dry_run', (p) => String(p.isDryRun)],
  ['labels', (p) => labelsText(p.labels)],
];

const ADJUSTMENT_FIELDS: Shown<BudgetAdjustment> = [
  ['slos', (a) => selectionText(a.slos)],
  ['reason', (a) => a.reason],
  ['exclude', (a) => exclusionText(a)],
  ['labels', (a) => labelsText(a.labels)],
];

export function exclusionText(a: BudgetAdjustment): string {
  const e = a.exclude;
  return e.kind === 'window' ? `${new Date(e.fromSeconds * 1000).toISOString()} to ${new Date(e.toSeconds * 1000).toISOString()}` : e.description;
}

function compare<T extends { name: string }>(before: readonly T[], after: readonly T[], fields: Shown<T>): Changed<T>[] {
  const out: Changed<T>[] = [];
  const old = new Map(before.map((x) => [x.name, x]));
  const fresh = new Map(after.map((x) => [x.name, x]));
  for (const name of [...new Set([...old.keys(), ...fresh.keys()])].sort()) {
    const b = old.get(name) ?? null;
    const a = fresh.get(name) ?? null;
    if (b === null && a !== null) out.push({ name, change: 'added', before: null, after: a, fields: fields.map(([f, show]) => ({ field: f, before: null, after: show(a) })) });
    else if (a === null && b !== null) out.push({ name, change: 'removed', before: b, after: null, fields: fields.map(([f, show]) => ({ field: f, before: show(b), after: null })) });
    else if (a !== null && b !== null) {
      const changed = fields.map(([f, show]) => ({ field: f, before: show(b), after: show(a) })).filter((c) => c.before !== c.after);
      if (changed.length > 0) out.push({ name, change: 'modified', before: b, after: a, fields: changed });
    }
  }
  return out;
}

export function definitionChanges(base: Pick<DefinitionSet, 'slos' | 'policies' | 'adjustments'>, head: Pick<DefinitionSet, 'slos' | 'policies' | 'adjustments'>): DefinitionChanges {
  const slos = compare(base.slos, head.slos, SLO_FIELDS);
  const policies = compare(base.policies, head.policies, POLICY_FIELDS);
  const adjustments = compare(base.adjustments, head.adjustments, ADJUSTMENT_FIELDS);
  const touched = new Set(slos.map((s) => s.name));
  const affected = new Map<string, string[]>();
  const headSlos = new Map(head.slos.map((s) => [s.name, s]));
  for (const slo of base.slos) {
    const now = headSlos.get(slo.name);
    if (now === undefined || touched.has(slo.name)) continue;
    for (const a of adjustments) {
      const reaches = (a.before !== null && adjustmentApplies(a.before, slo)) || (a.after !== null && adjustmentApplies(a.after, now));
      if (reaches) affected.set(slo.name, [...(affected.get(slo.name) ?? []), a.name]);
    }
  }
  return { slos, policies, adjustments, affected };
}

/** The SLO names a selection picks from a set. */
export function selectedNames(selection: SloSelection, slos: readonly SloDefinition[]): string[] {
  if (selection.kind === 'names') return selection.names.filter((n) => slos.some((s) => s.name === n));
  return slos.filter((s) => Object.entries(selection.matchLabels).every(([k, v]) => s.labels[k] === v)).map((s) => s.name);
}
