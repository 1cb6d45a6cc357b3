/**
 * @module correlate/slo-graph-read
 * The SLO graph's shell: evaluates every loaded SLO (as `GET /v1/slos` does, so both show the same
 * numbers) and hands plain numbers to the pure `shapeSloGraph`.
 */
import type { SloEngine, SloEvaluation } from '../engine/index.js';
import { shapeSloGraph, type SloGraph, type SloGraphEntry } from './slo-graph.js';

export async function readSloGraph(engine: Pick<SloEngine, 'evaluateAll'>): Promise<SloGraph> {
  return shapeSloGraph((await engine.evaluateAll()).map(toEntry));
}

export function toEntry(e: SloEvaluation): SloGraphEntry {
  const base = { name: e.slo.name, service: e.slo.service, objective: e.slo.objectivePercent / 100, dependsOn: e.slo.dependsOn };
  if (!e.ok) return { ...base, evaluation: { ok: false, error: e.error } };
  const s = e.value.status;
  return {
    ...base,
    objective: s.objective,
    evaluation: {
      ok: true,
      budgetRemaining: s.errorBudget.remaining,
      burnRate1h: s.windows['1h']?.burnRate ?? null,
      totalEvents: s.windows[s.period]?.total ?? 0,
      alertsFiring: s.alerts.filter((a) => a.state === 'firing').length,
    },
  };
}
