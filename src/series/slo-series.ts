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
 * Values are Tollgate's exact numbers from the recorded minutes, through the same "SLO over time"
 * path as the SLO page's charts (slo/evaluate/over-time.ts): for each minute M in the asked range,
 * the window ending with minute M, as `/v1/slos` computes it at any instant in M. So an instant
 * query at time t equals `/v1/slos` at t. As Sloth's recording rules would: before the SLO's first
 * event there is no sample (no series to rate), and a window without events after it is NaN (0/0).
 * Selecting with any `config_hash` matcher (e.g. `config_hash=~".+"`) splits the SLI series by
 * release, with samples only where the release had events; without one they are the SLO's
 * totals, which is what Sloth's dashboards expect.
 *
 * Points within the minutes the engine holds in memory are arithmetic; a point whose window starts
 * before them reads the older recorded minutes from the table, every selected SLO's in one statement
 * per query, kept between queries (engine/old-minutes.ts: minutes that old no longer change).
 * PromQL SLIs (Sloth, OpenSLO) with a rolling period are evaluated as Sloth's recording rules would
 * be, as range queries (a sample every 1 to 5 minutes); SLOs evaluated by their own query otherwise
 * get one sample, at the range's end.
 */
import { promqlSliOverRange, type PromqlEnv, type SloEngine, type SloReader, type SloRegistry } from '../engine/index.js';
import { budgetRemaining, errorBudgetFraction, errorRatio, objectiveRatio, periodBounds } from '../slo/math/index.js';
import { alignedStart, planWindows, windowSeries, windowStartSeconds, type Counts, type LedgerView, type WindowSeries } from '../slo/evaluate/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
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

type Source = 'recorded' | 'promql' | 'engine';

