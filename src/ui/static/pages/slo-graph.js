// `/slo-graph`: SLOs and the SLOs they depend on (`depends_on`), coloured by state; each node
// opens its SLO page.
import { api, emptyState, fmtBurn, fmtPercent, h, link, runPage, section, show, sloHref, stateBadge, table } from '../app.js';
import { healthLegend, mermaidDiagram } from '../diagram.js';

const STATES = { ok: ['healthy', 'ok'], warning: ['warning', 'warn'], exhausted: ['budget exhausted', 'bad'], no_data: ['no data', 'neutral'] };

runPage(async () => {
  const graph = await api('/v1/slo-graph');
  if (graph.nodes.length === 0) {
    show(emptyState('No SLOs loaded yet.', 'Add SLO YAML files to the directory Tollgate watches; `depends_on` draws the arrows.'));
    return;
  }
  show(
    graph.problems.length === 0 ? null : h('div', { class: 'problems', role: 'alert' },
      h('strong', null, 'Dependencies that name no loaded SLO'),
      h('ul', null, graph.problems.map((p) => h('li', null, `${p.slo}: ${p.problem}`)))),
    graph.edges.length === 0 ? h('p', { class: 'muted' }, 'No SLO declares depends_on yet: each stands alone.') : null,
    healthLegend(),
    mermaidDiagram(graph.mermaid, { label: `SLO graph: ${graph.nodes.length} SLOs, ${graph.edges.length} dependencies` }),
    section('SLOs', table({
      className: 'nodes',
      columns: [{ label: 'SLO' }, { label: 'Service' }, { label: 'Budget remaining', numeric: true }, { label: 'Burn rate (1h)', numeric: true }, { label: 'State' }, { label: 'Depends on' }],
      rows: graph.nodes.map((n) => {
        const [label, tone] = STATES[n.state] ?? [n.state, 'neutral'];
        const deps = graph.edges.filter((e) => e.from === n.slo).map((e) => e.to);
        return [
          link(sloHref(n.slo), n.slo),
          n.service,
          { value: n.budget_remaining ?? '', text: n.state === 'no_data' ? '—' : fmtPercent(n.budget_remaining) },
          { value: n.burn_rate_1h ?? '', text: fmtBurn(n.burn_rate_1h) },
          stateBadge(label, tone),
          deps.length === 0 ? '—' : h('span', null, deps.map((d, i) => [i > 0 ? ', ' : null, link(sloHref(d), d)])),
        ];
      }),
    })),
  );
});
