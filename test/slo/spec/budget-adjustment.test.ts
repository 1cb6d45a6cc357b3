import { describe, expect, it } from 'vitest';
import { formatProblem, loadSloSources, type BudgetAdjustment } from '../../../src/slo/spec/index.js';
import { MINIMAL_SPEC, sloYaml } from './examples.js';

const SLO = sloYaml(MINIMAL_SPEC); // an SLO named demo, labels none

/*
 * The adjustment every case edits, lines as the file has them (after the SLO's 11 lines and `---`):
 * 13 apiVersion: tollgate.dev/v1
 * 14 kind: BudgetAdjustment
 * 15 metadata: {name: db-migration}
 * 16 spec:
 * 17   slos: [demo]
 * 18   reason: planned database migration
 * 19   exclude: {from: "2026-12-01T02:00:00Z", to: "2026-12-01T03:00:00Z"}
 */
const ADJUSTMENT = `apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: db-migration}
spec:
  slos: [demo]
  reason: planned database migration
  exclude: {from: "2026-12-01T02:00:00Z", to: "2026-12-01T03:00:00Z"}
`;

const load = (adjustment: string) => loadSloSources([{ path: 'demo.yaml', text: `${SLO}---\n${adjustment}` }]);
const withExclude = (exclude: string): string => ADJUSTMENT.replace('{from: "2026-12-01T02:00:00Z", to: "2026-12-01T03:00:00Z"}', exclude);
const problemsOf = (adjustment: string): string[] => load(adjustment).problems.map(formatProblem);

