// `/slos/{name}`: the budget over the period with release markers, burn rates, what burned the
// budget (attribution) and each release's share of it, the windows and alert rules with their
// thresholds and states, and the gate's recent decisions for the service.
import {
  api, causeList, decisionBadge, decisionHref, emptyState, errorBox, facts, fmtBurn, fmtCount, fmtObjective, fmtPercent, fmtRatio, fmtSeconds,
  fmtTime, h, link, markerList, pathParam, releaseHref, runPage, section, setTitle, shortHash, show, stateBadge, table,
} from '../app.js';
import { timeChart } from '../charts.js';

const THRESHOLD_COLORS = ['#cf222e', '#bc4c00', '#9a6700', '#6e7781'];

function budgetChart(series, status) {
  const points = series.budget.remaining.filter((v) => v !== null).length;
  return timeChart({
    title: 'Error budget remaining',
    note: `over the ${status.period} period so far, from the events since its start`,
    time: series.budget.time,
    series: [{ label: 'remaining', values: series.budget.remaining, color: '#0b57d0', format: (v) => fmtPercent(v), points }],
    thresholds: [{ label: 'spent', value: 0, color: '#cf222e', format: () => '0 %' }],
    yFormat: (v) => `${Math.round(v * 100)} %`,
    yRange: (min, max) => [Math.min(0, min ?? 0), Math.max(1, max ?? 1)],
    summary: `Error budget remaining over the period; now ${fmtPercent(status.error_budget.remaining)}`,
    markers: series.markers ?? [],
    bands: series.excluded ?? [],
  });
}

function burnChart(series, status) {
  const factors = [...new Map(status.alerts.map((a) => [a.burn_factor, a])).values()].sort((a, b) => b.burn_factor - a.burn_factor);
  const stepMin = Math.round(series.burn.step_seconds / 60);
  const longH = series.burn.long_window_seconds / 3600;
  return timeChart({
    title: 'Burn rate',
    note: `last ${Math.round((series.burn.time.length * series.burn.step_seconds) / 3600)} h; 1× spends the budget exactly over the period`,
    time: series.burn.time,
    series: [
      { label: `${stepMin}m`, values: series.burn.short, color: '#8250df' },
      { label: `${longH}h`, values: series.burn.long, color: '#0b57d0' },
    ],
    thresholds: factors.map((a, i) => ({
      label: `${a.severity} ${a.short_window}/${a.long_window}`, value: a.burn_factor, color: THRESHOLD_COLORS[i % THRESHOLD_COLORS.length],
      format: () => `${a.burn_factor}×`,
    })),
    yFormat: (v) => `${Number(v.toPrecision(3))}×`,
    yRange: (min, max) => [0, Math.max(max ?? 1, 1)],
    summary: `Burn rate over the last hours; 1h now ${fmtBurn(status.windows['1h']?.burn_rate ?? null)}`,
    markers: series.markers ?? [],
    bands: series.excluded ?? [],
  });
}

function alertsTable(status) {
  return table({
    className: 'alerts',
    caption: 'A rule fires when both windows burn faster than its factor: its threshold is an error ratio of burn factor × error budget.',
    columns: [
      { label: 'Severity' }, { label: 'Windows (long / short)' }, { label: 'Burn factor', numeric: true },
      { label: 'Threshold (error ratio)', numeric: true }, { label: 'Burn rate long', numeric: true }, { label: 'Burn rate short', numeric: true },
      { label: 'State' }, { label: 'Meaning' },
    ],
    rows: status.alerts.map((a) => {
      const threshold = a.burn_factor * status.error_budget_fraction;
      return [
        a.severity,
        `${a.long_window} / ${a.short_window}`,
        { value: a.burn_factor, text: `${a.burn_factor}×` },
        { value: threshold, text: fmtRatio(threshold) },
        { value: a.long_burn_rate ?? '', text: fmtBurn(a.long_burn_rate), class: a.long_burn_rate !== null && a.long_burn_rate > a.burn_factor ? 'bad-text' : null },
        { value: a.short_burn_rate ?? '', text: fmtBurn(a.short_burn_rate), class: a.short_burn_rate !== null && a.short_burn_rate > a.burn_factor ? 'bad-text' : null },
        a.state === 'firing'
          ? h('span', null, stateBadge('firing', 'bad'), a.since ? h('div', { class: 'muted' }, `since ${fmtTime(a.since)}`) : null)
          : stateBadge('inactive', 'ok'),
        h('span', null, a.meaning, h('div', { class: 'muted' }, a.reason)),
      ];
    }),
  });
}

