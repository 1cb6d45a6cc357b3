// `/`: every SLO, the ones in trouble first; sortable by any column; problems in SLO files on top.
import {
  api, emptyState, fmtBurn, fmtCount, fmtObjective, fmtPercent, h, link, runPage, show, sloHref, stateBadge,
} from '../app.js';

/** Where an SLO stands, and its place in the default order (lower rank = more trouble). */
export function health(s) {
  if (s.error_budget === null) return { rank: 2, label: 'cannot evaluate', tone: 'bad' };
  if (s.alerts_firing > 0) return { rank: 0, label: s.alerts_firing === 1 ? 'alert firing' : `${s.alerts_firing} alerts firing`, tone: 'bad' };
  if (s.total_events === 0) return { rank: 5, label: 'no traffic yet', tone: 'neutral' };
  if (s.error_budget.remaining <= 0) return { rank: 1, label: 'budget spent', tone: 'bad' };
  // Above 1× the budget runs out before the period ends.
  if (s.burn_rate_1h !== null && s.burn_rate_1h > 1) return { rank: 3, label: 'burning fast', tone: 'warn' };
  if (s.error_budget.remaining < 0.25) return { rank: 3, label: 'budget low', tone: 'warn' };
  return { rank: 4, label: 'healthy', tone: 'ok' };
}

const remaining = (s) => (s.error_budget === null || s.total_events === 0 ? null : s.error_budget.remaining);
/** null sorts last in either direction. */
const cmpNullable = (a, b) => (a === null && b === null ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0);

const COLUMNS = [
  { key: 'name', label: 'SLO', value: (s) => s.name },
  { key: 'service', label: 'Service', value: (s) => s.service },
  { key: 'objective', label: 'Objective', numeric: true, value: (s) => s.objective },
  { key: 'budget', label: 'Budget remaining', numeric: true, value: remaining },
  { key: 'burn', label: 'Burn rate (1h)', numeric: true, value: (s) => s.burn_rate_1h ?? null },
  { key: 'alerts', label: 'Alerts firing', numeric: true, value: (s) => s.alerts_firing },
  { key: 'status', label: 'Status', value: (s) => health(s).rank },
];

/** Trouble first: by status, then the least budget left, then the fastest burn, then name. */
function troubleOrder(a, b) {
  return health(a).rank - health(b).rank
    || cmpNullable(remaining(a), remaining(b))
    || cmpNullable(b.burn_rate_1h ?? null, a.burn_rate_1h ?? null)
    || a.name.localeCompare(b.name);
}

function budgetCell(s) {
  const r = remaining(s);
  if (s.error_budget === null) return h('td', { class: 'num' }, '—');
  if (r === null) return h('td', { class: 'num muted', 'data-value': s.error_budget.remaining }, 'no traffic yet');
  const width = Math.max(0, Math.min(1, r)) * 100;
  return h('td', { class: 'num', 'data-value': r },
    fmtPercent(r),
    h('span', { class: `budget-bar ${r <= 0 ? 'spent' : r < 0.25 ? 'low' : ''}`, 'aria-hidden': 'true' }, h('span', { style: { width: `${width}%` } })));
}

function row(s) {
  const state = health(s);
  return h('tr', { class: state.tone === 'bad' ? 'trouble' : state.tone === 'warn' ? 'warning' : null, 'data-slo': s.name },
    h('td', null, link(sloHref(s.name), s.name), s.error ? h('div', { class: 'bad-text', style: { fontSize: '0.85rem' } }, s.error) : null),
    h('td', null, s.service),
    h('td', { class: 'num', 'data-value': s.objective }, fmtObjective(s.objective), s.period ? h('span', { class: 'muted' }, ` / ${s.period}`) : null),
    budgetCell(s),
    h('td', { class: 'num', 'data-value': s.burn_rate_1h ?? '' }, fmtBurn(s.burn_rate_1h ?? null)),
    h('td', { class: `num ${s.alerts_firing > 0 ? 'bad-text' : ''}`, 'data-value': s.alerts_firing }, fmtCount(s.alerts_firing)),
    h('td', null, stateBadge(state.label, state.tone)),
  );
}

function sortableTable(slos) {
  let sortKey = 'status';
  let ascending = true;
  const tbody = h('tbody');
  const headers = COLUMNS.map((c) => {
    const arrow = h('span', { class: 'arrow', 'aria-hidden': 'true' });
    const button = h('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => sortBy(c.key) }, c.label, arrow);
    const th = h('th', { scope: 'col', class: c.numeric ? 'num' : null }, button);
    return { c, th, arrow };
  });
  function sortBy(key) {
    ascending = key === sortKey ? !ascending : true;
    sortKey = key;
    render();
  }
  function render() {
    const column = COLUMNS.find((c) => c.key === sortKey);
    const sorted = [...slos].sort((a, b) => {
      const d = sortKey === 'status' ? troubleOrder(a, b) : cmpNullable(column.value(a), column.value(b)) || troubleOrder(a, b);
      // nulls stay last whichever way the column is sorted
      if (!ascending && (sortKey === 'status' || (column.value(a) !== null && column.value(b) !== null))) return -d;
      return d;
    });
    tbody.replaceChildren(...sorted.map(row));
    for (const { c, th, arrow } of headers) {
      const active = c.key === sortKey;
      th.setAttribute('aria-sort', active ? (ascending ? 'ascending' : 'descending') : 'none');
      arrow.textContent = active ? (ascending ? '▲' : '▼') : '';
    }
  }
  render();
  return h('div', { class: 'table-wrap' },
    h('table', { id: 'slo-table' },
      h('caption', null, 'Sorted with the SLOs in trouble first. Use the column buttons to sort; press again to reverse.'),
      h('thead', null, h('tr', null, headers.map((x) => x.th))),
      tbody));
}

runPage(async () => {
  const data = await api('/v1/slos');
  const problems = data.problems.length === 0 ? null : h('div', { class: 'problems', role: 'alert' },
    h('strong', null, `${data.problems.length === 1 ? 'A problem' : `${data.problems.length} problems`} in the SLO files`),
    h('ul', { id: 'slo-problems' }, data.problems.map((p) => h('li', null, p))));
  if (data.slos.length === 0) {
    show(problems, emptyState('No SLOs loaded yet.', 'Add SLO YAML files to the directory Tollgate watches (TOLLGATE_SLO_DIR); they appear here within seconds.'));
    return;
  }
  const inTrouble = data.slos.filter((s) => health(s).tone === 'bad').length;
  show(
    problems,
    h('p', { class: 'muted', id: 'slo-summary' },
      `${data.slos.length} SLOs · ${inTrouble === 0 ? 'none in trouble' : `${inTrouble} in trouble`} · SLO files revision `,
      h('code', null, data.revision.slice(0, 12))),
    sortableTable(data.slos),
  );
});
