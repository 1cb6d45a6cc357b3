/**
 * @module correlate/slo-graph
 * SLOs and what they depend on (`depends_on` in the SLO files), each with its state now. Pure: the
 * shell evaluates the SLOs and hands over plain numbers.
 *
 * State: `no_data` when the SLO could not be evaluated or saw no events in its period;
 * `exhausted` when no budget is left; `warning` when an alert (page or ticket) fires or less than
 * a quarter of the budget is left; `ok` otherwise. A `depends_on` naming no loaded SLO (the loader
 * reported it; a file keeps loading what validates) becomes a problem entry and a dashed arrow to
 * a grey "not defined" node in the diagram, never a failed answer.
 */
import { flowchart, formatPercent, nodeIds, type FlowEdge, type FlowNode, type Health } from './mermaid.js';

/** Below this share of budget left an SLO is drawn as `warning`. */
export const WARNING_BUDGET_REMAINING = 0.25;

export type SloState = 'ok' | 'warning' | 'exhausted' | 'no_data';

export interface SloGraphEntry {
  name: string;
  service: string;
  /** 0.999 for 99.9 %. */
  objective: number;
  dependsOn: readonly string[];
  evaluation:
    | { ok: true; budgetRemaining: number; burnRate1h: number | null; totalEvents: number; alertsFiring: number }
    | { ok: false; error: string };
}

export interface SloGraphNode {
  slo: string;
  service: string;
  objective: number;
  budget_remaining: number | null;
  burn_rate_1h: number | null;
  state: SloState;
  error?: string;
}

export interface SloGraph {
  nodes: SloGraphNode[];
  /** `from` depends on `to`. */
  edges: Array<{ from: string; to: string }>;
  problems: Array<{ slo: string; depends_on: string; problem: string }>;
  mermaid: string;
}

export function sloState(e: SloGraphEntry['evaluation']): SloState {
  if (!e.ok || e.totalEvents === 0) return 'no_data';
  if (e.budgetRemaining <= 0) return 'exhausted';
  if (e.alertsFiring > 0 || e.budgetRemaining < WARNING_BUDGET_REMAINING) return 'warning';
  return 'ok';
}

const HEALTH: Readonly<Record<SloState, Health>> = { ok: 'ok', warning: 'warn', exhausted: 'bad', no_data: 'unknown' };

export function shapeSloGraph(entries: readonly SloGraphEntry[]): SloGraph {
  const sorted = [...entries].sort((a, b) => a.name.localeCompare(b.name));
  const known = new Set(sorted.map((e) => e.name));
  const nodes = sorted.map((e): SloGraphNode => {
    const ev = e.evaluation;
    return {
      slo: e.name,
      service: e.service,
      objective: e.objective,
      budget_remaining: ev.ok ? ev.budgetRemaining : null,
      burn_rate_1h: ev.ok ? ev.burnRate1h : null,
      state: sloState(ev),
      ...(ev.ok ? {} : { error: ev.error }),
    };
  });
  const edges: SloGraph['edges'] = [];
  const problems: SloGraph['problems'] = [];
  for (const e of sorted) {
    for (const to of new Set(e.dependsOn)) {
      if (known.has(to)) edges.push({ from: e.name, to });
      else problems.push({ slo: e.name, depends_on: to, problem: `depends_on names "${to}", which is not a loaded SLO` });
    }
  }

  const missing = [...new Set(problems.map((p) => p.depends_on))].sort();
  const ids = nodeIds('slo', [...sorted.map((e) => e.name), ...missing]);
  const flowNodes: FlowNode[] = [
    ...nodes.map((n) => ({
      id: ids.get(n.slo)!,
      lines: [n.slo, `${n.service} · ${describe(n)}`],
      health: HEALTH[n.state],
      href: `/slos/${encodeURIComponent(n.slo)}`,
      tooltip: `${n.slo}: ${n.state}`,
    })),
    ...missing.map((name) => ({ id: ids.get(name)!, lines: [name, 'not defined'], health: 'unknown' as const })),
  ];
  const flowEdges: FlowEdge[] = [
    ...edges.map((e) => ({ from: ids.get(e.from)!, to: ids.get(e.to)! })),
    ...problems.map((p) => ({ from: ids.get(p.slo)!, to: ids.get(p.depends_on)!, dashed: true })),
  ];
  return { nodes, edges, problems, mermaid: flowchart(flowNodes, flowEdges) };
}

function describe(n: SloGraphNode): string {
  if (n.error !== undefined) return 'not evaluated';
  if (n.state === 'no_data' || n.budget_remaining === null) return 'no data';
  return n.budget_remaining <= 0 ? 'budget exhausted' : `${formatPercent(n.budget_remaining)} budget left`;
}