function windowsTable(status) {
  const order = Object.keys(status.windows);
  return table({
    className: 'windows',
    caption: 'Each window ends with the current minute.',
    columns: [{ label: 'Window' }, { label: 'Events', numeric: true }, { label: 'Bad', numeric: true }, { label: 'Error ratio', numeric: true }, { label: 'Burn rate', numeric: true }],
    rows: order.map((key) => {
      const w = status.windows[key];
      return [
        key === status.period ? `${key} (period)` : key,
        { value: w.total, text: fmtCount(w.total) },
        { value: w.bad, text: fmtCount(w.bad) },
        { value: w.error_ratio ?? '', text: fmtRatio(w.error_ratio) },
        { value: w.burn_rate ?? '', text: fmtBurn(w.burn_rate) },
      ];
    }),
  });
}

/** Each release's events over the period and its share of the period's budget (the release budget ledger). */
function releasesTable(status, budgets) {
  if (status.releases.length === 0) return emptyState('No release has traffic in this period yet.');
  const share = new Map((budgets ?? []).map((b) => [b.config_hash, b]));
  return table({
    className: 'releases',
    caption: `Events over the ${status.period} period by config_hash, and the part of the period's error budget each one's bad events used.`,
    columns: [
      { label: 'config_hash' }, { label: 'Served' }, { label: 'Events', numeric: true }, { label: 'Bad', numeric: true },
      { label: 'Error ratio', numeric: true }, { label: 'Share of budget', numeric: true },
    ],
    rows: status.releases.map((r) => {
      const b = share.get(r.config_hash);
      const burn = r.error_ratio === null ? null : r.error_ratio / status.error_budget_fraction;
      return [
        r.config_hash === '' ? h('span', { class: 'muted' }, '(no config_hash)') : link(releaseHref(r.config_hash), r.config_hash, { class: 'mono' }),
        b?.first_seen ? `${fmtTime(b.first_seen)} – ${fmtTime(b.last_seen)}` : '—',
        { value: r.total, text: fmtCount(r.total) },
        { value: r.bad, text: fmtCount(r.bad) },
        { value: r.error_ratio ?? '', text: fmtRatio(r.error_ratio), class: burn !== null && burn > 1 ? 'bad-text' : null },
        { value: b?.budget_share ?? '', text: b === undefined || b.budget_share === null ? '—' : fmtPercent(b.budget_share), class: b?.budget_share >= 0.1 ? 'bad-text' : null },
      ];
    }),
  });
}

/** `?from=…&to=…` of this page's URL, passed on to the attribution API. */
function attributionRange() {
  const q = new URLSearchParams(location.search);
  const range = new URLSearchParams();
  for (const key of ['from', 'to']) if (q.get(key)) range.set(key, q.get(key));
  return range.size === 0 ? '' : `?${range}`;
}

/** What burned the budget over the period so far (or the range asked), against the same range a week earlier. */
function attributionSection(attribution) {
  if (attribution.error) return errorBox(`Attribution could not be read: ${attribution.error}`);
  if (attribution.unsupported) return emptyState(attribution.unsupported);
  const base = attribution.baseline?.kind === 'range' ? 'the same range a week earlier' : attribution.baseline?.config_hash ?? 'nothing';
  return [
    h('p', { class: 'muted' }, `${fmtCount(attribution.bad_events)} bad events ${fmtTime(attribution.from)} – ${fmtTime(attribution.to)}, ranked against ${base}: new and grown causes first.`),
    causeList(attribution.causes, { id: 'slo-causes', empty: 'No bad events in this period.' }),
    attribution.other_causes ? h('p', { class: 'muted' }, `and ${fmtCount(attribution.other_causes.causes)} more causes with ${fmtCount(attribution.other_causes.count)} bad events (${fmtPercent(attribution.other_causes.share)}).`) : null,
  ];
}

function decisionsTable(decisions, service) {
  if (decisions.length === 0) return emptyState('No gate decisions yet for this service.', `Argo CD's PreSync hook asks the gate before each sync (README, Release gate); its answers about ${service} appear here.`);
  return table({
    className: 'decisions',
    columns: [{ label: 'Decided' }, { label: 'Decision' }, { label: 'App / environment' }, { label: 'config_hash' }, { label: 'Summary' }],
    rows: decisions.map((d) => [
      fmtTime(d.decided_at), decisionBadge(d.decision), `${d.app} → ${d.environment}`,
      link(releaseHref(d.config_hash), shortHash(d.config_hash), { class: 'mono', title: d.config_hash }),
      link(decisionHref(d.decision_id), d.summary),
    ]),
  });
}