describe('BudgetAdjustment documents', () => {
  it('loads an exact window into the domain shape', () => {
    const result = load(ADJUSTMENT);
    expect(result.problems).toEqual([]);
    expect(result.adjustments).toEqual<BudgetAdjustment[]>([{
      name: 'db-migration',
      labels: {},
      slos: { kind: 'names', names: ['demo'] },
      reason: 'planned database migration',
      exclude: { kind: 'window', fromSeconds: Date.parse('2026-12-01T02:00:00Z') / 1000, toSeconds: Date.parse('2026-12-01T03:00:00Z') / 1000 },
      source: { file: 'demo.yaml', line: 15, column: 18 },
    }]);
  });

  it.each<[string, string, object]>([
    ['every week', '{every: week, on: [sunday], at: "02:00", for: 2h, timeZone: Europe/Berlin}',
      { kind: 'recurring', cron: '0 2 * * 0', durationSeconds: 7_200, timeZone: 'Europe/Berlin', description: 'every sunday at 02:00 Europe/Berlin, for 2h' }],
    ['every week on two days, short names', '{every: week, on: [sat, Sun], at: "23:30", for: 90m}',
      { kind: 'recurring', cron: '30 23 * * 0,6', durationSeconds: 5_400, timeZone: 'UTC', description: 'every sunday, saturday at 23:30 UTC, for 1h30m' }],
    ['every day', '{every: day, at: "04:15", for: 15m, timeZone: America/New_York}',
      { kind: 'recurring', cron: '15 4 * * *', durationSeconds: 900, timeZone: 'America/New_York', description: 'every day at 04:15 America/New_York, for 15m' }],
    ['every month', '{every: month, on: [15, 1], at: "00:00", for: 1d}',
      { kind: 'recurring', cron: '0 0 1,15 * *', durationSeconds: 86_400, timeZone: 'UTC', description: 'every month on day 1, 15 at 00:00 UTC, for 1d' }],
    ['a cron expression', '{cron: "0 2 * * 0", for: 2h, timeZone: Europe/Berlin}',
      { kind: 'recurring', cron: '0 2 * * 0', durationSeconds: 7_200, timeZone: 'Europe/Berlin', description: 'cron "0 2 * * 0" in Europe/Berlin, for 2h' }],
  ])('loads %s as a cron expression in its time zone', (_name, exclude, expected) => {
    const result = load(withExclude(exclude));
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.adjustments[0]?.exclude).toEqual(expected);
  });

  it('selects SLOs by labels', () => {
    const labelled = `${sloYaml(MINIMAL_SPEC).replace('  name: demo', '  name: demo\n  labels: {team: payments}')}---\n${ADJUSTMENT.replace('slos: [demo]', 'slos: {matchLabels: {team: payments}}')}`;
    const result = loadSloSources([{ path: 'demo.yaml', text: labelled }]);
    expect(result.problems).toEqual([]);
    expect(result.adjustments[0]?.slos).toEqual({ kind: 'selector', matchLabels: { team: 'payments' } });
  });

  it.each<[string, string, string[]]>([
    ['an unknown SLO, at its name', ADJUSTMENT.replace('slos: [demo]', 'slos: [demo, nope]'), ['demo.yaml:17:16: slos names unknown SLO "nope"']],
    ['a selector matching nothing', ADJUSTMENT.replace('slos: [demo]', 'slos: {matchLabels: {team: nobody}}'), ['demo.yaml:17:9: slos selector {team: nobody} matches no SLO']],
    ['a missing reason', ADJUSTMENT.replace('  reason: planned database migration\n', ''), ['demo.yaml:17:3: missing required field "reason"']],
    ['a time without a zone', withExclude('{from: "2026-12-01T02:00:00", to: "2026-12-01T03:00:00Z"}'),
      ['demo.yaml:19:19: from must be a time like "2026-12-01T02:00:00Z" (RFC 3339, with Z or an offset), got "2026-12-01T02:00:00"']],
    ['a time inside a minute', withExclude('{from: "2026-12-01T02:00:30Z", to: "2026-12-01T03:00:00Z"}'),
      ['demo.yaml:19:19: from must be a whole minute (recorded SLO numbers are minutes), got "2026-12-01T02:00:30Z"']],
    ['to before from', withExclude('{from: "2026-12-01T02:00:00Z", to: "2026-12-01T01:00:00Z"}'), ['demo.yaml:19:47: to must be after from']],
    ['from without to', withExclude('{from: "2026-12-01T02:00:00Z"}'), ['demo.yaml:19:19: exclude with from also needs to']],
    ['two shapes at once', withExclude('{from: "2026-12-01T02:00:00Z", to: "2026-12-01T03:00:00Z", cron: "0 2 * * 0"}'),
      ['demo.yaml:19:12: exclude needs exactly one of {from, to}, {every, at, for} or {cron, for}, got from/to and cron']],
    ['a weekday that is not one', withExclude('{every: week, on: [sundy], at: "02:00", for: 2h}'), ['demo.yaml:19:30: on must list weekdays (monday … sunday), got "sundy"']],
    ['a week without days', withExclude('{every: week, at: "02:00", for: 2h}'), ['demo.yaml:19:20: every: week needs on: a list of weekdays like [sunday]']],
    ['an unquoted-looking clock', withExclude('{every: day, at: "2am", for: 2h}'), ['demo.yaml:19:29: at must be a time of day like "02:00" (24-hour, quoted), got "2am"']],
    ['a recurring exclude without for', withExclude('{every: day, at: "02:00"}'), ['demo.yaml:19:12: a recurring exclude needs for (how long each occurrence lasts, like 2h)']],
    ['a duration inside a minute', withExclude('{every: day, at: "02:00", for: 90s}'), ['demo.yaml:19:43: for must be whole minutes, got 90 s']],
    ['a cron with six fields', withExclude('{cron: "0 0 2 * * 0", for: 2h}'),
      ['demo.yaml:19:19: cron must have five fields (minute hour day-of-month month day-of-week), like "0 2 * * 0", got "0 0 2 * * 0"']],
    ['a cron that does not parse', withExclude('{cron: "0 25 * * *", for: 2h}'), [expect.stringMatching(/^demo\.yaml:19:19: cron "0 25 \* \* \*" is not valid: /) as unknown as string]],
    ['an unknown time zone', withExclude('{cron: "0 2 * * 0", for: 2h, timeZone: Mars/Olympus}'),
      ['demo.yaml:19:51: timeZone must be an IANA time zone like UTC or Europe/Berlin, got "Mars/Olympus"']],
    ['an unknown field', withExclude('{cron: "0 2 * * 0", for: 2h, every: week, at: "02:00", on: [sunday], until: tomorrow}').replace(', every: week, at: "02:00", on: [sunday]', ''),
      ['demo.yaml:19:41: unknown field "until"']],
  ])('reports %s at its line and column', (_name, text, expected) => {
    expect(problemsOf(text)).toEqual(expected);
  });

  it('reports a second adjustment of the same name', () => {
    expect(problemsOf(`${ADJUSTMENT}---\n${ADJUSTMENT}`)).toEqual(['demo.yaml:23:18: duplicate budget adjustment name "db-migration" (first defined at demo.yaml:15:18)']);
  });
});
