/**
 * The report as people read it: the Markdown a pull request gets, checked against a golden file
 * (`TOLLGATE_UPDATE_GOLDEN=1 npx vitest run test/backtest/format.test.ts` rewrites it after a
 * deliberate change), and the terminal text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMarkdown, formatText, reportWire, type BacktestReport } from '../../src/backtest/index.js';

const GOLDEN = path.join(import.meta.dirname, 'golden', 'diff.md');
const T = Date.parse('2026-12-04T12:00:00Z');
const MIN = 60_000;

/** A change that raises an objective, adds an adjustment over an incident and tightens a policy. */
export const sampleReport = (): BacktestReport => ({
  generatedAtMs: T,
  base: { label: 'origin/main', revision: '3f1c2a9b7d10' },
  head: { label: 'working tree', revision: '8e2d4c6a0b91' },
  problems: [],
  baseProblems: [],
  slos: [
    {
      name: 'checkout-availability', change: 'modified', because: [],
      fields: [{ field: 'objective', before: '99.9%', after: '99.95%' }],
      before: {
        period: '30d', fromMs: T - 30 * 86_400_000, toMs: T + MIN, total: 1_250_000, bad: 480, errorRatio: 0.000384, budgetRemaining: 0.616,
        alerts: [{ severity: 'ticket', windows: '6h/3d', startMs: T - 3 * 86_400_000 + 17 * MIN, endMs: T - 3 * 86_400_000 + 197 * MIN, durationSeconds: 180 * 60 }],
        excludedMinutes: 0, note: null,
      },
      after: {
        period: '30d', fromMs: T - 30 * 86_400_000, toMs: T + MIN, total: 1_250_000, bad: 480, errorRatio: 0.000384, budgetRemaining: 0.232,
        alerts: [
          { severity: 'page', windows: '5m/1h', startMs: T - 3 * 86_400_000 + 9 * MIN, endMs: T - 3 * 86_400_000 + 31 * MIN, durationSeconds: 22 * 60 },
          { severity: 'ticket', windows: '6h/3d', startMs: T - 3 * 86_400_000 + 17 * MIN, endMs: T - 3 * 86_400_000 + 197 * MIN, durationSeconds: 180 * 60 },
          { severity: 'ticket', windows: '2h/1d', startMs: T - 3 * 86_400_000 + 12 * MIN, endMs: null, durationSeconds: 3 * 86_400 - 11 * 60 },
        ],
        excludedMinutes: 0, note: null,
      },
    },
    {
      name: 'search-latency', change: 'affected', because: ['search-reindex-2026-11-28'], fields: [],
      before: { period: '30d', fromMs: T - 30 * 86_400_000, toMs: T + MIN, total: 820_000, bad: 9_100, errorRatio: 0.011097, budgetRemaining: -0.1097, alerts: [
        { severity: 'page', windows: '30m/6h', startMs: T - 6 * 86_400_000, endMs: T - 6 * 86_400_000 + 95 * MIN, durationSeconds: 95 * 60 },
      ], excludedMinutes: 0, note: null },
      after: { period: '30d', fromMs: T - 30 * 86_400_000, toMs: T + MIN, total: 806_000, bad: 2_100, errorRatio: 0.002605, budgetRemaining: 0.7395, alerts: [], excludedMinutes: 120, note: null },
    },
  ],
  policies: [{ name: 'checkout-prod', change: 'modified', fields: [{ field: 'min_budget_remaining', before: '15%', after: '30%' }], slos: ['checkout-availability'] }],
  adjustments: [{ name: 'search-reindex-2026-11-28', change: 'added', fields: [
    { field: 'slos', before: null, after: 'search-latency' }, { field: 'reason', before: null, after: 'planned reindex' },
    { field: 'exclude', before: null, after: '2026-11-28T02:00:00.000Z to 2026-11-28T04:00:00.000Z' }, { field: 'labels', before: null, after: '(none)' },
  ], slos: ['search-latency'] }],
  decisions: {
    replayed: 14,
    flips: [{
      id: '6f0c3e1a-2b7d-4c55-9a10-1d2e3f4a5b6c', decidedAtMs: T - 2 * 86_400_000, app: 'checkout', environment: 'prod', configHash: '9e1c4b7d2a60', revision: 'v2.14.0',
      stored: 'allow', before: 'allow', after: 'deny', beforeSummary: 'allow: prod budgets healthy',
      afterSummary: 'deny: checkout-availability has 24 % of its error budget left (policy needs 30 %)',
    }],
  },
});

