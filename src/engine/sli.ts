/**
 * @module engine/sli
 * Picks the query for an SLO's SLI source.
 */
import { logSliQuery, metricSliQuery, spanSliQuery, type SliQuery, type SliQueryInput } from '../slo/sli/index.js';

export function sliQuery(input: SliQueryInput): SliQuery {
  switch (input.slo.sli.kind) {
    case 'spans':
      return spanSliQuery(input);
    case 'logs':
      return logSliQuery(input);
    case 'metric-ratio':
    case 'metric-histogram':
      return metricSliQuery(input);
  }
}
