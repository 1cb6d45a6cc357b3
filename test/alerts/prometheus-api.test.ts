import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { burnRateQuery, prometheusAlertsBody, prometheusRulesBody, type PrometheusRulesOptions } from '../../src/alerts/index.js';
import { complementText } from '../../src/alerts/decimal-text.js';
import { goExponent } from '../../src/alerts/prometheus-api.js';
import {
  checkoutFastPage,
  checkoutFastPageAnnotations,
  checkoutFastPageLabels,
  checkoutSlowPage,
  NOW,
  NOW_MS,
  searchTicket,
  TEN_MINUTES_AGO,
} from './fixtures.js';

const CHECKOUT_FAST_QUERY =
  '(slo:sli_error:ratio_rate5m{sloth_id="checkout-checkout-availability"} > (14.4 * 0.001)) and ' +
  '(slo:sli_error:ratio_rate1h{sloth_id="checkout-checkout-availability"} > (14.4 * 0.001))';

/** What both endpoints report for the firing fast page alert: value is 20.1 × 0.001, Go-formatted. */
const checkoutFastPageAlert = () => ({
  labels: checkoutFastPageLabels(),
  annotations: checkoutFastPageAnnotations(),
  state: 'firing',
  activeAt: TEN_MINUTES_AGO,
  value: '2.0100000000e-02',
});

/** Error nodes in the parse tree of Prometheus' own (lezer) PromQL grammar, as used by its web UI. */
function promqlErrorCount(query: string): number {
  let errors = 0;
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors++;
    },
  });
  return errors;
}

const rulesOptions = (): PrometheusRulesOptions => ({ intervalSeconds: 30, lastEvaluationMs: NOW_MS });

describe('prometheusAlertsBody', () => {
  it('lists only firing alerts, in the Prometheus envelope', () => {
    expect(prometheusAlertsBody([checkoutFastPage(), checkoutSlowPage(), searchTicket()])).toStrictEqual({
      status: 'success',
      data: { alerts: [checkoutFastPageAlert()] },
    });
  });

  it('answers an empty list, not null, when nothing fires', () => {
    expect(prometheusAlertsBody([checkoutSlowPage()])).toStrictEqual({ status: 'success', data: { alerts: [] } });
  });

  it('leaves activeAt out, as Prometheus does, when the engine gives no start time', () => {
    const [alert] = prometheusAlertsBody([{ ...checkoutFastPage(), sinceMs: null }]).data.alerts;
    expect(alert).toStrictEqual({ labels: checkoutFastPageLabels(), annotations: checkoutFastPageAnnotations(), state: 'firing', value: '2.0100000000e-02' });
  });
});

