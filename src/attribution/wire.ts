/**
 * @module attribution/wire
 * Attribution as the API speaks it (snake_case, times as ISO strings): the same shape in
 * `GET /v1/slos/{name}/attribution`, the gate's `top_causes`, releases and the UI. Pure.
 */
import type { ReleaseBudget } from './service.js';
import type { Attribution, AttributedCause } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function causeWire(c: AttributedCause) {
  return {
    headline: c.headline,
    kind: c.kind,
    service: c.service,
    operation: c.operation,
    /** The same as `operation` for span causes: the name the gate's answers have always used. */
    span_name: c.operation,
    error_type: c.errorType,
    dependency: c.dependency,
    dependency_operation: c.dependencyOperation,
    labels: c.labels,
    count: c.count,
    share: c.share,
    budget_share: c.budgetShare,
    time_share: c.timeShare,
    change: c.change,
    baseline_count: c.baselineCount,
    first_seen: iso(c.firstSeenMs),
    last_seen: iso(c.lastSeenMs),
    config_hashes: c.configHashes,
    example_trace_ids: c.exampleTraceIds,
    example_log_lines: c.exampleLogLines,
  };
}

export function attributionWire(a: Attribution) {
  return {
    slo: a.slo,
    sli: a.nature,
    environment: a.environment,
    config_hash: a.configHash,
    from: iso(a.fromMs),
    to: iso(a.toMs),
    bad_events: a.badEvents,
    total_events: a.totalEvents,
    budget_events: a.budgetEvents,
    baseline: a.baseline === null ? null : {
      kind: a.baseline.kind,
      ...(a.baseline.kind === 'release' ? { config_hash: a.baseline.configHash } : { from: iso(a.baseline.fromMs), to: iso(a.baseline.toMs) }),
      bad_events: a.baseline.badEvents,
      total_events: a.baseline.totalEvents,
    },
    causes: a.causes.map(causeWire),
    other_causes: a.otherCauses,
    unsupported: a.unsupported,
  };
}

export function releaseBudgetWire(r: ReleaseBudget) {
  return {
    config_hash: r.configHash,
    bad_events: r.badEvents,
    total_events: r.totalEvents,
    budget_share: r.budgetShare,
    first_seen: r.firstSeenMs === 0 ? null : iso(r.firstSeenMs),
    last_seen: r.lastSeenMs === 0 ? null : iso(r.lastSeenMs),
  };
}
