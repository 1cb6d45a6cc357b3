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
 * engine once, for the window ending at the asked range's end. The rollup SLOs of one selector are
 * read in one statement, over only the minutes the asked windows need (`ratio_rate5m` over a month
 * reads a month, not the month before it too).
 */
import type { SloEngine } from '../engine/engine.js';
import { promqlSliOverRange, type PromqlEnv } from '../engine/promql-sli.js';
import { planWindows } from '../engine/plan.js';
import type { SloRegistry } from '../engine/slo-registry.js';
import { budgetRemaining, errorBudgetFraction, errorRatio, objectiveRatio, periodBounds } from '../slo/math/index.js';
import { badCondition, fitsSpanRollup, matchFilters } from '../slo/sli/index.js';
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

export function createSloSeriesProvider({ store, registry, engine, promql }: {
  store: Store;
  registry: SloRegistry;
  engine: SloEngine;
  /** How PromQL SLIs are evaluated over a range: the query runner over the other providers. */
  promql: PromqlEnv;
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

  /**
   * Per-minute counts of every rollup-answered SLO of a selection in ONE scan (on chDB planning a
   * statement costs more than reading pre-aggregated rows): a pair of sumIf columns per SLO, as
   * the engine batches them, returned as arrays per release so the answer is a few rows.
   */
  async function rollupMinutes(wanted: ReadonlyArray<{ slo: SloDefinition; fromMinute: number }>, toMinute: number, splitByRelease: boolean): Promise<Array<Map<string, MinuteCounts>>> {
    const out = wanted.map(() => new Map<string, MinuteCounts>());
    if (wanted.length === 0) return out;
    const fromMinute = Math.min(...wanted.map((w) => w.fromMinute));
    const params: Record<string, unknown> = { services: [...new Set(wanted.map((w) => w.slo.service))], from: fromMinute, to: toMinute };
    const columns = wanted.map(({ slo, fromMinute: from }, k) => {
      if (slo.sli.kind !== 'spans') throw new Error('rollupMinutes: span SLIs only');
      const prefix = `s${k}_`;
      params[`${prefix}service`] = slo.service;
      params[`${prefix}from`] = from;
      const match = `ServiceName = {${prefix}service:String} AND Minute >= toDateTime({${prefix}from:UInt32})${matchFilters(slo.sli.match, params, true, prefix).replaceAll('\n ', '')}`;
      const bad = badCondition(slo.sli.bad, params, true, prefix);
      return { inner: `toFloat64(sumIf(Count, ${match})) AS t${k}, toFloat64(sumIf(Count, ${match} AND ${bad})) AS b${k}`, outer: `groupArray(t${k}) AS t${k}, groupArray(b${k}) AS b${k}` };
    });
    const rows = await store.query<Record<string, number[]> & { config_hash: string; minutes: number[] }>(
      `SELECT config_hash, groupArray(minute) AS minutes, ${columns.map((c) => c.outer).join(', ')}
       FROM (
         SELECT ${splitByRelease ? 'ConfigHash' : "''"} AS config_hash, toUInt32(Minute) AS minute, ${columns.map((c) => c.inner).join(', ')}
         FROM tollgate_span_rollup_1m
         WHERE ServiceName IN {services:Array(String)} AND Minute >= toDateTime({from:UInt32}) AND Minute <= toDateTime({to:UInt32})
         GROUP BY config_hash, minute)
       GROUP BY config_hash`,
      params,
    );
    wanted.forEach(({ fromMinute: from }, k) => {
      const length = (toMinute - from) / 60 + 1;
      for (const row of rows) {
        const totals = row[`t${k}`]!;
        // Split by release, a release of another service has no events here: it is not this SLO's.
        if (splitByRelease && !totals.some((t) => t > 0)) continue;
        const total = new Float64Array(length);
        const bad = new Float64Array(length);
        row.minutes.forEach((minute, i) => {
          if (minute < from) return;
          total[(minute - from) / 60] = totals[i]!;
          bad[(minute - from) / 60] = row[`b${k}`]![i]!;
        });
        out[k]!.set(row.config_hash, prefixSums(from, total, bad));
      }
      if (!splitByRelease && !out[k]!.has('')) out[k]!.set('', prefixSums(from, new Float64Array(length), new Float64Array(length)));
    });
    return out;
  }

  /** Sample minutes of an SLO's series for a request, and which data answers them. */
  function sampling(slo: SloDefinition, req: SelectRequest): { minutes: number[]; source: 'rollup' | 'promql' | 'engine' } {
    const firstSample = Math.ceil(req.startMs / 60_000) * 60;
    const lastSample = Math.floor(req.endMs / 60_000) * 60;
    if (lastSample < firstSample) return { minutes: [], source: 'engine' };
    const minutes: number[] = [];
    if (fitsSpanRollup(slo) && slo.budgeting.kind === 'occurrences') {
      if (req.steps !== undefined) {
        // Read only at a range query's steps: the minute sample each step picks, not every minute.
        const { startMs, stepMs } = req.steps;
        for (let t = startMs; t <= req.endMs; t += stepMs) {
          const m = Math.floor(t / 60_000) * 60;
          if (m >= firstSample && m !== minutes.at(-1)) minutes.push(m);
        }
      } else for (let m = firstSample; m <= lastSample; m += 60) minutes.push(m);
      return { minutes, source: 'rollup' };
    }
    if (slo.sli.kind === 'promql' && slo.budgeting.kind === 'occurrences' && slo.period.kind === 'rolling') {
      // About a thousand samples a range, never further apart than the 5-minute lookback, so every step finds one.
      const spacing = Math.min(300, Math.max(60, Math.ceil((lastSample - firstSample) / 1000 / 60) * 60));
      for (let m = Math.ceil(firstSample / spacing) * spacing; m <= lastSample; m += spacing) minutes.push(m);
      return minutes.length === 0 ? { minutes: [lastSample], source: 'promql' } : { minutes, source: 'promql' };
    }
    return { minutes: [lastSample], source: 'engine' };
  }

  async function seriesOf(slo: SloDefinition, names: readonly string[], req: SelectRequest, minutes: readonly number[], windows: WindowsOf): Promise<Series[]> {
    const budget = valueOf(errorBudgetFraction(slo.objectivePercent));
    const objective = valueOf(objectiveRatio(slo.objectivePercent));
    const base = sloLabels(slo);
    const period = periodLabel(slo);
    const timestampsMs = minutes.map((m) => m * 1000);
    const out: Series[] = [];
    const emit = (labels: Labels, value: (i: number) => number) => {
      if (!matchesAll(req.matchers, labels)) return;
      out.push({ labels, timestampsMs, values: Array.from(minutes, (_, i) => value(i)) });
    };
    const ratio = (w: WindowSeries, i: number) => errorRatio({ totalEvents: w.total[i]!, badEvents: w.bad[i]! }) ?? NaN;
    const bounds = calendarBounds(slo);
    for (const name of names) {
      if (name === INFO) emit({ __name__: INFO, ...base, sloth_mode: 'cli-gen-prom', sloth_spec: slo.origin.spec, sloth_version: 'tollgate', sloth_objective: String(slo.objectivePercent) }, () => 1);
      else if (name === 'slo:objective:ratio') emit({ __name__: name, ...base }, () => objective);
      else if (name === 'slo:error_budget:ratio') emit({ __name__: name, ...base }, () => budget);
      else if (name === 'slo:time_period:days') {
        emit({ __name__: name, ...base }, (i) => {
          if (slo.period.kind === 'rolling') return slo.period.days;
          const b = bounds(minutes[i]!);
          return (b.endMs - b.startMs) / 86_400_000;
        });
      } else {
        for (const hash of await windows.releases()) {
          const labels = hash === '' ? base : { ...base, config_hash: hash };
          if (name.startsWith(SLI)) {
            const w = await windows.of(hash, name.slice(SLI.length));
            emit({ __name__: name, ...labels, sloth_window: name.slice(SLI.length) }, (i) => ratio(w, i));
          } else if (name === 'slo:current_burn_rate:ratio') {
            const w = await windows.of(hash, '5m');
            emit({ __name__: name, ...labels }, (i) => ratio(w, i) / budget);
          } else if (name === 'slo:period_burn_rate:ratio') {
            const w = await windows.of(hash, period);
            emit({ __name__: name, ...labels }, (i) => ratio(w, i) / budget);
          } else if (name === 'slo:period_error_budget_remaining:ratio') {
            const w = await windows.of(hash, period);
            emit({ __name__: name, ...labels }, (i) => budgetRemaining({ totalEvents: w.total[i]!, badEvents: w.bad[i]! }, budget));
          }
        }
      }
    }
    return out;
  }

  /** An SLO's window counts at each sample minute, by release and window label, from what answers it. */
  function windowsOf(slo: SloDefinition, minutes: readonly number[], source: 'rollup' | 'promql' | 'engine', rollup: Map<string, MinuteCounts> | undefined, splitByRelease: boolean): WindowsOf {
    const starts = windowStarts(slo);
    if (source === 'rollup') {
      const counts = rollup!;
      return {
        releases: async () => [...counts.keys()],
        of: async (hash, key) => {
          const c = counts.get(hash)!;
          const start = starts.get(key)!;
          const at = (minute: number) => Math.max(0, Math.min(c.cumTotal.length - 1, (minute - c.firstMinute) / 60));
          const w = { total: new Float64Array(minutes.length), bad: new Float64Array(minutes.length) };
          minutes.forEach((m, i) => {
            const end = at(m + 60);
            const from = at(start(m));
            w.total[i] = c.cumTotal[end]! - c.cumTotal[from]!;
            w.bad[i] = c.cumBad[end]! - c.cumBad[from]!;
          });
          return w;
        },
      };
    }
    if (source === 'promql' && slo.sli.kind === 'promql' && slo.period.kind === 'rolling') {
      // Sloth's recording rules over the range: each window's queries as range queries, for the windows asked.
      const sli = slo.sli;
      const seconds = new Map<string, number>([...ALERT_WINDOWS, [periodLabel(slo), slo.period.days * 86_400]]);
      const stepMs = minutes.length > 1 ? (minutes[1]! - minutes[0]!) * 1000 : 60_000;
      return {
        releases: async () => [''],
        of: async (_, key) => {
          // The sample of minute M is the window ending with minute M, as for every SLO: evaluated at M + 1m.
          const range = { windowSeconds: seconds.get(key)!, startMs: (minutes[0]! + 60) * 1000, endMs: (minutes.at(-1)! + 60) * 1000, stepMs };
          const values = await promqlSliOverRange(slo, sli, range, promql);
          const w = { total: new Float64Array(minutes.length), bad: new Float64Array(minutes.length) };
          minutes.forEach((m, i) => {
            const c = values.get((m + 60) * 1000);
            w.total[i] = c?.totalEvents ?? 0;
            w.bad[i] = c?.badEvents ?? 0;
          });
          return w;
        },
      };
    }
    // The engine's one evaluation, for the window ending at the range's end.
    const evaluation = engine.evaluate(slo.name);
    const plan = planWindows(slo, minutes.at(-1)! * 1000);
    const status = async () => {
      const e = await evaluation;
      return e?.ok === true ? e.value.status : undefined;
    };
    return {
      releases: async () => (splitByRelease ? ((await status())?.releases.map((r) => r.config_hash) ?? []) : ['']),
      of: async (hash, key) => {
        const s = await status();
        let numbers: { total: number; bad: number };
        if (hash !== '') {
          const r = key === periodLabel(slo) ? s?.releases.find((x) => x.config_hash === hash) : undefined;
          numbers = { total: r?.total ?? 0, bad: r?.bad ?? 0 };
        } else {
          const w = s?.windows[key === periodLabel(slo) ? plan.periodKey : key];
          numbers = { total: w?.total ?? 0, bad: w?.bad ?? 0 };
        }
        return { total: Float64Array.of(numbers.total), bad: Float64Array.of(numbers.bad) };
      },
    };
  }

  return {
    mayMatch: (matchers) => selected(matchers).length > 0,

    async select(req) {
      const splitByRelease = req.matchers.some((m) => m.name === 'config_hash');
      const chosen = selected(req.matchers).map((c) => ({ ...c, ...sampling(c.slo, req) })).filter((c) => c.minutes.length > 0);
      // Rollup SLOs read only the minutes their asked windows need, all in one statement.
      const fromRollup = chosen.filter((c) => c.source === 'rollup');
      const wanted = fromRollup.map(({ slo, names, minutes }) => {
        const starts = windowStarts(slo);
        const keys = windowKeysFor(slo, names);
        const fromMinute = Math.min(minutes[0]!, ...[...keys].map((k) => starts.get(k)!(minutes[0]!)));
        return { slo, fromMinute };
      });
      const lastMinute = Math.max(0, ...fromRollup.map((c) => c.minutes.at(-1)!));
      const rollups = await rollupMinutes(wanted, lastMinute, splitByRelease);
      const out: Series[] = [];
      for (const c of chosen) {
        const rollup = c.source === 'rollup' ? rollups[fromRollup.indexOf(c)] : undefined;
        out.push(...(await seriesOf(c.slo, c.names, req, c.minutes, computedOnce(windowsOf(c.slo, c.minutes, c.source, rollup, splitByRelease)))));
      }
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

interface WindowSeries {
  /** Indexed like the sample minutes. */
  total: Float64Array;
  bad: Float64Array;
}

interface WindowsOf {
  releases(): Promise<string[]>;
  /** '' for all releases together. */
  of(release: string, windowLabel: string): Promise<WindowSeries>;
}

/** Several names read the same window (the period's burn rate and budget): each is computed once. */
function computedOnce(windows: WindowsOf): WindowsOf {
  const done = new Map<string, Promise<WindowSeries>>();
  return {
    releases: windows.releases,
    of(release, windowLabel) {
      const key = `${release}\u0000${windowLabel}`;
      let w = done.get(key);
      if (w === undefined) done.set(key, (w = windows.of(release, windowLabel)));
      return w;
    },
  };
}

function prefixSums(firstMinute: number, total: Float64Array, bad: Float64Array): MinuteCounts {
  const cumTotal = new Float64Array(total.length + 1);
  const cumBad = new Float64Array(total.length + 1);
  for (let i = 0; i < total.length; i++) {
    cumTotal[i + 1] = cumTotal[i]! + total[i]!;
    cumBad[i + 1] = cumBad[i]! + bad[i]!;
  }
  return { firstMinute, cumTotal, cumBad };
}

/** The calendar period around a minute, looked up again only when a sample crosses into the next one. */
function calendarBounds(slo: SloDefinition): (minute: number) => { startMs: number; endMs: number } {
  let bounds: { startMs: number; endMs: number } | undefined;
  return (minute) => {
    const ms = minute * 1000;
    if (slo.period.kind === 'rolling') throw new Error('calendarBounds: rolling period');
    if (bounds === undefined || ms < bounds.startMs || ms >= bounds.endMs) {
      bounds = periodBounds({ kind: 'calendar', calendar: slo.period.calendar, timeZone: slo.period.timeZone }, ms);
    }
    return bounds;
  };
}

/** Each window label's first minute for the window ending with minute m: alert windows and the period. */
function windowStarts(slo: SloDefinition): Map<string, (m: number) => number> {
  const starts = new Map<string, (m: number) => number>(ALERT_WINDOWS.map(([w, seconds]) => [w, (m: number) => m + 60 - seconds]));
  if (slo.period.kind === 'rolling') {
    const seconds = slo.period.days * 86_400;
    starts.set(periodLabel(slo), (m) => m + 60 - seconds);
  } else {
    const bounds = calendarBounds(slo);
    starts.set(periodLabel(slo), (m) => Math.floor(bounds(m).startMs / 60_000) * 60);
  }
  return starts;
}

/** The windows the asked names read. */
function windowKeysFor(slo: SloDefinition, names: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const n of names) {
    if (n.startsWith(SLI)) keys.add(n.slice(SLI.length));
    else if (n === 'slo:current_burn_rate:ratio') keys.add('5m');
    else if ((DERIVED as readonly string[]).includes(n)) keys.add(periodLabel(slo));
  }
  return keys;
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
