import { describe, expect, it } from 'vitest';
import { formatProblem, loadSloSources } from '../../../src/slo/spec/index.js';
import { MINIMAL_SPEC, sloYaml } from './examples.js';

/*
 * sloYaml(MINIMAL_SPEC), the base every SLO case edits:
 *  1 apiVersion: tollgate.dev/v1
 *  2 kind: SLO
 *  3 metadata:
 *  4   name: demo
 *  5 spec:
 *  6   service: checkout
 *  7   objective: 99
 *  8   period: 7d
 *  9   sli:
 * 10     spans:
 * 11       bad: {status: error}
 */
const BASE = sloYaml(MINIMAL_SPEC);

const edit = (from: string, to: string): string => {
  if (!BASE.includes(from)) throw new Error(`test bug: "${from}" is not in the base document`);
  return BASE.replace(from, to);
};

const problemsOf = (text: string): string[] => loadSloSources([{ path: 'demo.yaml', text }]).problems.map(formatProblem);

const POLICY_BASE = `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: demo-prod}
spec:
  app: checkout
  environment: prod
  slos: [demo]
`;

/** The base SLO and a policy whose spec ends with `extraSpec`, in one file. */
const policyProblemsOf = (policySpec: string): string[] =>
  problemsOf(`${BASE}---\n${POLICY_BASE.replace('  slos: [demo]\n', policySpec)}`);

