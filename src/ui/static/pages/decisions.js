// `/decisions`: the gate's stored decisions, newest first, filtered by app and environment.
import { api, decisionBadge, decisionHref, emptyState, fmtTime, h, link, releaseHref, runPage, shortHash, show, table } from '../app.js';

function filterForm(app, environment) {
  // A plain GET form: the filter lives in the URL, so it can be bookmarked and shared.
  return h('form', { class: 'filters', method: 'get', action: '/decisions', role: 'search', 'aria-label': 'Filter decisions' },
    h('label', null, 'App', h('input', { type: 'text', name: 'app', value: app, placeholder: 'any', autocomplete: 'off' })),
    h('label', null, 'Environment', h('input', { type: 'text', name: 'environment', value: environment, placeholder: 'any', autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    app || environment ? link('/decisions', 'Clear filter') : null);
}

runPage(async () => {
  const params = new URLSearchParams(location.search);
  const app = params.get('app') ?? '';
  const environment = params.get('environment') ?? '';
  const query = new URLSearchParams();
  if (app) query.set('app', app);
  if (environment) query.set('environment', environment);
  query.set('limit', '200');
  const { decisions } = await api(`/ui/api/decisions?${query}`);
  const filtered = app || environment;
  show(
    filterForm(app, environment),
    decisions.length === 0
      ? emptyState(filtered ? 'No decisions match this filter.' : 'No decisions yet.',
        filtered ? 'Clear the filter to see every decision.' : "The gate stores every answer it gives; Argo CD's PreSync hook (or `npx tollgate gate`) asks it before a sync.")
      : table({
        className: 'decisions',
        caption: `${decisions.length} decision${decisions.length === 1 ? '' : 's'}, newest first`,
        columns: [{ label: 'Decided' }, { label: 'Decision' }, { label: 'App' }, { label: 'Environment' }, { label: 'config_hash' }, { label: 'Summary' }],
        rows: decisions.map((d) => [
          fmtTime(d.decided_at),
          h('span', null, decisionBadge(d.decision), d.dry_run ? h('span', { class: 'muted' }, ' dry run') : null),
          d.app,
          d.environment,
          link(releaseHref(d.config_hash), shortHash(d.config_hash), { class: 'mono', title: d.config_hash }),
          link(decisionHref(d.decision_id), d.summary, { class: 'decision-link' }),
        ]),
      }),
  );
});
