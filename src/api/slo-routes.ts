/**
 * @module api/slo-routes
 * `GET /v1/slos` and `GET /v1/slos/{name}`: every number from the recorded minutes, including what
 * this process acknowledged a moment ago (the engine's live feed), plus the SLO files' problems (a
 * broken file keeps its last good version) and how far each SLO is recorded.
 * `GET /v1/slos/{name}/attribution`: what burned its budget (attribution), and each release's share.
 */
import { Hono } from 'hono';
import { attributionWire, rangeEndMs, releaseBudgetWire, type AttributionService, type Baseline } from '../attribution/index.js';
import type { SloEngine, SloRegistry } from '../engine/index.js';
import { planWindows } from '../slo/evaluate/index.js';
import { formatProblem } from '../slo/spec/index.js';
import { BadDataError, parseTimeMs } from './prom-params.js';
import { nonEmpty, tooLong } from './query-params.js';
import { evaluatedWire, summaryWire } from './slo-wire.js';

/** The longest range attribution reads raw events over: a quarter. */
const MAX_ATTRIBUTION_RANGE_MS = 92 * 86_400_000;

export function createSloRoutes({ engine, registry, attribution, now = Date.now }: {
  engine: SloEngine;
  registry: SloRegistry;
  attribution: AttributionService;
  now?: () => number;
}): Hono {
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

  app.get('/v1/slos/:name/attribution', async (c) => {
    const slo = registry.current().slos.find((s) => s.name === c.req.param('name'));
    if (slo === undefined) return c.json({ error: `no SLO named "${c.req.param('name')}"` }, 404);
    const q = (name: string): string | undefined => c.req.query(name);
    const bad = tooLong(c, { config_hash: q('config_hash'), environment: q('environment'), baseline: q('baseline') });
    if (bad !== undefined) return bad;
    const nowMs = now();
    let fromMs: number;
    let toMs: number;
    try {
      // By default the SLO's period so far: what its budget is spent on.
      toMs = parseTimeMs(q('to'), 'to', rangeEndMs(nowMs));
      const plan = planWindows(slo, nowMs);
      fromMs = parseTimeMs(q('from'), 'from', (plan.endMinuteSeconds + 60 - plan.periodSeconds) * 1000);
    } catch (e) {
      if (e instanceof BadDataError) return c.json({ error: e.message }, 400);
      throw e;
    }
    if (!(fromMs < toMs)) return c.json({ error: 'from must be before to' }, 400);
    if (toMs - fromMs > MAX_ATTRIBUTION_RANGE_MS) return c.json({ error: 'the range is longer than 92 days; narrow from and to' }, 400);
    const baseline = parseBaseline(q('baseline'));
    if (typeof baseline === 'string' && baseline !== 'auto') return c.json({ error: baseline }, 400);
    const environment = nonEmpty(q('environment'));
    const answer = await attribution.attribute(slo, {
      fromMs, toMs, environment, configHash: nonEmpty(q('config_hash')), baseline: baseline as Baseline | 'auto',
    });
    return c.json({
      ...attributionWire(answer),
      release_budgets: attribution.releaseBudgets(slo, environment).map(releaseBudgetWire),
    });
  });

  return app;
}

/**
 * `auto` (default): the previous release for a config_hash, else the same range a week earlier;
 * `none`; `release:<config_hash>`. Anything else: the error to answer.
 */
function parseBaseline(text: string | undefined): Baseline | 'auto' | string {
  if (text === undefined || text === '' || text === 'auto') return 'auto';
  if (text === 'none') return { kind: 'none' };
  if (text.startsWith('release:') && text.length > 'release:'.length) return { kind: 'release', configHash: text.slice('release:'.length) };
  return `baseline must be auto, none or release:<config_hash>, not ${JSON.stringify(text.slice(0, 60))}`;
}