describe('problems in an SLO document', () => {
  it('loads the base document without problems', () => {
    expect(problemsOf(BASE)).toEqual([]);
  });

  it.each<[string, string, string[]]>([
    ['an unknown field, at the key', edit('  service: checkout\n', '  service: checkout\n  colour: blue\n'), ['demo.yaml:7:3: unknown field "colour"']],
    [
      'a misspelt required field, as unknown at the key and missing at the parent map',
      edit('objective: 99', 'objectve: 99'),
      ['demo.yaml:6:3: missing required field "objective"', 'demo.yaml:7:3: unknown field "objectve"'],
    ],
    ['an unknown field inside a flow mapping', edit('{status: error}', '{status: error, colour: red}'), ['demo.yaml:11:28: unknown field "colour"']],
    ['a wrong type, at the value', edit('objective: 99', 'objective: high'), ['demo.yaml:7:14: spec.objective must be a number, got "high"']],
    ['an empty value, at the key', edit('service: checkout', 'service:'), ['demo.yaml:6:3: spec.service must be a string, got nothing']],
    ['a missing required field, at the parent map', edit('  service: checkout\n', ''), ['demo.yaml:6:3: missing required field "service"']],
    ['a missing nested field, at the nested map', edit('      bad: {status: error}', '      match: {kind: server}'), ['demo.yaml:11:7: missing required field "bad"']],
    ['a value outside an enum', edit('{status: error}', '{status: failed}'), ['demo.yaml:11:21: spec.sli.spans.bad.status must be error, got "failed"']],
    ['a duplicate key', edit('  period: 7d\n', '  period: 7d\n  objective: 98\n'), ['demo.yaml:9:3: duplicate key "objective"']],
    ['a YAML syntax error', edit('period: 7d', 'period: "7d'), ['demo.yaml:12:1: invalid YAML: Missing closing "quote']],
    ['a tab used for indentation, without the follow-on errors on the same line', edit('  period: 7d', '\tperiod: 7d'), ['demo.yaml:8:1: invalid YAML: Tabs are not allowed as indentation']],
    ['objective 100', edit('objective: 99', 'objective: 100'), ['demo.yaml:7:14: objective must be between 0 and 100 (exclusive), got 100']],
    ['objective 0', edit('objective: 99', 'objective: 0'), ['demo.yaml:7:14: objective must be between 0 and 100 (exclusive), got 0']],
    ['objective written as a ratio', edit('objective: 99', 'objective: 0.999'), ['demo.yaml:7:14: objective is a percent: 0.999 means 0.999 %, write 99.9 for 99.9 %']],
    ['a period that is not whole days', edit('period: 7d', 'period: 36h'), ['demo.yaml:8:11: period must be whole days (like 7d, 28d, 30d), got "36h"']],
    ['a period that is not a duration', edit('period: 7d', 'period: 7 days'), ['demo.yaml:8:11: period must be whole days like 30d, or {calendar: month|week}, got "7 days"']],
    ['a period given as a bare number', edit('period: 7d', 'period: 7'), ['demo.yaml:8:11: spec.period must be whole days like 30d, or {calendar: month|week, timeZone: UTC}, got 7']],
    ['an unknown calendar', edit('period: 7d', 'period: {calendar: year}'), ['demo.yaml:8:22: spec.period.calendar must be one of month, week, got "year"']],
    ['an unknown time zone', edit('period: 7d', 'period: {calendar: month, timeZone: Mars/Olympus}'), ['demo.yaml:8:39: timeZone must be an IANA time zone like UTC or Europe/Berlin, got "Mars/Olympus"']],
    [
      'a bad duration',
      edit('{status: error}', '{duration_over: 300 ms}'),
      ['demo.yaml:11:28: duration_over must be a duration like 300ms (units ms, s, m, h, d, w), got "300 ms"'],
    ],
    [
      'a bad status code',
      edit('{status: error}', '{http_status: [500, 5xx, 600]}'),
      ['demo.yaml:11:37: http_status must be a class like 5xx, a status code like 503, or a list of them, got 600'],
    ],
    [
      'two bad conditions',
      edit('{status: error}', '{status: error, duration_over: 1s}'),
      ['demo.yaml:11:12: bad needs exactly one of status, http_status, duration_over, got status, duration_over'],
    ],
    [
      'two SLI sources',
      edit('      bad: {status: error}\n', '      bad: {status: error}\n    logs: {bad: {severity_at_least: ERROR}}\n'),
      ['demo.yaml:10:5: sli needs exactly one of spans, logs, metrics, got spans, logs'],
    ],
    [
      'an unknown log severity',
      edit('    spans:\n      bad: {status: error}\n', '    logs: {bad: {severity_at_least: ERR}}\n'),
      ['demo.yaml:10:37: severity_at_least must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, got "ERR"'],
    ],
    [
      'a metrics SLI of no known shape',
      edit('    spans:\n      bad: {status: error}\n', '    metrics: {good: {metric: ok_total}, bad: {metric: failed_total}}\n'),
      ['demo.yaml:10:14: metrics needs {good, total}, {bad, total} or {histogram, threshold}, got {bad, good}'],
    ],
    [
      'timeslice budgeting without a timeslice',
      `${BASE}  budgeting: timeslices\n`,
      ['demo.yaml:12:14: budgeting: timeslices needs timeslice: {window: 1m, target: 0.95}'],
    ],
    [
      'a timeslice target written as a percent',
      `${BASE}  budgeting: timeslices\n  timeslice: {window: 1m, target: 95}\n`,
      ['demo.yaml:13:35: target is a fraction (OpenSLO timeslices): write 0.95 for 95 %'],
    ],
    ['a timeslice without timeslice budgeting', `${BASE}  timeslice: {window: 1m, target: 0.95}\n`, ['demo.yaml:12:14: timeslice applies only with budgeting: timeslices']],
    [
      'an alert window whose short window is not shorter',
      `${BASE}  alerting:\n    windows:\n      - {severity: page, short: 1h, long: 5m, budget_percent: 2}\n`,
      ['demo.yaml:14:33: short window must be shorter than the long window'],
    ],
    [
      'a window in fractions of a second',
      `${BASE}  alerting:\n    windows: [{severity: ticket, short: 1500ms, long: 6h, budget_percent: 10}]\n`,
      ['demo.yaml:13:41: short must be whole seconds, got "1500ms"'],
    ],
    [
      'a name that is not a DNS label',
      edit('name: demo', 'name: Demo_SLO'),
      ['demo.yaml:4:9: name must be lowercase letters, digits and "-", start and end with a letter or digit, at most 63 characters (like checkout-availability), got "Demo_SLO"'],
    ],
    ['an unknown kind', edit('kind: SLO', 'kind: Slo'), ['demo.yaml:2:7: unknown kind "Slo", expected SLO, GatePolicy or BudgetAdjustment']],
    ['an unknown Tollgate apiVersion', edit('tollgate.dev/v1', 'tollgate.dev/v2'), ['demo.yaml:1:13: unknown apiVersion "tollgate.dev/v2", expected tollgate.dev/v1']],
    ['a missing apiVersion', edit('apiVersion: tollgate.dev/v1\n', ''), ['demo.yaml:1:1: missing required field "apiVersion" (or "version: prometheus/v1" for a Sloth file)']],
    ['a document that is a list', '- a\n- b\n', ['demo.yaml:1:1: a document must be a mapping with apiVersion, kind, metadata and spec, got a list']],
    ['an alias without an anchor', edit('service: checkout', 'service: *svc'), ['demo.yaml:1:1: invalid YAML: Unresolved alias (the anchor must be set before the alias): svc']],
  ])('reports %s', (_, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });
});

