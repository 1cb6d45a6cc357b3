/**
 * @module correlate/service-map
 * The service map's JSON and mermaid text from the map query's rows. Pure.
 *
 * A node's traffic is its server spans (requests it served) and their error ratio, as on the
 * releases page; its health colour: `bad` from 5 % errors, `warn` from 1 %, `ok` below, `unknown`
 * without server spans. A node links to its current release's page, or to the releases API when
 * its spans carry no config_hash. Edges are labelled `120 calls, 2.5 % errors, p95 41 ms`.
 */
import { flowchart, formatMs, formatPercent, nodeIds, type FlowEdge, type FlowNode, type Health } from './mermaid.js';

/** Error ratios from which a node or edge is drawn as `warn` and `bad`. */
export const HEALTH_THRESHOLDS = { warn: 0.01, bad: 0.05 } as const;

export interface MapNodeRow {
  service: string;
  /** Server spans and those with status Error. */
  calls: string | number;
  errors: string | number;
  /** The config_hash of its most recent spans ('' when they carry none). */
  config_hash: string;
}

export interface MapEdgeRow {
  source: string;
  target: string;
  calls: string | number;
  errors: string | number;
  p95_ns: string | number | null;
}

export interface ServiceMap {
  environment: string | null;
  since: string;
  /**
   * 1 when every span in the range was joined; 1/n when only traces whose id hashes to one in n
   * were (the range held more spans than one join may read): edge counts are then estimates, the
   * sampled counts × n. Node numbers always come from the rollup, exactly.
   */
  sample_rate: number;
  nodes: Array<{ service: string; calls: number; errors: number; error_ratio: number | null; config_hash: string | null }>;
  edges: Array<{ source: string; target: string; calls: number; errors: number; error_ratio: number | null; p95_ms: number | null }>;
  mermaid: string;
}

export function healthOf(errorRatio: number | null): Health {
  if (errorRatio === null) return 'unknown';
  if (errorRatio >= HEALTH_THRESHOLDS.bad) return 'bad';
  if (errorRatio >= HEALTH_THRESHOLDS.warn) return 'warn';
  return 'ok';
}

export function shapeServiceMap({ nodeRows, edgeRows, sampleEvery, environment, since }: {
  nodeRows: readonly MapNodeRow[];
  edgeRows: readonly MapEdgeRow[];
  /** 1: all traces joined; n: one trace in n (see `sample_rate`). */
  sampleEvery: number;
  environment: string | null;
  since: string;
}): ServiceMap {
  const edges = edgeRows
    .map((r) => {
      const calls = Number(r.calls) * sampleEvery;
      const errors = Number(r.errors) * sampleEvery;
      return {
        source: r.source,
        target: r.target,
        calls,
        errors,
        error_ratio: calls === 0 ? null : errors / calls,
        p95_ms: r.p95_ns === null ? null : Math.round(Number(r.p95_ns) / 1000) / 1000,
      };
    })
    .sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target));

  const byService = new Map(nodeRows.map((r) => [r.service, r]));
  // A service seen only at an edge's end (its spans older than the range's rollup minutes) is still a node.
  const services = [...new Set([...nodeRows.map((r) => r.service), ...edges.flatMap((e) => [e.source, e.target])])].sort();
  const nodes = services.map((service) => {
    const r = byService.get(service);
    const calls = Number(r?.calls ?? 0);
    const errors = Number(r?.errors ?? 0);
    return { service, calls, errors, error_ratio: calls === 0 ? null : errors / calls, config_hash: r === undefined || r.config_hash === '' ? null : r.config_hash };
  });

  const ids = nodeIds('svc', services);
  const flowNodes: FlowNode[] = nodes.map((n) => ({
    id: ids.get(n.service)!,
    lines: [n.service, n.calls === 0 ? 'no requests served' : `${n.calls} requests, ${formatPercent(n.error_ratio ?? 0)} errors`],
    health: healthOf(n.error_ratio),
    href: n.config_hash === null ? `/v1/releases?service=${encodeURIComponent(n.service)}` : `/releases/${encodeURIComponent(n.config_hash)}`,
    tooltip: n.config_hash === null ? `releases of ${n.service}` : `${n.service}: current release ${n.config_hash}`,
  }));
  const approx = sampleEvery > 1 ? '~' : '';
  const flowEdges: FlowEdge[] = edges.map((e) => ({
    from: ids.get(e.source)!,
    to: ids.get(e.target)!,
    label: [
      `${approx}${e.calls} calls`,
      `${formatPercent(e.error_ratio ?? 0)} errors`,
      ...(e.p95_ms === null ? [] : [`p95 ${formatMs(e.p95_ms)}`]),
    ].join(', '),
  }));

  return { environment, since, sample_rate: 1 / sampleEvery, nodes, edges, mermaid: flowchart(flowNodes, flowEdges) };
}
