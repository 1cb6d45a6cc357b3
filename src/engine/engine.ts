/**
 * @module engine/engine
 * Evaluates SLOs over the stored data: on demand (every API answer is computed from the data
 * acknowledged before it) and on a schedule (so alerts fire and resolve without anyone asking).
 * Both paths apply alert transitions the same way, one evaluation per SLO at a time, and every
 * transition is stored in tollgate_alert_events, so what is firing survives a restart.
 */
import type { Logger } from 'pino';
import type { AlertState } from '../slo/math/index.js';
import { fitsSpanRollup, spanRollupQuery, type RollupRow, type SliCounts } from '../slo/sli/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import { millisToDateTime64, type Store } from '../store/index.js';
import { planWindows, type WindowPlan } from './plan.js';
import { promqlSliCounts, type PromqlEnv } from './promql-sli.js';
import type { SloRegistry } from './slo-registry.js';
import { sliQuery } from './sli.js';
import { sloStatus, type AlertStep, type SloStatus } from './status.js';

export interface EvaluatedSlo {
  slo: SloDefinition;
  status: SloStatus;
  steps: AlertStep[];
}

export type SloEvaluation = { ok: true; slo: SloDefinition; value: EvaluatedSlo } | { ok: false; slo: SloDefinition; error: string };

