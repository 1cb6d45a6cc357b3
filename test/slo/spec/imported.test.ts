/**
 * Sloth and OpenSLO files, read by the same loader as Tollgate's own: the tools' example files
 * (test/fixtures/imported, copied unchanged) and problems at their file:line:column.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadSloSources, type SloDefinition } from '../../../src/slo/spec/index.js';
import { REPO_ROOT } from '../../helpers/tollgate.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/imported');
const example = (file: string) => ({ path: file, text: readFileSync(path.join(FIXTURES, file), 'utf8') });
const load = (...files: Array<{ path: string; text: string }>) => {
  const r = loadSloSources(files);
  return { ...r, problems: r.problems.map(formatProblem) };
};

const GETTING_STARTED_ERROR = 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))';
const GETTING_STARTED_TOTAL = 'sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))';

describe("Sloth's example files", () => {
  it('reads getting-started.yml (prometheus/v1) as an SLO named by its sloth_id, with Sloth\'s defaults', () => {
    const r = load(example('sloth/getting-started.yml'));
    expect(r.problems).toEqual([]);
    expect(r.slos).toEqual<SloDefinition[]>([{
      name: 'myservice-requests-availability',
      labels: { owner: 'myteam', repo: 'myorg/myservice', tier: '2' },
      service: 'myservice',
      description: 'Common SLO based on availability for HTTP request responses.',
      objectivePercent: 99.9,
      period: { kind: 'rolling', days: 30 },
      sli: { kind: 'promql', counts: 'bad', numeratorQuery: GETTING_STARTED_ERROR, totalQuery: GETTING_STARTED_TOTAL },
      budgeting: { kind: 'occurrences' },
      alerting: { minEvents: 0, customWindows: null },
      dependsOn: [],
      source: { file: 'sloth/getting-started.yml', line: 9, column: 11 },
      origin: { spec: 'prometheus/v1', shortName: 'requests-availability' },
    }]);
  });

  it('reads the Kubernetes PrometheusServiceLevel of the same SLO to the same definition', () => {
    const file = load(example('sloth/getting-started.yml')).slos[0]!;
    const k8s = load(example('sloth/k8s-getting-started.yml'));
    expect(k8s.problems).toEqual([]);
    expect(k8s.slos).toEqual([{ ...file, source: { file: 'sloth/k8s-getting-started.yml', line: 18, column: 13 }, origin: { spec: 'sloth.slok.dev/v1', shortName: 'requests-availability' } }]);
  });

  it.each([
    ['multifile.yml', ['myservice-requests-availability', 'myservice2-requests-availability']],
    ['k8s-multifile.yml', ['myservice-requests-availability', 'myservice2-requests-availability']],
    ['home-wifi.yml', ['home-wifi-good-wifi-client-satisfaction', 'home-wifi-risk-wifi-client-satisfaction']],
    ['k8s-home-wifi.yml', ['home-wifi-good-wifi-client-satisfaction', 'home-wifi-risk-wifi-client-satisfaction']],
    ['kubernetes-apiserver.yml', ['k8s-apiserver-requests-availability', 'k8s-apiserver-requests-latency']],
  ])('reads %s', (file, names) => {
    const r = load(example(`sloth/${file}`));
    expect(r.problems).toEqual([]);
    expect(r.slos.map((s) => s.name)).toEqual(names);
  });

  it('reads a raw SLI as an error ratio query without a total', () => {
    const [slo] = load(example('sloth/raw-home-wifi.yml')).slos;
    expect(slo!.sli).toMatchObject({ kind: 'promql', counts: 'bad', totalQuery: null });
    expect(slo!.sli.kind === 'promql' && slo!.sli.numeratorQuery).toContain('sum(count_over_time(unifipoller_client_satisfaction_ratio[{{.window}}]))');
  });

  it('drops the alert rows Sloth disables', () => {
    expect(load(example('sloth/no-alerts.yml')).slos[0]!.alerting.customWindows).toEqual([]);
    const ticketOnly = readFileSync(path.join(FIXTURES, 'sloth/getting-started.yml'), 'utf8').replace('page_alert:\n', 'page_alert:\n        disable: true\n');
    const rows = load({ path: 'ticket-only.yml', text: ticketOnly }).slos[0]!.alerting.customWindows;
    expect(rows?.map((w) => `${w.severity} ${w.shortWindowSeconds}/${w.longWindowSeconds} ${w.budgetPercent}%`)).toEqual(['ticket 7200/86400 10%', 'ticket 21600/259200 10%']);
  });

  it('reports SLI plugins (Go code Tollgate cannot run) at the plugin', () => {
    expect(load(example('sloth/plugin-getting-started.yml')).problems).toEqual([
      'sloth/plugin-getting-started.yml:14:9: Sloth SLI plugins are not supported: write the SLI as events (error and total queries) or raw',
    ]);
  });

  it('keeps documents it does not read (AlertWindows, OpenSLO v1alpha) as foreign', () => {
    const r = load(example('sloth/windows-7d.yaml'), example('sloth/openslo-getting-started.yml'));
    expect(r.problems).toEqual([]);
    expect(r.foreign.map((f) => `${f.apiVersion} ${f.kind}`)).toEqual(['openslo/v1alpha SLO', 'sloth.slok.dev/v1 AlertWindows']);
  });

  it.each([
    ['a misspelt field', (t: string) => t.replace('error_query:', 'error_querry:'), ['x.yml:14:9: missing required field "error_query"', 'x.yml:14:9: unknown field "error_querry"']],
    ['an objective written as a ratio', (t: string) => t.replace('objective: 99.9', 'objective: 0.999'), 'x.yml:10:16: objective is a percent: 0.999 means 0.999 %, write 99.9 for 99.9 %'],
    ['another template variable', (t: string) => t.replace('[{{.window}}]))\n        total', '[{{.interval}}]))\n        total'), 'x.yml:14:22: only the {{.window}} placeholder is supported, found {{.interval}}'],
    ['a query returning a range vector', (t: string) => t.replace(GETTING_STARTED_TOTAL, 'http_requests_total[{{.window}}]'), 'x.yml:15:22: the query must return an instant vector or a scalar, it returns a range vector'],
  ])('reports %s at its line and column', (_, edit, problems) => {
    expect(load({ path: 'x.yml', text: edit(readFileSync(path.join(FIXTURES, 'sloth/getting-started.yml'), 'utf8')) }).problems).toEqual([problems].flat());
  });
});

describe("OpenSLO's example files", () => {
  it('reads the go-sdk v1 examples: a Prometheus counter ratio given a window, Timeslices, a calendar week', () => {
    const r = load(...['slos', 'slis', 'data_sources', 'services', 'alert_policies', 'alert_conditions', 'alert_notification_targets'].map((f) => example(`openslo-go-sdk/${f}.yaml`)));
    expect(r.problems).toEqual([]);
    expect(r.slos).toEqual<SloDefinition[]>([{
      name: 'web-availability',
      labels: { env: 'prod', team: 'team-a,team-b' },
      service: 'web',
      description: 'X% of search requests are successful',
      objectivePercent: 99.5,
      period: { kind: 'calendar', calendar: 'week', timeZone: 'America/New_York' },
      sli: {
        kind: 'promql',
        counts: 'good',
        numeratorQuery: 'sum(increase(http_requests{k8s_cluster="prod",component="web",code=~"2xx|4xx"}[{{.window}}]))',
        totalQuery: 'sum(increase(http_requests{k8s_cluster="prod",component="web"}[{{.window}}]))',
      },
      budgeting: { kind: 'timeslices', windowSeconds: 60, targetFraction: 0.95 },
      alerting: { minEvents: 0, customWindows: null },
      dependsOn: [],
      source: { file: 'openslo-go-sdk/slos.yaml', line: 4, column: 11 },
      origin: { spec: 'openslo/v1', shortName: 'web-availability' },
    }]);
  });

  it('reports what it cannot evaluate in the OpenSLO repository\'s examples, at the spot', () => {
    const files = ['budgeting-method-occurences-slo', 'budgeting-method-ratio-timeslices', 'treat-low-traffic-as-equally-important-timeslices-slo'];
    expect(load(...files.map((f) => example(`openslo/${f}.yaml`))).problems).toEqual([
      'openslo/budgeting-method-occurences-slo.yaml:16:9: thresholdMetric SLIs are not supported; use ratioMetric',
      'openslo/budgeting-method-ratio-timeslices.yaml:18:13: metricSource type "Any" is not supported: Tollgate evaluates Prometheus (PromQL) queries over its stored metrics',
      'openslo/treat-low-traffic-as-equally-important-timeslices-slo.yaml:16:13: metricSource type "Any" is not supported: Tollgate evaluates Prometheus (PromQL) queries over its stored metrics',
    ]);
  });

  const SLI = `apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-requests}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {metricSourceRef: prom, spec: {query: 'http_requests_total{code=~"5.."}'}}}
    total: {metricSource: {metricSourceRef: prom, spec: {query: http_requests_total}}}
`;
  const DATA_SOURCE = 'apiVersion: openslo/v1\nkind: DataSource\nmetadata: {name: prom}\nspec: {type: Prometheus, connectionDetails: {url: "http://prometheus:9090"}}\n';
  const slo = (spec: string) => `apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout}
spec:
  service: checkout
  budgetingMethod: Occurrences
${spec}`;

  it('joins an SLO to an SLI and a DataSource written in other files', () => {
    const r = load(
      { path: 'a-slo.yaml', text: slo('  indicatorRef: checkout-requests\n  timeWindow: [{duration: 4w, isRolling: true}]\n  objectives: [{targetPercent: 99.5}]\n') },
      { path: 'b-sli.yaml', text: SLI },
      { path: 'c-source.yaml', text: DATA_SOURCE },
    );
    expect(r.problems).toEqual([]);
    expect(r.slos[0]).toMatchObject({
      name: 'checkout',
      objectivePercent: 99.5,
      period: { kind: 'rolling', days: 28 },
      sli: { kind: 'promql', counts: 'bad', numeratorQuery: 'increase(http_requests_total{code=~"5.."}[{{.window}}])', totalQuery: 'increase(http_requests_total[{{.window}}])' },
    });
  });

  it('makes an SLO per objective', () => {
    const r = load({ path: 's.yaml', text: slo('  indicatorRef: checkout-requests\n  objectives: [{displayName: Internal goal, target: 0.999}, {displayName: SLA, target: 0.99}]\n') }, { path: 't.yaml', text: SLI }, { path: 'u.yaml', text: DATA_SOURCE });
    expect(r.slos.map((s) => `${s.name} ${s.objectivePercent}`)).toEqual(['checkout-internal-goal 99.9', 'checkout-sla 99']);
  });

  it.each([
    ['an SLI that is not there', '  indicatorRef: nope\n  objectives: [{target: 0.99}]\n', 's.yaml:7:17: no OpenSLO SLI named "nope" in the SLO directory'],
    ['RatioTimeslices', '  indicatorRef: checkout-requests\n  objectives: [{target: 0.99}]\n', 's.yaml:8:16: budgetingMethod RatioTimeslices is not supported; use Occurrences or Timeslices', 'RatioTimeslices'],
    ['a quarter', '  indicatorRef: checkout-requests\n  timeWindow: [{duration: 1Q, calendar: {startTime: "2022-01-01 00:00:00", timeZone: UTC}}]\n  objectives: [{target: 0.99}]\n', 's.yaml:8:16: a calendar timeWindow must be 1w or 1M, got "1Q"'],
    ['a composite SLO', '  objectives: [{target: 0.99, indicatorRef: checkout-requests}]\n', 's.yaml:5:3: composite SLOs (an indicator per objective) are not supported'],
  ])('reports %s', (_, spec, problem, method = 'Occurrences') => {
    const text = slo(spec).replace('budgetingMethod: Occurrences', `budgetingMethod: ${method}`);
    expect(load({ path: 's.yaml', text }, { path: 't.yaml', text: SLI }, { path: 'u.yaml', text: DATA_SOURCE }).problems).toEqual([problem]);
  });

  it('asks for a window when a query is not a counter', () => {
    const gauge = SLI.replace('counter: true', 'counter: false');
    expect(load({ path: 's.yaml', text: slo('  indicatorRef: checkout-requests\n  objectives: [{target: 0.99}]\n') }, { path: 't.yaml', text: gauge }, { path: 'u.yaml', text: DATA_SOURCE }).problems).toEqual([
      't.yaml:7:63: a query without {{.window}} must be a counter (counter: true) so that Tollgate can count its increase over a window',
    ]);
  });
});
