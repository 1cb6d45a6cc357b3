/**
 * @module engine/recorded
 * Which SLOs are recorded by the minute, under which version, and from which data. Pure.
 *
 * An SLO is recorded when its counts add up minute by minute: span, log and metric SLIs. Not
 * recorded, and evaluated by their own statement (or PromQL) on each evaluation instead: PromQL
 * SLIs (Sloth, OpenSLO), whose windows are `rate()` over each window, not sums of minutes, and
 * timeslices shorter than a minute.
 */
import { createHash } from 'node:crypto';
import { SloLedger } from '../slo/evaluate/index.js';
import { fitsSpanRollup, sliPredicate, type LogSliPredicate, type SpanSliPredicate } from '../slo/sli/index.js';
import type { SloDefinition } from '../slo/spec/index.js';

export interface RecordingProgress {
  /** The first minute recorded so far (backfill moves it back). */
  fromMinute: number;
  /** The last minute written to the table after its re-record horizon passed. */
  settledThrough: number;
  /** How far back this version must be recorded: its period (and a day), or what raw data is still kept. */
  neededFrom: number;
}

export interface RecordedSlo {
  slo: SloDefinition;
  version: string;
  /** Rollup rows judged here ('rollup'), or one statement over raw data ('sql'). */
  source: 'rollup' | 'sql';
  /** Judges one span or log record as it is stored (the live feed); undefined for metric SLIs. */
  predicate: SpanSliPredicate | LogSliPredicate | undefined;
  ledger: SloLedger;
  progress: RecordingProgress;
  /** Set while the table has not been read back into the ledger yet (start-up). */
  loaded: boolean;
}

export function isRecorded(slo: SloDefinition): boolean {
  if (slo.sli.kind === 'promql') return false;
  return slo.budgeting.kind !== 'timeslices' || slo.budgeting.windowSeconds % 60 === 0;
}

/**
 * What is counted, hashed: the service and the SLI's conditions, without the environment (every
 * environment is recorded) and without what does not change a minute's counts (objective, period,
 * alerting, budgeting: those are applied when reading). Renaming a label, raising an objective or
 * moving to timeslices keeps the recorded minutes.
 */
export function definitionVersion(slo: SloDefinition): string {
  const sli = slo.sli.kind === 'spans' ? { ...slo.sli, match: { ...slo.sli.match, environment: null } } : slo.sli;
  return createHash('sha256').update(JSON.stringify({ service: slo.service, sli: canonical(sli) })).digest('hex').slice(0, 16);
}

export function newRecordedSlo(slo: SloDefinition, progress: RecordingProgress): RecordedSlo {
  const fractional = slo.sli.kind === 'metric-ratio' || slo.sli.kind === 'metric-histogram';
  return {
    slo,
    version: definitionVersion(slo),
    source: fitsSpanRollup(slo) ? 'rollup' : 'sql',
    predicate: sliPredicate(slo),
    ledger: new SloLedger(fractional),
    progress,
    loaded: false,
  };
}

/** JSON with sorted keys, so a reordered YAML map is the same version. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}
