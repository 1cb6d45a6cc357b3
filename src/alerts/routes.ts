/**
 * @module alerts/routes
 * `GET /api/v1/alerts` and `GET /api/v1/rules` in Prometheus' shapes, for the lead to mount on the API app.
 */
import { Hono } from 'hono';
import type { WarnLogger } from './notifier.js';
import { prometheusAlertsBody, prometheusRulesBody } from './prometheus-api.js';
import type { AlertInstance } from './types.js';

export interface AlertRoutesOptions {
  /** How often the engine evaluates, in seconds; reported as each group's `interval`. */
  intervalSeconds: number;
  /** When the engine last evaluated; omitted or null reports "never" (Go's zero time), as Prometheus does. */
  lastEvaluationMs?: () => number | null;
  /** The rules' `file`, which Grafana shows as the namespace. @default 'tollgate' */
  file?: string;
  log?: WarnLogger;
}

/** Prometheus' error envelope, which Grafana shows verbatim. */
interface PrometheusError {
  status: 'error';
  errorType: 'bad_data' | 'internal';
  error: string;
}

export function createAlertRoutes(
  getInstances: () => AlertInstance[] | Promise<AlertInstance[]>,
  { intervalSeconds, lastEvaluationMs = () => null, file = 'tollgate', log }: AlertRoutesOptions,
): Hono {
  const app = new Hono();

  app.get('/api/v1/alerts', async (c) => {
    const instances = await load(getInstances, log);
    if (instances === undefined) return c.json(internalError(), 500);
    return c.json(prometheusAlertsBody(instances));
  });

  app.get('/api/v1/rules', async (c) => {
    // Prometheus' `type` filter: `alert` or `record`. Tollgate has no recording rules.
    const type = c.req.query('type');
    if (type !== undefined && type !== 'alert' && type !== 'record') {
      const body: PrometheusError = { status: 'error', errorType: 'bad_data', error: `invalid query parameter type=${JSON.stringify(type)}: use alert or record` };
      return c.json(body, 400);
    }
    const instances = type === 'record' ? [] : await load(getInstances, log);
    if (instances === undefined) return c.json(internalError(), 500);
    return c.json(prometheusRulesBody(instances, { intervalSeconds, lastEvaluationMs: lastEvaluationMs(), file }));
  });

  return app;
}

async function load(
  getInstances: () => AlertInstance[] | Promise<AlertInstance[]>,
  log: WarnLogger | undefined,
): Promise<AlertInstance[] | undefined> {
  try {
    return await getInstances();
  } catch (err) {
    log?.warn({ err }, 'reading alert instances failed; answering 500');
    return undefined;
  }
}

// The engine's error text stays in the log: it may name internals a dashboard viewer has no use for.
const internalError = (): PrometheusError => ({ status: 'error', errorType: 'internal', error: 'alert state is unavailable; see the Tollgate log' });