function budgetStats(status) {
  const b = status.error_budget;
  const period = status.windows[status.period];
  const burn1h = status.windows['1h']?.burn_rate ?? null;
  const stat = (label, value, sub, props = {}) => h('div', { class: 'stat', ...props }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), sub ? h('div', { class: 'sub' }, sub) : null);
  return h('div', { class: 'stats' },
    stat('Budget remaining', fmtPercent(b.remaining), `${fmtPercent(b.consumed)} consumed`, { id: 'stat-budget', 'data-value': b.remaining }),
    stat('Burn rate (1h)', fmtBurn(burn1h), b.exhausted_in_seconds === null ? 'budget not burning' : b.exhausted_in_seconds === 0 ? 'budget already spent' : `spent in ${fmtSeconds(b.exhausted_in_seconds)} at this rate`, { id: 'stat-burn', 'data-value': burn1h ?? '' }),
    stat('Error ratio', fmtRatio(period?.error_ratio ?? null), `${fmtCount(period?.bad ?? 0)} bad of ${fmtCount(period?.total ?? 0)} over ${status.period}`, { id: 'stat-ratio' }),
    stat('Objective', fmtObjective(status.objective), `budget ${fmtRatio(status.error_budget_fraction)} of events`),
  );
}

/** Budget adjustments over the period (shaded on the charts): what they exclude and why. */
function adjustmentsSection(status) {
  const adjustments = status.adjustments ?? [];
  if (adjustments.length === 0) return null;
  return section('Budget adjustments', table({
    className: 'adjustments',
    caption: 'Minutes these exclude count neither as good nor as bad (shaded on the charts).',
    columns: [{ label: 'Adjustment' }, { label: 'Reason' }, { label: 'Excludes' }, { label: 'Events left out', numeric: true }, { label: 'Bad left out', numeric: true }],
    rows: adjustments.map((a) => [
      a.name, a.reason, a.exclude,
      { value: a.excluded_events?.total ?? '', text: a.excluded_events === null ? '—' : fmtCount(a.excluded_events.total) },
      { value: a.excluded_events?.bad ?? '', text: a.excluded_events === null ? '—' : fmtCount(a.excluded_events.bad) },
    ]),
  }));
}

runPage(async () => {
  const name = pathParam('/slos/');
  setTitle(name);
  const status = await api(`/v1/slos/${encodeURIComponent(name)}`);
  const [series, decisions, attribution] = await Promise.all([
    api(`/ui/api/slos/${encodeURIComponent(name)}/series`).catch((err) => ({ error: err.message })),
    api(`/ui/api/decisions?service=${encodeURIComponent(status.service)}&limit=10`).catch((err) => ({ error: err.message })),
    // An alert links here with its long window (?from=&to=#attribution); otherwise the period so far.
    api(`/v1/slos/${encodeURIComponent(name)}/attribution${attributionRange()}`).catch((err) => ({ error: err.message })),
  ]);
  const period = status.windows[status.period];
  const noTraffic = (period?.total ?? 0) === 0;
  const firing = status.alerts.filter((a) => a.state === 'firing').length;
  show(
    status.description ? h('p', { class: 'lead' }, status.description) : null,
    facts([
      ['Service', status.service],
      ['Objective', `${fmtObjective(status.objective)} of events over ${status.period}`],
      ['Alerts', firing === 0 ? stateBadge('none firing', 'ok') : stateBadge(`${firing} firing`, 'bad')],
      ['SLI source', status.sli_source],
      ['Labels', Object.entries(status.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '—'],
      ['Evaluated', fmtTime(status.evaluated_at)],
    ]),
    status.alert_problem ? errorBox(status.alert_problem) : null,
    noTraffic
      ? emptyState('No traffic yet for this SLO.', `Nothing in the last ${status.period} matches its SLI (${status.sli_source}). Once ${status.service} sends telemetry, the budget and burn rates appear here.`)
      : [
        budgetStats(status),
        series.error
          ? errorBox(`The charts could not be drawn: ${series.error}`)
          : [h('div', { class: 'charts' }, budgetChart(series, status), burnChart(series, status)), markerList(series.markers ?? [])],
      ],
    noTraffic ? null : h('div', { id: 'attribution' }, section('What burned the budget', attributionSection(attribution))),
    adjustmentsSection(status),
    section('Alert rules', alertsTable(status)),
    section('Windows', windowsTable(status)),
    noTraffic ? null : section('By release', releasesTable(status, attribution.release_budgets)),
    section('Recent gate decisions', decisions.error ? errorBox(decisions.error) : decisionsTable(decisions.decisions, status.service)),
  );
  // The content arrives after the browser looked for the fragment: go to the causes an alert linked to.
  if (location.hash === '#attribution') document.getElementById('attribution')?.scrollIntoView();
});
