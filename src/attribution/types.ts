/**
 * @module attribution/types
 * What burned an SLO's budget: its bad events (exactly those its SLI counts as bad) grouped into
 * causes, ranked against a baseline. Plain data; the API makes the wire shape.
 */

/**
 * How a cause is named:
 * - `error`: a failed event, by span name and error type (exception type, normalized status message, HTTP status);
 * - `dependency`: a failed event whose trace shows a downstream call failing first: named by that
 *   downstream (the callee's service, `peer.service`, `server.address` or `db.system`);
 * - `slow`: a slow event, by span name and the child span that took the largest share of its time
 *   (or its own code when no child took more than the span itself);
 * - `log`: a bad log record, by severity and its body with variable parts normalized;
 * - `metric`: a bad series of a metric SLI, by its labels.
 */
export type CauseKind = 'error' | 'dependency' | 'slow' | 'log' | 'metric';

/** What identifies a cause: events with the same key are one cause. Empty strings where a part does not apply. */
export interface CauseKey {
  kind: CauseKind;
  /** The service whose events the SLO counted. */
  service: string;
  /** The span name; a log's severity text; a metric's name. */
  operation: string;
  /** error/dependency: the error type; log: the normalized body. */
  errorType: string;
  /** dependency/slow: the downstream named (callee service, peer, address or database system). */
  dependency: string;
  /** dependency/slow: the child span's (or callee's) operation. */
  dependencyOperation: string;
  /** metric: the bad series' labels. */
  labels: Record<string, string>;
}

/** One cause as the store counts it on one side (the range asked about, or its baseline). */
export interface CauseCount extends CauseKey {
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** The config_hashes its events came from, most events first. */
  configHashes: string[];
  /** The earliest traces, up to three. */
  exampleTraceIds: string[];
  /** slow: mean share of the event's duration spent in the named child (or in its own code). */
  timeShare: number | null;
  /** log: a few of the records' bodies as written. */
  exampleBodies: string[];
}

/**
 * Against the baseline: `new` absent there (while it had events); `grew` a significantly larger
 * share of events; `shrank` significantly smaller; `steady` neither; `no_baseline` nothing to compare.
 */
export type CauseChange = 'new' | 'grew' | 'steady' | 'shrank' | 'no_baseline';

export interface AttributedCause extends CauseKey {
  count: number;
  /** 0..1 of the SLO's bad events in the range; the shares of one answer add up to 1. */
  share: number;
  /** Share of the period's error budget these events consumed (count ÷ budget in events); null without traffic. */
  budgetShare: number | null;
  firstSeenMs: number;
  lastSeenMs: number;
  configHashes: string[];
  exampleTraceIds: string[];
  /** Log lines of the example traces (log causes: the records themselves). */
  exampleLogLines: string[];
  timeShare: number | null;
  baselineCount: number | null;
  change: CauseChange;
  /** One line for people: "TypeError in GET /api/items/{id}". */
  headline: string;
}

/** What the causes are compared with. */
export type Baseline =
  | { kind: 'release'; configHash: string }
  | { kind: 'range'; fromMs: number; toMs: number }
  | { kind: 'none' };

export interface AttributionRequest {
  fromMs: number;
  toMs: number;
  /** null: the SLO's own environment (or every one). */
  environment: string | null;
  /** Only this release's events. */
  configHash: string | null;
  /**
   * `auto`: the release that served before `configHash` in that environment, or without a
   * config_hash the same range a week earlier, widened to whole hours (what is recorded that far back).
   */
  baseline: Baseline | 'auto';
}

export type SliNature = 'availability' | 'latency' | 'logs' | 'metrics';

export interface Attribution {
  slo: string;
  nature: SliNature;
  environment: string | null;
  configHash: string | null;
  fromMs: number;
  toMs: number;
  /** The SLO's bad events in the range: the sum of every cause's count. */
  badEvents: number;
  /** The SLO's events in the range, from its recorded minutes; null when not recorded. */
  totalEvents: number | null;
  /** The current period's error budget in events; null without traffic in the period. */
  budgetEvents: number | null;
  baseline: (Exclude<Baseline, { kind: 'none' }> & { badEvents: number; totalEvents: number | null }) | null;
  /** Ranked: new and grown causes first, then by count. */
  causes: AttributedCause[];
  /** Causes past the first MAX_CAUSES, folded together so that shares still add up. */
  otherCauses: { causes: number; count: number; share: number } | null;
  /** Set when the SLI's data cannot say what its bad events were (PromQL SLIs). */
  unsupported: string | null;
}
