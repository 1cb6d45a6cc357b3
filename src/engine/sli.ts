/**
 * @module engine/sli
 * Picks the query for an SLO's SLI source.
 */
import { logSliQuery, metricSliQuery, spanSliQuery, timesliceQuery, type SliQuery, type SliQueryInput } from '../slo/sli/index.js';

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
