/**
 * @module series/slo-series
 * Every SLO's numbers as the series Sloth records, with Sloth's names and labels, so Sloth's
 * Grafana dashboards (grafana.com 14348) work unchanged: `slo:sli_error:ratio_rate<window>` for
 * each alert window and the period (`ratio_rate30d`; 28 days is `4w`, as Prometheus writes it),
 * `slo:objective:ratio`, `slo:error_budget:ratio`, `slo:time_period:days`,
 * `slo:current_burn_rate:ratio`, `slo:period_burn_rate:ratio`,
 * `slo:period_error_budget_remaining:ratio` and `sloth_slo_info`, labelled `sloth_id`,
 * `sloth_service`, `sloth_slo` (and `sloth_window` on the SLI series) plus the SLO's own labels.
 *
 * Values are Tollgate's exact numbers, not Sloth's averages of 5-minute ratios: for each minute M
 * in the asked range, the window ending with minute M (as `/v1/slos` computes it at any instant in
 * M), from per-minute counts and prefix sums. So an instant query at time t equals `/v1/slos` at t.
 * Selecting with any `config_hash` matcher (e.g. `config_hash=~".+"`) splits the SLI series by
 * release; without one they are the SLO's totals, which is what Sloth's dashboards expect.
 *
 * SLIs the span rollup answers get a sample per minute; PromQL SLIs (Sloth, OpenSLO) with a rolling
 * period are evaluated as Sloth's recording rules would be, as range queries (a sample every 1 to
 * 5 minutes); others (logs, metrics, raw-span SLIs, calendar periods) are evaluated by the SLO
 * engine once, for the window ending at the asked range's end.
 */
import type { SloEngine } from '../engine/engine.js';
import { promqlSliOverRange } from '../engine/promql-sli.js';
import type { SeriesSource } from '../promql/index.js';
import { planWindows } from '../engine/plan.js';
import type { SloRegistry } from '../engine/slo-registry.js';
import { budgetRemaining, errorBudgetFraction, errorRatio, objectiveRatio } from '../slo/math/index.js';
import { badCondition, fitsSpanRollup, matchFilters, type WindowCounts } from '../slo/sli/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { Store } from '../store/index.js';
import { matchesAll } from './matchers.js';
import { prometheusLabelName } from './naming.js';
import type { Labels, LabelMatcher, MetricMetadata, SelectRequest, Series, SeriesProvider } from './types.js';

const SLI = 'slo:sli_error:ratio_rate';
const CONSTANTS = ['slo:objective:ratio', 'slo:error_budget:ratio', 'slo:time_period:days'] as const;
const DERIVED = ['slo:current_burn_rate:ratio', 'slo:period_burn_rate:ratio', 'slo:period_error_budget_remaining:ratio'] as const;
const INFO = 'sloth_slo_info';
/** Sloth's alert windows, the labels of its `ratio_rate<window>` series. */
const ALERT_WINDOWS: ReadonlyArray<[string, number]> = [['5m', 300], ['30m', 1_800], ['1h', 3_600], ['2h', 7_200], ['6h', 21_600], ['1d', 86_400], ['3d', 259_200]];

export function isSloSeriesName(name: string): boolean {
  return name.startsWith('slo:') || name === INFO;
}

interface MinuteCounts {
  /** Minute start (unix seconds) of index 0. */
  firstMinute: number;
  /** Prefix sums: cumTotal[i] = events in minutes [firstMinute, firstMinute + 60·i). */
  cumTotal: Float64Array;
  cumBad: Float64Array;
}

