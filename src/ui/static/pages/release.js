// `/releases/{config_hash}`: one release beside its baseline (the config that served before it),
// per environment and per SLO, its share of each SLO's budget, and what burned it (attribution).
import {
  api, causeList, emptyState, facts, fmtPercent, fmtCount, fmtMs, fmtRatio, fmtTime, h, link, pathParam, releaseHref, runPage, section,
  setTitle, show, sloHref, table,
} from '../app.js';

/** "3.2× baseline" / "same as baseline" / "" when either side has no events. */
function versus(release, baseline) {
  if (release === null || baseline === null || baseline === undefined) return '';
  if (baseline === 0) return release === 0 ? 'same as baseline' : 'baseline had none';
  const times = release / baseline;
  if (Math.abs(times - 1) < 0.05) return 'same as baseline';
  return `${times >= 10 ? times.toFixed(0) : times.toFixed(1)}× baseline`;
}

function environmentsTable(environments) {
  return table({
    className: 'environments',
    caption: 'Server spans of this release and of its baseline in each environment.',
    columns: [
      { label: 'Environment' }, { label: 'Served' }, { label: 'Spans', numeric: true }, { label: 'Error ratio', numeric: true },
      { label: 'Baseline error ratio', numeric: true }, { label: 'p95 (baseline)', numeric: true }, { label: 'Baseline' },
    ],
    rows: environments.map((e) => [
      e.environment,
      `${fmtTime(e.first_seen)} – ${fmtTime(e.last_seen)}`,
      { value: e.spans, text: fmtCount(e.spans) },
      { value: e.error_ratio ?? '', text: h('span', null, fmtRatio(e.error_ratio), h('div', { class: 'muted' }, versus(e.error_ratio, e.baseline?.error_ratio ?? null))) },
      e.baseline ? { value: e.baseline.error_ratio ?? '', text: fmtRatio(e.baseline.error_ratio) } : '—',
      `${fmtMs(e.p95_ms)} (${e.baseline ? fmtMs(e.baseline.p95_ms) : '—'})`,
      e.baseline ? link(releaseHref(e.baseline.config_hash), e.baseline.config_hash, { class: 'mono' }) : h('span', { class: 'muted' }, 'none before it'),
    ]),
  });
}

function slisTable(slis) {
  if (slis.length === 0) return emptyState('No SLO covers the services of this release.');
  return table({
    className: 'slis',
    caption: 'Each SLO\'s events from this release and from its baseline, over the same lookback.',
    columns: [{ label: 'SLO' }, { label: 'Environment' }, { label: 'Release', numeric: true }, { label: 'Baseline', numeric: true }, { label: 'Baseline config_hash' }],
    rows: slis.map((s) => [
      link(sloHref(s.slo), s.slo),
      s.environment,
      { value: s.release.ratio ?? '', text: h('span', null, `${fmtRatio(s.release.ratio)} bad`, h('div', { class: 'muted' }, `${fmtCount(s.release.bad)} of ${fmtCount(s.release.total)}`)), class: s.baseline && s.release.ratio !== null && s.baseline.ratio !== null && s.release.ratio > 2 * s.baseline.ratio ? 'bad-text' : null },
      s.baseline ? { value: s.baseline.ratio ?? '', text: h('span', null, `${fmtRatio(s.baseline.ratio)} bad`, h('div', { class: 'muted' }, `${fmtCount(s.baseline.bad)} of ${fmtCount(s.baseline.total)}`)) } : '—',
      s.baseline ? link(releaseHref(s.baseline.config_hash), s.baseline.config_hash, { class: 'mono' }) : h('span', { class: 'muted' }, 'none'),
    ]),
  });
}

function budgetTable(budget) {
  if (budget.length === 0) return emptyState('No SLO covers the services of this release.');
  return table({
    className: 'budget',
    caption: "Each SLO's error budget over its period, and the part this release's bad events used.",
    columns: [{ label: 'SLO' }, { label: 'Environment' }, { label: 'Bad events', numeric: true }, { label: 'Share of budget', numeric: true }, { label: 'Served' }],
    rows: budget.map((b) => [
      link(sloHref(b.slo), b.slo),
      b.environment,
      { value: b.bad_events, text: fmtCount(b.bad_events) },
      { value: b.budget_share ?? '', text: b.budget_share === null ? '—' : `${fmtPercent(b.budget_share)} of ${b.period}`, class: b.budget_share !== null && b.budget_share >= 0.1 ? 'bad-text' : null },
      b.first_seen ? `${fmtTime(b.first_seen)} – ${fmtTime(b.last_seen)}` : '—',
    ]),
  });
}

function deploymentsTable(deployments) {
  if (deployments.length === 0) return emptyState('No deploy events recorded for this release.', 'Argo CD notifications post them to /v1/deployments (README, Release gate).');
  return table({
    className: 'deployments',
    columns: [{ label: 'Deployed' }, { label: 'App' }, { label: 'Environment' }, { label: 'Service' }, { label: 'Revision' }],
    rows: deployments.map((d) => [fmtTime(d.time), d.app, d.environment, d.service || '—', h('code', null, d.revision)]),
  });
}

runPage(async () => {
  const hash = pathParam('/releases/');
  setTitle(`Release ${hash}`);
  const r = await api(`/v1/releases/${encodeURIComponent(hash)}`);
  show(
    facts([
      ['config_hash', h('code', null, r.config_hash)],
      ['Services', r.services.join(', ') || '—'],
      ['Environments', r.environments.map((e) => e.environment).join(', ') || '—'],
      ['Looked back', r.since],
    ]),
    section('Release vs baseline', r.environments.length === 0 ? emptyState('No spans from this release yet.') : environmentsTable(r.environments)),
    section('SLOs', slisTable(r.slis)),
    section('Budget spent', budgetTable(r.budget)),
    section('What burned the budget', causeList(r.causes, { id: 'release-causes', empty: 'No bad events from this release in its SLOs.' })),
    section('Deployments', deploymentsTable(r.deployments)),
  );
});
