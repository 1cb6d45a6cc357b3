// `/releases/{config_hash}`: one release beside its baseline (the config that served before it),
// per environment and per SLO, with its top errors and their example traces.
import {
  api, emptyState, facts, fmtCount, fmtMs, fmtPercent, fmtRatio, fmtTime, h, link, pathParam, releaseHref, runPage, section,
  setTitle, show, sloHref, table, traceHref,
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

function topErrors(errors) {
  if (errors.length === 0) return emptyState('No failed spans from this release.');
  return h('div', { id: 'top-errors' }, errors.map((c, i) => h('article', { class: 'cause' },
    h('h3', null, `${i + 1}. ${c.error_type}`, h('span', { class: 'muted' }, ` in ${c.span_name} (${c.service})`)),
    h('p', null, `${fmtCount(c.count)} failed spans, ${fmtPercent(c.share)} of this release's failures.`),
    c.example_trace_ids.length === 0 ? null : h('p', null, 'Example traces: ',
      c.example_trace_ids.map((id, j) => [j > 0 ? ', ' : null, link(traceHref(id), id.slice(0, 12), { class: 'mono trace-link', title: `trace ${id}`, 'aria-label': `trace ${id}` })])),
    c.example_log_lines.length === 0 ? null : h('ul', { class: 'log-lines', 'aria-label': 'Example log lines' }, c.example_log_lines.map((l) => h('li', null, l))),
  )));
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
    section('Top errors', topErrors(r.top_errors)),
    section('Deployments', deploymentsTable(r.deployments)),
  );
});
