/**
 * @module engine/sli
 * Picks the query for an SLO's SLI source. Metric SLIs arrive with slo/sli/metric-sli.
 */
import { logSliQuery } from '../slo/sli/log-sli.js';
import type { SliQuery, SliQueryInput } from '../slo/sli/query.js';
import { spanSliQuery } from '../slo/sli/span-sli.js';

export class UnsupportedSliError extends Error {
  override readonly name = 'UnsupportedSliError';
}

export type MetricSliBuilder = (input: SliQueryInput) => SliQuery;

export function sliQuery(input: SliQueryInput, metricSli: MetricSliBuilder | undefined): SliQuery {
  switch (input.slo.sli.kind) {
    case 'spans':
      return spanSliQuery(input);
    case 'logs':
      return logSliQuery(input);
    case 'metric-ratio':
    case 'metric-histogram':
      if (metricSli === undefined) throw new UnsupportedSliError(`SLO ${input.slo.name}: metric SLIs are not evaluated yet`);
      return metricSli(input);
  }
}
