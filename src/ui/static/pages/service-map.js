// `/service-map`: services and their calls from parent/child spans, coloured by error ratio;
// each node opens its current release.
import { api, emptyState, fmtCount, fmtMs, fmtRatio, h, link, releaseHref, runPage, section, show, table } from '../app.js';
import { healthLegend, mermaidDiagram } from '../diagram.js';

const RANGES = ['15m', '1h', '6h', '1d', '7d'];

function filterForm(environment, since) {
  return h('form', { class: 'filters', method: 'get', action: '/service-map', role: 'search', 'aria-label': 'Service map range' },
    h('label', null, 'Environment', h('input', { type: 'text', name: 'environment', value: environment, placeholder: 'all', autocomplete: 'off' })),
    h('label', null, 'Since', h('select', { name: 'since' }, RANGES.map((r) => h('option', { value: r, selected: r === since }, r)))),
    h('button', { type: 'submit', class: 'primary' }, 'Show'));
}

runPage(async () => {
  const params = new URLSearchParams(location.search);
  const environment = params.get('environment') ?? '';
  const since = params.get('since') ?? '1h';
  const query = new URLSearchParams({ since });
  if (environment) query.set('environment', environment);
  const map = await api(`/v1/service-map?${query}`);
  if (map.nodes.length === 0) {
    show(filterForm(environment, since), emptyState(`No spans ${environment ? `in ${environment} ` : ''}in the last ${since}.`, 'Services appear here once they send traces to Tollgate.'));
    return;
  }
  show(
    filterForm(environment, since),
    map.sample_rate < 1 ? h('p', { class: 'muted' }, `Calls between services are estimated from one trace in ${Math.round(1 / map.sample_rate)}.`) : null,
    healthLegend(),
    mermaidDiagram(map.mermaid, { label: `Service map: ${map.nodes.length} services, ${map.edges.length} connections` }),
    section('Services', table({
      className: 'nodes',
      columns: [{ label: 'Service' }, { label: 'Requests served', numeric: true }, { label: 'Error ratio', numeric: true }, { label: 'Current release' }],
      rows: map.nodes.map((n) => [
        n.service,
        { value: n.calls, text: fmtCount(n.calls) },
        { value: n.error_ratio ?? '', text: fmtRatio(n.error_ratio) },
        n.config_hash ? link(releaseHref(n.config_hash), n.config_hash, { class: 'mono' }) : h('span', { class: 'muted' }, 'no config_hash'),
      ]),
    })),
    section('Calls', map.edges.length === 0 ? emptyState('No calls between services in this range.') : table({
      className: 'edges',
      columns: [{ label: 'From' }, { label: 'To' }, { label: 'Calls', numeric: true }, { label: 'Error ratio', numeric: true }, { label: 'p95', numeric: true }],
      rows: map.edges.map((e) => [e.source, e.target, { value: e.calls, text: fmtCount(e.calls) }, { value: e.error_ratio ?? '', text: fmtRatio(e.error_ratio) }, fmtMs(e.p95_ms)]),
    })),
  );
});