describe('prometheusRulesBody', () => {
  it('answers one group per SLO and one alerting rule per window, with exact Prometheus field names', () => {
    const { alertname: _alertname, ...ruleLabels } = checkoutFastPageLabels();
    expect(prometheusRulesBody([checkoutFastPage(), checkoutSlowPage(), searchTicket()], rulesOptions())).toStrictEqual({
      status: 'success',
      data: {
        groups: [
          {
            name: 'checkout-availability',
            file: 'tollgate',
            rules: [
              {
                state: 'firing',
                name: 'TollgateSLOBurnRate',
                query: CHECKOUT_FAST_QUERY,
                duration: 0,
                keepFiringFor: 0,
                labels: ruleLabels,
                annotations: checkoutFastPageAnnotations(),
                alerts: [checkoutFastPageAlert()],
                health: 'ok',
                evaluationTime: 0,
                lastEvaluation: NOW,
                type: 'alerting',
              },
              {
                state: 'inactive',
                name: 'TollgateSLOBurnRate',
                query:
                  '(slo:sli_error:ratio_rate30m{sloth_id="checkout-checkout-availability"} > (6 * 0.001)) and ' +
                  '(slo:sli_error:ratio_rate6h{sloth_id="checkout-checkout-availability"} > (6 * 0.001))',
                duration: 0,
                keepFiringFor: 0,
                labels: { ...ruleLabels, short_window: '30m', long_window: '6h', burn_factor: '6' },
                annotations: {
                  summary: 'SLO checkout-availability (checkout) burns its error budget above 6× over 30m and 6h',
                  description: 'the 30m window burns at 2×, not above 6×',
                },
                alerts: [],
                health: 'ok',
                evaluationTime: 0,
                lastEvaluation: NOW,
                type: 'alerting',
              },
            ],
            interval: 30,
            limit: 0,
            evaluationTime: 0,
            lastEvaluation: NOW,
          },
          {
            name: 'search-latency',
            file: 'tollgate',
            rules: [
              {
                state: 'inactive',
                name: 'TollgateSLOBurnRate',
                query:
                  '(slo:sli_error:ratio_rate2h{sloth_id="search-search-latency"} > (3 * 0.005)) and ' +
                  '(slo:sli_error:ratio_rate1d{sloth_id="search-search-latency"} > (3 * 0.005))',
                duration: 0,
                keepFiringFor: 0,
                labels: { burn_factor: '3', long_window: '1d', service: 'search', severity: 'ticket', short_window: '2h', slo: 'search-latency' },
                annotations: {
                  summary: 'SLO search-latency (search) burns its error budget above 3× over 2h and 1d',
                  description: 'the 2h window has no events',
                },
                alerts: [],
                health: 'unknown',
                evaluationTime: 0,
                lastEvaluation: NOW,
                type: 'alerting',
              },
            ],
            interval: 30,
            limit: 0,
            evaluationTime: 0,
            lastEvaluation: NOW,
          },
        ],
      },
    });
  });

  it("reports Go's zero time before the first evaluation, as Prometheus does", () => {
    const body = prometheusRulesBody([checkoutFastPage()], { ...rulesOptions(), lastEvaluationMs: null, file: 'slos', evaluationTimeSeconds: 0.25 });
    const [group] = body.data.groups;
    expect([group?.file, group?.lastEvaluation, group?.evaluationTime, group?.rules[0]?.lastEvaluation]).toEqual([
      'slos',
      '0001-01-01T00:00:00Z',
      0.25,
      '0001-01-01T00:00:00Z',
    ]);
  });

  it('answers no groups when there are no alert rules', () => {
    expect(prometheusRulesBody([], rulesOptions())).toStrictEqual({ status: 'success', data: { groups: [] } });
  });
});

describe('burnRateQuery', () => {
  it.each([
    [0.999, 14.4, '(14.4 * 0.001)'],
    [0.9995, 6, '(6 * 0.0005)'],
    [0.95, 1, '(1 * 0.05)'],
    [0.9999999, 3, '(3 * 0.0000001)'],
  ])('writes objective %s with factor %s as the exact threshold %s', (objective, burnFactor, threshold) => {
    expect(burnRateQuery({ ...checkoutFastPage(), objective, burnFactor })).toContain(`> ${threshold})`);
  });

  it.each([
    ['the fast page rule', burnRateQuery(checkoutFastPage())],
    ['the ticket rule', burnRateQuery(searchTicket())],
    ['a rule with an escaped service name', burnRateQuery({ ...checkoutFastPage(), service: 'a"b\\c' })],
  ])('writes %s as PromQL that parses without errors', (_name, query) => {
    expect(promqlErrorCount(query)).toBe(0);
  });

  it('has a PromQL check that does notice a broken query', () => {
    expect(promqlErrorCount('(slo:sli_error:ratio_rate5m{sloth_id="x} > (14.4 * 0.001)')).toBeGreaterThan(0);
  });

  it('escapes a double quote in a service name inside the label matcher', () => {
    expect(burnRateQuery({ ...checkoutFastPage(), service: 'we"ird' })).toContain('{sloth_id="we\\"ird-checkout-availability"}');
  });
});

describe('complementText', () => {
  it.each([
    [0.999, '0.001'],
    [0.9995, '0.0005'],
    [0.95, '0.05'],
    [0.5, '0.5'],
    [0.9999999, '0.0000001'],
    [1e-7, '0.9999999'],
    [0, '1'],
    [1.5, '-0.5'],
  ])('1 - %s is exactly %s', (x, text) => {
    expect(complementText(x)).toBe(text);
  });

  it('refuses a number that has no decimal text', () => {
    expect(() => complementText(Number.NaN)).toThrow(RangeError);
  });
});

describe('goExponent', () => {
  it.each([
    [0.020100000000000003, '2.0100000000e-02'],
    [1, '1.0000000000e+00'],
    [0, '0.0000000000e+00'],
    [1234.5, '1.2345000000e+03'],
    [1e-120, '1.0000000000e-120'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
  ])("formats %s as Go's strconv.FormatFloat(v, 'e', 10, 64): %s", (v, text) => {
    expect(goExponent(v)).toBe(text);
  });
});