export function createSloSeriesProvider({ store, registry, engine, metrics }: {
  store: Store;
  registry: SloRegistry;
  engine: SloEngine;
  /** What PromQL SLIs read (the other providers), for their series over a range. */
  metrics: SeriesSource;
}): SeriesProvider {
  const namesFor = (slo: SloDefinition): string[] => [
    ...ALERT_WINDOWS.map(([w]) => `${SLI}${w}`), `${SLI}${periodLabel(slo)}`, ...CONSTANTS, ...DERIVED, INFO,
  ];

  /** The SLOs and metric names a selector can match, judged on the labels every series of the SLO carries. */
  function selected(matchers: readonly LabelMatcher[]): Array<{ slo: SloDefinition; names: string[] }> {
    const nameMatchers = matchers.filter((m) => m.name === '__name__');
    const sloMatchers = matchers.filter((m) => m.name !== '__name__' && m.name !== 'sloth_window' && m.name !== 'config_hash');
    return registry.current().slos.flatMap((slo) => {
      if (!matchesAll(sloMatchers, sloLabels(slo))) return [];
      const names = namesFor(slo).filter((n) => matchesAll(nameMatchers, { __name__: n }));
      return names.length === 0 ? [] : [{ slo, names }];
    });
  }

  async function minuteCounts(slo: SloDefinition, fromMinute: number, toMinute: number, splitByRelease: boolean): Promise<Map<string, MinuteCounts>> {
    if (slo.sli.kind !== 'spans') throw new Error('minuteCounts: span SLIs only');
    const params: Record<string, unknown> = { service: slo.service, from: fromMinute, to: toMinute };
    const bad = badCondition(slo.sli.bad, params, true);
    const rows = await store.query<{ config_hash: string; minute: string | number; total: string; bad: string }>(
      `SELECT ${splitByRelease ? 'ConfigHash' : "''"} AS config_hash, toUInt32(Minute) AS minute, sum(Count) AS total, sumIf(Count, ${bad}) AS bad
       FROM tollgate_span_rollup_1m
       WHERE ServiceName = {service:String} AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})${matchFilters(slo.sli.match, params, true)}
       GROUP BY config_hash, minute`,
      params,
    );
    const length = (toMinute - fromMinute) / 60 + 1;
    const byRelease = new Map<string, { total: Float64Array; bad: Float64Array }>();
    for (const row of rows) {
      let r = byRelease.get(row.config_hash);
      if (r === undefined) byRelease.set(row.config_hash, (r = { total: new Float64Array(length), bad: new Float64Array(length) }));
      const i = (Number(row.minute) - fromMinute) / 60;
      r.total[i] = Number(row.total);
      r.bad[i] = Number(row.bad);
    }
    if (!splitByRelease && !byRelease.has('')) byRelease.set('', { total: new Float64Array(length), bad: new Float64Array(length) });
    const out = new Map<string, MinuteCounts>();
    for (const [hash, r] of byRelease) {
      const cumTotal = new Float64Array(length + 1);
      const cumBad = new Float64Array(length + 1);
      for (let i = 0; i < length; i++) {
        cumTotal[i + 1] = cumTotal[i]! + r.total[i]!;
        cumBad[i + 1] = cumBad[i]! + r.bad[i]!;
      }
      out.set(hash, { firstMinute: fromMinute, cumTotal, cumBad });
    }
    return out;
  }

  async function seriesOf(slo: SloDefinition, names: readonly string[], req: SelectRequest): Promise<Series[]> {
    const budget = valueOf(errorBudgetFraction(slo.objectivePercent));
    const objective = valueOf(objectiveRatio(slo.objectivePercent));
    const base = sloLabels(slo);
    const splitByRelease = req.matchers.some((m) => m.name === 'config_hash');
    const firstSample = Math.ceil(req.startMs / 60_000) * 60;
    const lastSample = Math.floor(req.endMs / 60_000) * 60;
    if (lastSample < firstSample) return [];
    const minutes: number[] = [];
    const perMinute = fitsSpanRollup(slo) && slo.budgeting.kind === 'occurrences';
    const promql = slo.sli.kind === 'promql' && slo.budgeting.kind === 'occurrences' && slo.period.kind === 'rolling' ? slo.sli : null;
    if (perMinute) for (let m = firstSample; m <= lastSample; m += 60) minutes.push(m);
    else if (promql !== null) {
      // About a thousand samples a range, never further apart than the 5-minute lookback, so every step finds one.
      const spacing = Math.min(300, Math.max(60, Math.ceil((lastSample - firstSample) / 1000 / 60) * 60));
      for (let m = Math.ceil(firstSample / spacing) * spacing; m <= lastSample; m += spacing) minutes.push(m);
      if (minutes.length === 0) minutes.push(lastSample);
    } else minutes.push(lastSample);

    // Each sample's windows: rolling ones have fixed lengths; a calendar period starts where its month or week did.
    const periodStart = (m: number): number => {
      if (slo.period.kind === 'rolling') return m + 60 - slo.period.days * 86_400;
      const plan = planWindows(slo, m * 1000);
      return plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds;
    };
    const windowStarts = (m: number): Record<string, number> => ({
      ...Object.fromEntries(ALERT_WINDOWS.map(([w, seconds]) => [w, m + 60 - seconds])),
      [periodLabel(slo)]: periodStart(m),
    });

    let ratiosAt: (hash: string, m: number) => Record<string, { total: number; bad: number }>;
    let releases: string[];
    if (perMinute) {
      const earliest = Math.min(periodStart(firstSample), firstSample + 60 - ALERT_WINDOWS.at(-1)![1]);
      const counts = await minuteCounts(slo, earliest, lastSample, splitByRelease);
      releases = [...counts.keys()];
      ratiosAt = (hash, m) => {
        const c = counts.get(hash)!;
        const at = (minute: number) => Math.max(0, Math.min(c.cumTotal.length - 1, (minute - c.firstMinute) / 60));
        const end = at(m + 60);
        return Object.fromEntries(Object.entries(windowStarts(m)).map(([w, start]) => {
          const from = at(start);
          return [w, { total: c.cumTotal[end]! - c.cumTotal[from]!, bad: c.cumBad[end]! - c.cumBad[from]! }];
        }));
      };
    } else if (promql !== null) {
      // Sloth's recording rules over the range: each window's queries as range queries, for the windows asked.
      releases = [''];
      const stepMs = minutes.length > 1 ? (minutes[1]! - minutes[0]!) * 1000 : 60_000;
      const keys = new Set(names.flatMap((n) => n.startsWith(SLI) ? [n.slice(SLI.length)] : n === 'slo:current_burn_rate:ratio' ? ['5m'] : DERIVED.includes(n as never) ? [periodLabel(slo)] : []));
      const windowSeconds = new Map<string, number>([...ALERT_WINDOWS, [periodLabel(slo), slo.period.kind === 'rolling' ? slo.period.days * 86_400 : 0]]);
      const byWindow = new Map<string, Map<number, WindowCounts>>();
      for (const key of keys) {
        // The sample of minute M is the window ending with minute M, as for every SLO: evaluated at M + 1m.
        const range = { windowSeconds: windowSeconds.get(key)!, startMs: (minutes[0]! + 60) * 1000, endMs: (minutes.at(-1)! + 60) * 1000, stepMs };
        byWindow.set(key, await promqlSliOverRange(slo, promql, range, metrics));
      }
      ratiosAt = (_, m) => Object.fromEntries([...byWindow].map(([key, values]) => {
        const c = values.get((m + 60) * 1000);
        return [key, { total: c?.totalEvents ?? 0, bad: c?.badEvents ?? 0 }];
      }));
    } else {
      const evaluation = await engine.evaluate(slo.name);
      const status = evaluation?.ok === true ? evaluation.value.status : undefined;
      const plan = planWindows(slo, lastSample * 1000);
      releases = splitByRelease ? (status?.releases.map((r) => r.config_hash) ?? []) : [''];
      ratiosAt = (hash) => {
        const numbers = (key: string) => {
          if (hash !== '') {
            const r = key === plan.periodKey ? status?.releases.find((x) => x.config_hash === hash) : undefined;
            return { total: r?.total ?? 0, bad: r?.bad ?? 0 };
          }
          const w = status?.windows[key];
          return { total: w?.total ?? 0, bad: w?.bad ?? 0 };
        };
        return { ...Object.fromEntries(ALERT_WINDOWS.map(([w]) => [w, numbers(w)])), [periodLabel(slo)]: numbers(plan.periodKey) };
      };
    }

    // Every series of a release reads the same windows at each minute: count them once per (release, minute).
    const computed = new Map<string, Record<string, { total: number; bad: number }>>();
    const counted = ratiosAt;
    ratiosAt = (hash, m) => {
      const key = `${hash}\u0000${m}`;
      let r = computed.get(key);
      if (r === undefined) computed.set(key, (r = counted(hash, m)));
      return r;
    };

    const out: Series[] = [];
    const emit = (labels: Labels, value: (m: number) => number) => {
      if (!matchesAll(req.matchers, labels)) return;
      out.push({ labels, timestampsMs: minutes.map((m) => m * 1000), values: minutes.map(value) });
    };
    const ratio = (c: { total: number; bad: number }) => errorRatio({ totalEvents: c.total, badEvents: c.bad }) ?? NaN;
    for (const name of names) {
      if (name === INFO) emit({ __name__: INFO, ...base, sloth_mode: 'cli-gen-prom', sloth_spec: slo.origin.spec, sloth_version: 'tollgate', sloth_objective: String(slo.objectivePercent) }, () => 1);
      else if (name === 'slo:objective:ratio') emit({ __name__: name, ...base }, () => objective);
      else if (name === 'slo:error_budget:ratio') emit({ __name__: name, ...base }, () => budget);
      else if (name === 'slo:time_period:days') {
        emit({ __name__: name, ...base }, (m) => (slo.period.kind === 'rolling' ? slo.period.days : planWindows(slo, m * 1000).periodSeconds / 86_400));
      }
      else {
        for (const hash of releases) {
          const labels = hash === '' ? base : { ...base, config_hash: hash };
          const period = periodLabel(slo);
          if (name.startsWith(SLI)) {
            const w = name.slice(SLI.length);
            emit({ __name__: name, ...labels, sloth_window: w }, (m) => ratio(ratiosAt(hash, m)[w]!));
          } else if (name === 'slo:current_burn_rate:ratio') emit({ __name__: name, ...labels }, (m) => ratio(ratiosAt(hash, m)['5m']!) / budget);
          else if (name === 'slo:period_burn_rate:ratio') emit({ __name__: name, ...labels }, (m) => ratio(ratiosAt(hash, m)[period]!) / budget);
          else if (name === 'slo:period_error_budget_remaining:ratio') {
            emit({ __name__: name, ...labels }, (m) => {
              const c = ratiosAt(hash, m)[period]!;
              return budgetRemaining({ totalEvents: c.total, badEvents: c.bad }, budget);
            });
          }
        }
      }
    }
    return out;
  }

  return {
    mayMatch: (matchers) => selected(matchers).length > 0,

    async select(req) {
      const out: Series[] = [];
      for (const { slo, names } of selected(req.matchers)) out.push(...(await seriesOf(slo, names, req)));
      return out;
    },

    async listSeries(req) {
      // Label sets do not depend on the data, except the per-release split: one sample's worth is enough.
      const at = Math.floor(req.endMs / 60_000) * 60_000;
      const series = await this.select({ ...req, startMs: at, endMs: at });
      return series.map((s) => s.labels);
    },

    async metadata(): Promise<MetricMetadata[]> {
      const names = new Set(registry.current().slos.flatMap(namesFor));
      return [...names].map((metric) => ({ metric, type: 'gauge', help: 'Tollgate SLO series with Sloth\'s names', unit: '' }));
    },
  };
}

function sloLabels(slo: SloDefinition): Labels {
  const labels: Labels = {};
  for (const [k, v] of Object.entries(slo.labels)) labels[prometheusLabelName(k)] = v;
  const shortName = slo.origin.shortName;
  return { ...labels, sloth_id: `${slo.service}-${shortName}`, sloth_service: slo.service, sloth_slo: shortName };
}

/** The period as Prometheus writes a duration (Sloth's label): 30d, 4w for 28 days; calendar periods by name. */
export function periodLabel(slo: SloDefinition): string {
  if (slo.period.kind === 'calendar') return slo.period.calendar;
  return slo.period.days % 7 === 0 ? `${slo.period.days / 7}w` : `${slo.period.days}d`;
}

function valueOf(r: { ok: true; value: number } | { ok: false; message: string }): number {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}
