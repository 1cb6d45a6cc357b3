/**
 * @module slo/sli/pick
 * Picks the windowed query for an SLO's SLI source: what SLOs evaluated by their own statement run
 * (slices shorter than a minute), and the raw scans tests and bench/slo compare recorded numbers with.
 */
import { logSliQuery } from './log-sli.js';
import { metricSliQuery } from './metric-sli.js';
import type { SliQuery, SliQueryInput } from './query.js';
import { spanSliQuery } from './span-sli.js';
import { timesliceQuery } from './timeslices.js';

export function sliQuery(input: SliQueryInput): SliQuery {
  if (input.slo.budgeting.kind === 'timeslices') return timesliceQuery(input);
  switch (input.slo.sli.kind) {
    case 'spans':
      return spanSliQuery(input);
    case 'logs':
      return logSliQuery(input);
    case 'metric-ratio':
    case 'metric-histogram':
      return metricSliQuery(input);
    case 'promql':
      throw new Error(`SLO ${input.slo.name}: PromQL SLIs are evaluated by the PromQL engine, not one query`);
  }
}
