/**
 * @module api/slo-routes
 * `GET /v1/slos` and `GET /v1/slos/{name}`: every number from the recorded minutes, including what
 * this process acknowledged a moment ago (the engine's live feed), plus the SLO files' problems (a
 * broken file keeps its last good version) and how far each SLO is recorded.
 */
import { Hono } from 'hono';
import type { SloEngine, SloRegistry } from '../engine/index.js';
import { formatProblem } from '../slo/spec/index.js';
import { evaluatedWire, summaryWire } from './slo-wire.js';

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
      slos: evaluations.map((e) => summaryWire(e, staleNote(e.slo.source.file))),
      problems: loaded.problems.map(formatProblem),
      revision: loaded.revision,
    });
  });

  app.get('/v1/slos/:name', async (c) => {
    const evaluation = await engine.evaluate(c.req.param('name'));
    if (evaluation === undefined) return c.json({ error: `no SLO named "${c.req.param('name')}"` }, 404);
    if (!evaluation.ok) return c.json({ name: evaluation.slo.name, error: evaluation.error }, 422);
    return c.json(evaluatedWire(evaluation.value));
  });

  return app;
}
