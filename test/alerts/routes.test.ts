import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAlertRoutes, prometheusAlertsBody, prometheusRulesBody, type AlertInstance } from '../../src/alerts/index.js';
import { checkoutFastPage, checkoutFastPageAnnotations, checkoutFastPageLabels, checkoutSlowPage, NOW_MS, searchTicket, TEN_MINUTES_AGO } from './fixtures.js';

const instances = (): AlertInstance[] => [checkoutFastPage(), checkoutSlowPage(), searchTicket()];
const app = (get: () => AlertInstance[] | Promise<AlertInstance[]> = instances) =>
  createAlertRoutes(get, { intervalSeconds: 30, lastEvaluationMs: () => NOW_MS, log: pino({ level: 'silent' }) });

async function getJson(path: string, a = app()): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const res = await a.request(path);
  return { status: res.status, contentType: res.headers.get('content-type'), body: (await res.json()) as unknown };
}

describe('createAlertRoutes', () => {
  it('answers GET /api/v1/alerts with the Prometheus envelope of the firing alerts', async () => {
    expect(await getJson('/api/v1/alerts')).toStrictEqual({
      status: 200,
      contentType: 'application/json',
      body: {
        status: 'success',
        data: {
          alerts: [
            { labels: checkoutFastPageLabels(), annotations: checkoutFastPageAnnotations(), state: 'firing', activeAt: TEN_MINUTES_AGO, value: '2.0100000000e-02' },
          ],
        },
      },
    });
  });

  it('answers GET /api/v1/rules with the same body as prometheusRulesBody', async () => {
    const expected = prometheusRulesBody(instances(), { intervalSeconds: 30, lastEvaluationMs: NOW_MS });
    const { status, body } = await getJson('/api/v1/rules');
    expect(status).toBe(200);
    expect(body).toStrictEqual(JSON.parse(JSON.stringify(expected)));
    expect(expected.data.groups.map((g) => [g.name, g.rules.length, g.lastEvaluation])).toEqual([
      ['checkout-availability', 2, '2025-01-15T12:00:00.000Z'],
      ['search-latency', 1, '2025-01-15T12:00:00.000Z'],
    ]);
  });

  it('awaits an engine that answers asynchronously', async () => {
    const { body } = await getJson('/api/v1/alerts', app(async () => instances()));
    expect(body).toStrictEqual(JSON.parse(JSON.stringify(prometheusAlertsBody(instances()))));
  });

  it.each([
    ['alert', 2],
    ['record', 0],
  ])('filters rules by type=%s as Prometheus does, giving %s groups', async (type, groupCount) => {
    const { status, body } = await getJson(`/api/v1/rules?type=${type}`);
    expect(status).toBe(200);
    expect((body as { data: { groups: unknown[] } }).data.groups).toHaveLength(groupCount); // shape checked by the test above
  });

  it('refuses an unknown rule type with a Prometheus bad_data error', async () => {
    expect(await getJson('/api/v1/rules?type=recording')).toStrictEqual({
      status: 400,
      contentType: 'application/json',
      body: { status: 'error', errorType: 'bad_data', error: 'invalid query parameter type="recording": use alert or record' },
    });
  });

  it('answers a Prometheus internal error, without the engine text, when the engine fails, and logs the error', async () => {
    const logged: string[] = [];
    const failing = createAlertRoutes(
      () => {
        throw new Error('chDB: table otel_traces is locked');
      },
      { intervalSeconds: 30, log: { warn: (obj, msg) => void logged.push(`${msg}: ${String(obj['err'])}`) } },
    );
    for (const path of ['/api/v1/alerts', '/api/v1/rules']) {
      expect(await getJson(path, failing)).toStrictEqual({
        status: 500,
        contentType: 'application/json',
        body: { status: 'error', errorType: 'internal', error: 'alert state is unavailable; see the Tollgate log' },
      });
    }
    expect(logged).toEqual([
      'reading alert instances failed; answering 500: Error: chDB: table otel_traces is locked',
      'reading alert instances failed; answering 500: Error: chDB: table otel_traces is locked',
    ]);
  });

  it('reports "never evaluated" when no evaluation time is given', async () => {
    const a = createAlertRoutes(instances, { intervalSeconds: 60 });
    const { body } = await getJson('/api/v1/rules', a);
    const groups = (body as { data: { groups: Array<{ interval: number; lastEvaluation: string }> } }).data.groups; // shape checked above
    expect(groups.map((g) => [g.interval, g.lastEvaluation])).toEqual([
      [60, '0001-01-01T00:00:00Z'],
      [60, '0001-01-01T00:00:00Z'],
    ]);
  });
});