export interface SloEngine {
  evaluate(name: string): Promise<SloEvaluation | undefined>;
  evaluateAll(): Promise<SloEvaluation[]>;
  /** The latest evaluation of every SLO's alerts (what /api/v1/alerts and rules show). */
  latest(): EvaluatedSlo[];
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export interface AlertTransitionListener {
  (changed: AlertStep[], evaluated: EvaluatedSlo): void | Promise<void>;
}

/**
 * SLOs per rollup statement: planning grows ~3 ms per SLO and reading with the services in it, so
 * a few statements of whole services beat one per service and one for everything.
 */
export const ROLLUP_BATCH_SLOS = 25;

const ALERT_EVENT_COLUMNS = [
  'EventTime', 'AlertKey', 'Slo', 'Service', 'Severity', 'ShortWindow', 'LongWindow', 'BurnFactor', 'Transition',
  'ShortBurnRate', 'LongBurnRate', 'Reason',
] as const;

export async function createSloEngine({ store, registry, promql, log, now = Date.now, onEvaluated }: {
  store: Store;
  registry: SloRegistry;
  /** How PromQL SLIs (Sloth, OpenSLO) are evaluated: the query runner over the stored metrics under Prometheus' names. */
  promql?: PromqlEnv;
  log: Logger;
  now?: () => number;
  /** Called after each evaluation with the alerts whose state changed (and all the rest). */
  onEvaluated?: AlertTransitionListener;
}): Promise<SloEngine> {
  const states = await loadAlertStates(store);
  const latest = new Map<string, EvaluatedSlo>();
  const running = new Map<string, Promise<SloEvaluation>>();

  /**
   * One evaluation per SLO at a time: a second caller waits for the one in progress and then runs
   * its own, so it still sees every export acknowledged before it asked.
   */
  const serialized = (slo: SloDefinition, run: () => Promise<SloEvaluation>): Promise<SloEvaluation> => {
    const previous = running.get(slo.name) ?? Promise.resolve(undefined);
    const next = previous.then(run, run);
    running.set(slo.name, next);
    void next.finally(() => {
      if (running.get(slo.name) === next) running.delete(slo.name);
    });
    return next;
  };

  /** Counts to status, alert transitions stored and announced. */
  const apply = async (slo: SloDefinition, plan: WindowPlan, counts: SliCounts, source: string, nowMs: number): Promise<SloEvaluation> => {
    const { status, steps } = sloStatus(slo, plan, counts, states, nowMs, source);
    const changed = steps.filter((s) => s.transition !== null);
    if (changed.length > 0) {
      await store.insertRows('tollgate_alert_events', ALERT_EVENT_COLUMNS, changed.map((s) => [
        millisToDateTime64(nowMs), s.key, slo.name, slo.service, s.rule.severity, s.status.short_window, s.status.long_window,
        s.rule.burnFactor, s.transition, s.status.short_burn_rate, s.status.long_burn_rate, s.status.reason,
      ]));
      for (const s of changed) log.info({ slo: slo.name, alert: s.key, transition: s.transition, reason: s.status.reason }, 'alert state changed');
    }
    for (const s of steps) states.set(s.key, s.state);
    const evaluated = { slo, status, steps };
    latest.set(slo.name, evaluated);
    await onEvaluated?.(changed, evaluated);
    return { ok: true, slo, value: evaluated };
  };

  const failed = (slo: SloDefinition, err: unknown): SloEvaluation => {
    log.warn({ slo: slo.name, err }, 'SLO evaluation failed');
    return { ok: false, slo, error: err instanceof Error ? err.message : String(err) };
  };

  const evaluateOne = (slo: SloDefinition): Promise<SloEvaluation> =>
    serialized(slo, async () => {
      const nowMs = now();
      try {
        const plan = planWindows(slo, nowMs);
        if (slo.sli.kind === 'promql') {
          if (promql === undefined) throw new Error('PromQL SLIs need a query runner and a series source');
          return await apply(slo, plan, await promqlSliCounts(slo, slo.sli, plan, nowMs, promql), 'promql', nowMs);
        }
        const query = sliQuery({ slo, windows: plan.windows, endMinuteSeconds: plan.endMinuteSeconds });
        const rows = await store.query<Record<string, unknown>>(query.sql, query.params);
        return await apply(slo, plan, query.read(rows), query.source, nowMs);
      } catch (err) {
        return failed(slo, err);
      }
    });

  /**
   * Span SLOs the rollups answer are evaluated in batches of whole services: on chDB planning a
   * statement costs more than reading pre-aggregated rows (see slo/sli/span-rollup.ts).
   */
  const evaluateBatch = async (slos: SloDefinition[]): Promise<SloEvaluation[]> => {
    const nowMs = now();
    const plans = new Map(slos.map((slo) => [slo.name, planWindows(slo, nowMs)]));
    let counts: Map<string, SliCounts>;
    try {
      const query = spanRollupQuery(slos.map((slo) => ({ slo, windows: plans.get(slo.name)!.windows })), Math.floor(nowMs / 60_000) * 60);
      counts = query.read(await store.query<RollupRow>(query.sql, query.params));
    } catch (err) {
      return slos.map((slo) => failed(slo, err));
    }
    return Promise.all(slos.map((slo) => serialized(slo, () => apply(slo, plans.get(slo.name)!, counts.get(slo.name)!, 'span-rollup', nowMs))));
  };

  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<unknown> = Promise.resolve();
  const evaluateAll = async (): Promise<SloEvaluation[]> => {
    const { slos } = registry.current();
    for (const name of latest.keys()) if (!slos.some((s) => s.name === name)) latest.delete(name);
    const byService = new Map<string, SloDefinition[]>();
    const alone: SloDefinition[] = [];
    for (const slo of slos) {
      if (!fitsSpanRollup(slo) || slo.budgeting.kind !== 'occurrences') alone.push(slo);
      else byService.set(slo.service, [...(byService.get(slo.service) ?? []), slo]);
    }
    const batches: SloDefinition[][] = [];
    for (const group of byService.values()) {
      const last = batches.at(-1);
      if (last !== undefined && last.length + group.length <= ROLLUP_BATCH_SLOS) last.push(...group);
      else batches.push([...group]);
    }
    const results = new Map<string, SloEvaluation>();
    // Sequential: chDB runs one statement at a time anyway, and reads from the API go first.
    for (const batch of batches) for (const r of await evaluateBatch(batch)) results.set(r.slo.name, r);
    for (const slo of alone) results.set(slo.name, await evaluateOne(slo));
    return slos.map((slo) => results.get(slo.name)!);
  };

  return {
    async evaluate(name) {
      const slo = registry.current().slos.find((s) => s.name === name);
      return slo === undefined ? undefined : evaluateOne(slo);
    },
    evaluateAll,
    latest: () => [...latest.values()],
    start(intervalMs) {
      const loop = (): void => {
        tick = evaluateAll().finally(() => {
          if (timer !== undefined) timer = setTimeout(loop, intervalMs);
        });
      };
      timer = setTimeout(loop, 0);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await tick;
    },
  };
}

/** What is firing now, from the last transition of every alert (survives restarts). */
async function loadAlertStates(store: Store): Promise<Map<string, AlertState>> {
  const rows = await store.query<{ AlertKey: string; transition: string; at: string }>(
    `SELECT AlertKey, argMax(Transition, EventTime) AS transition, toUnixTimestamp64Milli(max(EventTime)) AS at
     FROM tollgate_alert_events GROUP BY AlertKey`,
  );
  const states = new Map<string, AlertState>();
  for (const r of rows) states.set(r.AlertKey, r.transition === 'fired' ? { state: 'firing', sinceMs: Number(r.at) } : { state: 'inactive' });
  return states;
}
