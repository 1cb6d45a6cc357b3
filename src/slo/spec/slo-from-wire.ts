/**
 * @module slo/spec/slo-from-wire
 * A checked `kind: SLO` document to the domain `SloDefinition`: renames, units, defaults. Cannot fail.
 */
import type { NameMatch, Sli, SloDefinition, SloPeriod, SpanBadCondition } from './model.js';
import type { SourcePos } from './problem.js';
import type { WireSlo } from './wire-slo.js';
import { API_VERSION } from './wire-common.js';

export const SLO_DEFAULTS = {
  minEvents: 10,
  timeZone: 'UTC',
} as const;

type WireSpec = WireSlo['spec'];
type WireSpans = NonNullable<WireSpec['sli']['spans']>;

export function sloFromWire(wire: WireSlo, source: SourcePos): SloDefinition {
  const { spec } = wire;
  return {
    name: wire.metadata.name,
    labels: wire.metadata.labels ?? {},
    service: spec.service,
    description: spec.description ?? null,
    objectivePercent: spec.objective,
    period: periodFromWire(spec.period),
    sli: sliFromWire(spec.sli),
    budgeting:
      spec.budgeting === 'timeslices' && spec.timeslice !== undefined
        ? { kind: 'timeslices', windowSeconds: spec.timeslice.window, targetFraction: spec.timeslice.target }
        : { kind: 'occurrences' },
    alerting: {
      minEvents: spec.alerting?.min_events ?? SLO_DEFAULTS.minEvents,
      customWindows:
        spec.alerting?.windows?.map((w) => ({
          severity: w.severity,
          shortWindowSeconds: w.short,
          longWindowSeconds: w.long,
          budgetPercent: w.budget_percent,
        })) ?? null,
    },
    dependsOn: spec.depends_on ?? [],
    source,
    origin: { spec: API_VERSION, shortName: wire.metadata.name },
  };
}

function periodFromWire(period: WireSpec['period']): SloPeriod {
  if (typeof period === 'number') return { kind: 'rolling', days: period };
  return { kind: 'calendar', calendar: period.calendar, timeZone: period.timeZone ?? SLO_DEFAULTS.timeZone };
}

function sliFromWire(sli: WireSpec['sli']): Sli {
  if (sli.spans !== undefined) {
    const match = sli.spans.match;
    return {
      kind: 'spans',
      match: {
        spanKind: match?.kind ?? null,
        name: match?.name === undefined ? null : nameMatch(match.name),
        environment: match?.environment ?? null,
        attributes: match?.attributes ?? {},
      },
      bad: spanBad(sli.spans.bad),
    };
  }
  if (sli.logs !== undefined) {
    const match = sli.logs.match;
    return {
      kind: 'logs',
      match: {
        severityNumberAtLeast: match?.severity_at_least ?? null,
        attributes: match?.attributes ?? {},
        bodyContains: match?.body_contains ?? null,
      },
      bad: { severityNumberAtLeast: sli.logs.bad.severity_at_least },
    };
  }
  // The schema admits exactly one source and one metrics shape; the throws below mark broken schema code.
  const metrics = sli.metrics;
  if (metrics === undefined) throw new Error('unreachable: sli schema admits exactly one source');
  const selector = (s: { metric: string; matchers?: Record<string, string> | undefined }) => ({ metric: s.metric, matchers: s.matchers ?? {} });
  if (metrics.histogram !== undefined && metrics.threshold !== undefined) {
    return { kind: 'metric-histogram', histogram: selector(metrics.histogram), thresholdMs: metrics.threshold };
  }
  if (metrics.total === undefined) throw new Error('unreachable: metrics schema requires total for a ratio');
  if (metrics.good !== undefined) return { kind: 'metric-ratio', counts: 'good', numerator: selector(metrics.good), total: selector(metrics.total) };
  if (metrics.bad !== undefined) return { kind: 'metric-ratio', counts: 'bad', numerator: selector(metrics.bad), total: selector(metrics.total) };
  throw new Error('unreachable: metrics schema requires good or bad with total');
}

function spanBad(bad: WireSpans['bad']): SpanBadCondition {
  if (bad.status !== undefined) return { kind: 'status-error' };
  if (bad.http_status !== undefined) return { kind: 'http-status', statusCodeRanges: bad.http_status };
  if (bad.duration_over !== undefined) return { kind: 'duration-over', durationOverMs: bad.duration_over };
  throw new Error('unreachable: bad schema admits exactly one condition');
}

const GLOB_CHARS = /[*?[]/;

function nameMatch(name: string): NameMatch {
  return GLOB_CHARS.test(name) ? { kind: 'glob', pattern: name } : { kind: 'exact', name };
}