export function createSloSeriesProvider({ registry, engine, promql }: {
  registry: SloRegistry;
  engine: Pick<SloEngine, 'evaluate' | 'reader'>;
  /** How PromQL SLIs are evaluated over a range: the query runner over the other providers. */
  promql: PromqlEnv;
}): SeriesProvider {
  const reader: SloReader = engine.reader;
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

  /** Sample minutes of an SLO's series for a request, and which data answers them. */
  function sampling(slo: SloDefinition, req: SelectRequest): { minutes: number[]; source: Source } {
    const firstSample = Math.ceil(req.startMs / 60_000) * 60;
    const lastSample = Math.floor(req.endMs / 60_000) * 60;
    if (lastSample < firstSample) return { minutes: [], source: 'engine' };
    const minutes: number[] = [];
    if (reader.ledgerOf(slo) !== undefined && slo.budgeting.kind === 'occurrences') {
      if (req.steps !== undefined) {
        // Read only at a range query's steps: the minute sample each step picks, not every minute.
        const { startMs, stepMs } = req.steps;
        for (let t = startMs; t <= req.endMs; t += stepMs) {
          const m = Math.floor(t / 60_000) * 60;
          if (m >= firstSample && m !== minutes.at(-1)) minutes.push(m);
        }
      } else for (let m = firstSample; m <= lastSample; m += 60) minutes.push(m);
      return { minutes, source: 'recorded' };
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
    const out: Series[] = [];
    const constant = (labels: Labels, value: (i: number) => number): void => {
      if (!matchesAll(req.matchers, labels)) return;
      out.push({ labels, timestampsMs: minutes.map((m) => m * 1000), values: Array.from(minutes, (_, i) => value(i)) });
    };
    /** Samples from minute `from` on; with `from` undefined, only where the window had events. */
    const ratios = (labels: Labels, w: Counts[], value: (c: Counts) => number, from: number | undefined): void => {
      if (!matchesAll(req.matchers, labels)) return;
      const timestampsMs: number[] = [];
      const values: number[] = [];
      w.forEach((c, i) => {
        if (from === undefined ? c.total === 0 : minutes[i]! < from) return;
        timestampsMs.push(minutes[i]! * 1000);
        values.push(value(c));
      });
      if (timestampsMs.length > 0) out.push({ labels, timestampsMs, values });
    };
    const first = firstEventMinute(slo);
    const ratio = (c: Counts): number => errorRatio({ totalEvents: c.total, badEvents: c.bad }) ?? NaN;
    const bounds = calendarBounds(slo);
    for (const name of names) {
      if (name === INFO) constant({ __name__: INFO, ...base, sloth_mode: 'cli-gen-prom', sloth_spec: slo.origin.spec, sloth_version: 'tollgate', sloth_objective: String(slo.objectivePercent) }, () => 1);
      else if (name === 'slo:objective:ratio') constant({ __name__: name, ...base }, () => objective);
      else if (name === 'slo:error_budget:ratio') constant({ __name__: name, ...base }, () => budget);
      else if (name === 'slo:time_period:days') {
        constant({ __name__: name, ...base }, (i) => {
          if (slo.period.kind === 'rolling') return slo.period.days;
          const b = bounds(minutes[i]!);
          return (b.endMs - b.startMs) / 86_400_000;
        });
      } else {
        const label = windowLabelOf(name, period)!;
        const counted = await windows.of(label);
        for (const [hash, w] of [['', counted.total] as const, ...counted.byRelease]) {
          const labels = hash === '' ? base : { ...base, config_hash: hash };
          const from = hash === '' ? first : undefined;
          if (name.startsWith(SLI)) ratios({ __name__: name, ...labels, sloth_window: label }, w, ratio, from);
          else if (name === 'slo:period_error_budget_remaining:ratio') ratios({ __name__: name, ...labels }, w, (c) => budgetRemaining({ totalEvents: c.total, badEvents: c.bad }, budget), from);
          else ratios({ __name__: name, ...labels }, w, (c) => ratio(c) / budget, from);
        }
      }
    }
    return out;
  }

  /** The SLO's first minute with events (in its environment); every minute for SLOs not recorded by the minute. */
  function firstEventMinute(slo: SloDefinition): number {
    const held = reader.ledgerOf(slo);
    if (held === undefined) return -Infinity;
    let first = Infinity;
    for (const s of held.ledger.series()) if (held.environment === null || s.environment === held.environment) first = Math.min(first, s.firstMinute);
    return first;
  }

  /**
   * The first minute the SLO's asked windows need at its sample minutes when memory cannot answer
   * every sample (undefined when it can): a window answers from memory when it ends after the minutes
   * held by the minute begin and starts after them or on a whole hour (held as hour sums).
   */
  function neededFrom(slo: SloDefinition, names: readonly string[], minutes: readonly number[]): number | undefined {
    const held = reader.ledgerOf(slo)!;
    const starts = windowStarts(slo);
    const labels = new Set(names.flatMap((n) => windowLabelOf(n, periodLabel(slo)) ?? []));
    const startsOf = [...labels].map((label) => starts.get(label)!);
    const inMemory = (m: number): boolean => startsOf.every((startOf) => {
      const start = startOf(m);
      return m >= held.minutesFrom && (start >= held.minutesFrom || start % 3_600 === 0);
    });
    if (minutes.every(inMemory)) return undefined;
    return Math.min(...startsOf.map((startOf) => startOf(minutes[0]!)));
  }

  /**
   * An SLO's window counts at each sample minute, all releases and (when split) per config_hash, by
   * window label. `ledgers` gives, for SLOs whose windows start before the minutes memory holds,
   * a ledger that also holds the older minutes.
   */
  function windowsOf(slo: SloDefinition, minutes: readonly number[], source: Source, splitByRelease: boolean, ledgers: () => Promise<Map<string, LedgerView>>): WindowsOf {
    const starts = windowStarts(slo);
    if (source === 'recorded') {
      const held = reader.ledgerOf(slo)!;
      return computedOnce(async (label) => {
        // Memory's ledger, or one that also holds the older minutes when some sample's window needs them.
        const ledger = (await ledgers()).get(slo.name) ?? held.ledger;
        return windowSeries(ledger, held.environment, minutes, starts.get(label)!, splitByRelease);
      });
    }
    if (source === 'promql' && slo.sli.kind === 'promql' && slo.period.kind === 'rolling') {
      // Sloth's recording rules over the range: each window's queries as range queries, for the windows asked.
      const sli = slo.sli;
      const seconds = new Map<string, number>([...ALERT_WINDOWS, [periodLabel(slo), slo.period.days * 86_400]]);
      const stepMs = minutes.length > 1 ? (minutes[1]! - minutes[0]!) * 1000 : 60_000;
      return computedOnce(async (label) => {
        // The sample of minute M is the window ending with minute M, as for every SLO: evaluated at M + 1m.
        const range = { windowSeconds: seconds.get(label)!, startMs: (minutes[0]! + 60) * 1000, endMs: (minutes.at(-1)! + 60) * 1000, stepMs };
        const values = await promqlSliOverRange(slo, sli, range, promql);
        return {
          total: minutes.map((m) => {
            const c = values.get((m + 60) * 1000);
            return { total: c?.totalEvents ?? 0, bad: c?.badEvents ?? 0 };
          }),
          byRelease: new Map(),
        };
      });
    }
    // The engine's one evaluation, for the window ending at the range's end.
    const evaluation = engine.evaluate(slo.name);
    const plan = planWindows(slo, minutes.at(-1)! * 1000);
    return computedOnce(async (label) => {
      const e = await evaluation;
      const s = e?.ok === true ? e.value.status : undefined;
      const w = s?.windows[label === periodLabel(slo) ? plan.periodKey : label];
      const byRelease = new Map<string, Counts[]>();
      if (splitByRelease && label === periodLabel(slo)) for (const r of s?.releases ?? []) byRelease.set(r.configHash, [{ total: r.total, bad: r.bad }]);
      return { total: [{ total: w?.total ?? 0, bad: w?.bad ?? 0 }], byRelease };
    });
  }

  return {
    mayMatch: (matchers) => selected(matchers).length > 0,

    async select(req) {
      const splitByRelease = req.matchers.some((m) => m.name === 'config_hash');
      const picked = selected(req.matchers).map((c) => ({ ...c, ...sampling(c.slo, req) })).filter((c) => c.minutes.length > 0);
      // Windows reaching before the minutes memory holds by the minute: every selected SLO's older
      // minutes in one read per query (an overview panel selects them all), only when a point needs them.
      const asks = picked.flatMap((c) => {
        const fromMinute = c.source === 'recorded' ? neededFrom(c.slo, c.names, c.minutes) : undefined;
        return fromMinute === undefined ? [] : [{ slo: c.slo, fromMinute }];
      });
      let read: Promise<Map<string, LedgerView>> | undefined;
      const ledgers = (): Promise<Map<string, LedgerView>> => (read ??= asks.length === 0 ? Promise.resolve(new Map()) : reader.ledgersFrom(asks));
      const out: Series[] = [];
      for (const c of picked) out.push(...(await seriesOf(c.slo, c.names, req, c.minutes, windowsOf(c.slo, c.minutes, c.source, splitByRelease, ledgers))));
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

interface WindowsOf {
  /** By window label: '5m' … '3d' or the period's. */
  of(windowLabel: string): Promise<WindowSeries>;
}

/** Several names read the same window (the period's burn rate and budget): each is computed once. */
function computedOnce(compute: (label: string) => Promise<WindowSeries>): WindowsOf {
  const done = new Map<string, Promise<WindowSeries>>();
  return {
    of(label) {
      let w = done.get(label);
      if (w === undefined) done.set(label, (w = compute(label)));
      return w;
    },
  };
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

/** The window a series name reads ('5m' … '3d', or the period's label); undefined for the constants and the info series. */
function windowLabelOf(name: string, period: string): string | undefined {
  if (name.startsWith(SLI)) return name.slice(SLI.length);
  if (name === 'slo:current_burn_rate:ratio') return '5m';
  if (name === 'slo:period_burn_rate:ratio' || name === 'slo:period_error_budget_remaining:ratio') return period;
  return undefined;
}

/** Each window label's first minute for the window ending with minute m: alert windows and the period (as slo/evaluate/windows.ts). */
function windowStarts(slo: SloDefinition): Map<string, (m: number) => number> {
  const starts = new Map<string, (m: number) => number>(ALERT_WINDOWS.map(([w, seconds]) => [w, (m: number) => windowStartSeconds(m, seconds)]));
  if (slo.period.kind === 'rolling') {
    const seconds = slo.period.days * 86_400;
    starts.set(periodLabel(slo), (m) => windowStartSeconds(m, seconds));
  } else {
    const bounds = calendarBounds(slo);
    starts.set(periodLabel(slo), (m) => {
      const b = bounds(m);
      return alignedStart(Math.floor(b.startMs / 60_000) * 60, (b.endMs - b.startMs) / 1000);
    });
  }
  return starts;
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
