/**
 * @module api/slo-routes
 * `GET /v1/slos` and `GET /v1/slos/{name}`: every number computed from the data acknowledged
 * before the call, plus the SLO files' problems (a broken file keeps its last good version).
 */
import { Hono } from 'hono';
import type { SloEngine, SloEvaluation } from '../engine/engine.js';
import type { SloRegistry } from '../engine/slo-registry.js';
import { formatProblem } from '../slo/spec/index.js';

export function createSloRoutes({ engine, registry }: { engine: SloEngine; registry: SloRegistry }): Hono {
  const app = new Hono();

  app.get('/v1/slos', async (c) => {
    const loaded = registry.current();
    const evaluations = await engine.evaluateAll();
    const staleNote = (file: string): string | undefined =>
      loaded.staleFiles.includes(file)
        ? `${file} does not validate; serving its last good version (${loaded.problems.filter((p) => p.file === file).map(formatProblem).join('; ')})`
        : undefined;
    return c.json({
      slos: evaluations.map((e) => summary(e, staleNote(e.slo.source.file))),
      problems: loaded.problems.map(formatProblem),
      revision: loaded.revision,
    });
  });

  app.get('/v1/slos/:name', async (c) => {
    const evaluation = await engine.evaluate(c.req.param('name'));
    if (evaluation === undefined) return c.json({ error: `no SLO named "${c.req.param('name')}"` }, 404);
    if (!evaluation.ok) return c.json({ name: evaluation.slo.name, error: evaluation.error }, 422);
    return c.json(evaluation.value.status);
  });

  return app;
}

function summary(e: SloEvaluation, staleNote: string | undefined) {
  const base = { name: e.slo.name, service: e.slo.service, objective: e.slo.objectivePercent / 100, labels: e.slo.labels };
  if (!e.ok) return { ...base, period: null, error_budget: null, alerts_firing: 0, error: e.error };
  const s = e.value.status;
  return {
    ...base,
    objective: s.objective,
    period: s.period,
    error_budget: { remaining: s.error_budget.remaining },
    burn_rate_1h: s.windows['1h']?.burn_rate ?? null,
    alerts_firing: s.alerts.filter((a) => a.state === 'firing').length,
    total_events: s.windows[s.period]?.total ?? 0,
    ...(staleNote === undefined ? {} : { error: staleNote }),
  };
}