describe('problems in a GatePolicy document', () => {
  it('loads the base policy without problems', () => {
    expect(policyProblemsOf('  slos: [demo]\n')).toEqual([]);
  });

  // Policy lines start at 13: 13 apiVersion, 14 kind, 15 metadata, 16 spec, 17 app, 18 environment, 19 the edited line.
  it.each<[string, string, string[]]>([
    ['a bare number as budget', '  slos: [demo]\n  min_budget_remaining: 15\n', ['demo.yaml:20:25: min_budget_remaining is a fraction or a percent: write 15% or 0.15, got 15']],
    ['a budget above 100 %', '  slos: [demo]\n  min_budget_remaining: 150%\n', ['demo.yaml:20:25: min_budget_remaining must be a percent like 15% or a fraction from 0 to 1, got "150%"']],
    ['an empty SLO list', '  slos: []\n', ['demo.yaml:19:9: slos must name at least one SLO']],
    ['a non-string SLO name', '  slos: [demo, 7]\n', ['demo.yaml:19:16: spec.slos[1] must be a string, got 7']],
    ['slos of the wrong shape', '  slos: demo\n', ['demo.yaml:19:9: spec.slos must be a list of SLO names or {matchLabels: {...}}, got "demo"']],
    [
      'a misspelt selector',
      '  slos: {matchLabel: {team: a}}\n',
      ['demo.yaml:19:9: missing required field "matchLabels"', 'demo.yaml:19:10: unknown field "matchLabel"'],
    ],
    ['an unknown SLO name', '  slos: [demo, checkout-latency]\n', ['demo.yaml:19:16: slos names unknown SLO "checkout-latency"']],
    ['a selector matching no SLO', '  slos: {matchLabels: {team: nobody}}\n', ['demo.yaml:19:9: slos selector {team: nobody} matches no SLO']],
    ['an unknown no_data mode', '  slos: [demo]\n  no_data: maybe\n', ['demo.yaml:20:12: spec.no_data must be one of allow, deny, wait, got "maybe"']],
    ['a burn-rate window without a burn rate', '  slos: [demo]\n  burn_rate_window: 6h\n', ['demo.yaml:20:21: burn_rate_window applies only with max_burn_rate']],
    ['a bad burn-rate window', '  slos: [demo]\n  max_burn_rate: 2\n  burn_rate_window: hour\n', ['demo.yaml:21:21: burn_rate_window must be a duration like 1h (units ms, s, m, h, d, w), got "hour"']],
    ['a zero burn rate', '  slos: [demo]\n  max_burn_rate: 0\n', ['demo.yaml:20:18: max_burn_rate must be above 0, got 0']],
    ['a significance of 1', '  slos: [demo]\n  compare: {significance: 1}\n', ['demo.yaml:20:27: significance must be between 0 and 1 (exclusive), got 1']],
    ['dry_run as a string', '  slos: [demo]\n  dry_run: "no"\n', ['demo.yaml:20:12: spec.dry_run must be true or false, got "no"']],
  ])('reports %s', (_, spec, expected) => {
    expect(policyProblemsOf(spec)).toEqual(expected);
  });
});