describe('the report for people', () => {
  it('writes the pull-request comment of the golden file', () => {
    const markdown = formatMarkdown(reportWire(sampleReport()));
    if (process.env['TOLLGATE_UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('stays within a pull-request comment\'s size for a change to 500 noisy SLOs and 300 flips, saying what it left out', () => {
    const sample = sampleReport();
    const noisy = sample.slos[0]!;
    const alerts = Array.from({ length: 150 }, (_, i) => ({ severity: 'page' as const, windows: '5m/1h', startMs: T - i * 3_600_000, endMs: T - i * 3_600_000 + 5 * MIN, durationSeconds: 300 }));
    const big: BacktestReport = {
      ...sample,
      slos: Array.from({ length: 500 }, (_, i) => ({ ...noisy, name: `slo-${i}`, after: { ...noisy.after!, alerts } })),
      decisions: { replayed: 300, flips: Array.from({ length: 300 }, () => sample.decisions.flips[0]!) },
    };
    const markdown = formatMarkdown(reportWire(big));
    expect(markdown.length).toBeLessThan(65_536);
    expect(markdown).toContain('| … and 400 more SLOs (`--format json` lists them all) | | | | | |');
    expect(markdown).toContain('| + | … and 130 more | | |');
    expect(markdown).toMatch(/The alerts of \d+ more SLOs are left out to keep this comment within its size limit/);
    expect(markdown).toContain('| … and 280 more (`--format json` lists them all) | | | | | |');
  });

  it('says which --fail-on conditions hold', () => {
    expect(reportWire(sampleReport()).conditions).toEqual({ 'flipped-decisions': true, 'new-pages': true, 'new-tickets': true, 'budget-exhausted': false, invalid: false });
    const calm = { ...sampleReport(), slos: [], decisions: { replayed: 0, flips: [] }, problems: [{ file: 'a.yaml', line: 1, column: 1, message: 'x' }] };
    expect(reportWire(calm).conditions).toEqual({ 'flipped-decisions': false, 'new-pages': false, 'new-tickets': false, 'budget-exhausted': false, invalid: true });
  });

  it('prints a terminal summary with each SLO, each added and removed alert and each flip', () => {
    const text = formatText(reportWire(sampleReport()));
    expect(text.split('\n').slice(0, 8)).toEqual([
      'tollgate diff origin/main → working tree: 1 SLO, 1 gate policy, 1 budget adjustment changed (1 more SLO affected by adjustments) · 1 stored gate decision of 14 replayed would flip',
      '',
      'SLO checkout-availability: objective 99.9% → 99.95%',
      '  budget remaining  61.60 % → 23.20 %',
      '  error ratio (30d)  0.0384 % (480 of 1,250,000)',
      '  alerts  0 pages, 1 tickets → 1 pages, 2 tickets',
      '    + page 5m/1h from 2026-12-01 12:09 for 22m',
      '    + ticket 2h/1d from 2026-12-01 12:12 for 2d 23h 49m (still firing)',
    ]);
    expect(text).toContain('  2026-12-02 12:00 6f0c3e1a-2b7d-4c55-9a10-1d2e3f4a5b6c checkout → prod 9e1c4b7d2a60 (v2.14.0): allow → deny');
  });
});
