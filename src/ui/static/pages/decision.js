// `/decisions/{id}`: the gate's answer in large type, then the checks, the top causes with their
// example traces, the release's record beside its baseline, and the policy and SLO versions used.
import {
  api, decisionBadge, emptyState, causeList, facts, fmtBurn, fmtCount, fmtPercent, fmtRatio, fmtTime, h, link, pathParam, releaseHref,
  runPage, section, setTitle, show, sloHref, stateBadge, table,
} from '../app.js';

const CHECK_NAMES = {
  budget_remaining: 'error budget remaining',
  burn_rate: 'burn rate',
  page_alert: 'page alerts firing',
  release_vs_baseline: 'release vs baseline',
};

/** A check's value and threshold in its own unit (gate/types.ts, Check). */
function checkNumber(kind, v) {
  if (v === null || v === undefined) return '—';
  switch (kind) {
    case 'budget_remaining': return fmtPercent(v);
    case 'burn_rate': return fmtBurn(v);
    case 'page_alert': return fmtCount(v);
    case 'release_vs_baseline': return fmtRatio(v);
    default: return String(v);
  }
}

function checksTable(checks) {
  if (checks.length === 0) return emptyState('No checks ran.', 'No SLO matched the request; see the reasons above.');
  return table({
    className: 'checks',
    columns: [{ label: 'SLO' }, { label: 'Check' }, { label: 'Value', numeric: true }, { label: 'Threshold', numeric: true }, { label: 'Result' }, { label: 'Detail' }],
    // The failed checks are why the answer is what it is: they go first.
    rows: [...checks.filter((c) => !c.passed), ...checks.filter((c) => c.passed)].map((c) => [
      c.slo ? link(sloHref(c.slo), c.slo) : '—',
      CHECK_NAMES[c.check] ?? c.check,
      { value: c.value ?? '', text: checkNumber(c.check, c.value) },
      { value: c.threshold ?? '', text: checkNumber(c.check, c.threshold) },
      c.passed ? stateBadge('passed', 'ok') : stateBadge('failed', 'bad'),
      c.detail,
    ]),
  });
}

function recordsTable(records) {
  if (!records || records.length === 0) return emptyState('This release has no record yet.', 'It served no traffic in another environment before this decision.');
  const ratio = (bad, total) => (total === 0 ? null : bad / total);
  return table({
    className: 'records',
    columns: [{ label: 'Environment' }, { label: 'Service' }, { label: 'SLO' }, { label: 'Release', numeric: true }, { label: 'Baseline', numeric: true }, { label: 'Baseline config_hash' }],
    rows: records.map((r) => [
      r.environment, r.service, link(sloHref(r.slo), r.slo),
      { value: ratio(r.releaseBad, r.releaseTotal) ?? '', text: `${fmtRatio(ratio(r.releaseBad, r.releaseTotal))} (${fmtCount(r.releaseBad)} of ${fmtCount(r.releaseTotal)})` },
      r.baselineConfigHash === null ? '—' : { value: ratio(r.baselineBad, r.baselineTotal) ?? '', text: `${fmtRatio(ratio(r.baselineBad, r.baselineTotal))} (${fmtCount(r.baselineBad)} of ${fmtCount(r.baselineTotal)})` },
      r.baselineConfigHash === null ? h('span', { class: 'muted' }, 'none') : link(releaseHref(r.baselineConfigHash), r.baselineConfigHash, { class: 'mono' }),
    ]),
  });
}

runPage(async () => {
  const id = pathParam('/decisions/');
  const d = await api(`/ui/api/decisions/${encodeURIComponent(id)}`);
  setTitle(`Gate decision: ${d.decision} ${d.config_hash} → ${d.environment}`);
  const basisNote = d.decision === 'allow' && d.basis && d.basis !== 'checks_passed'
    ? h('p', null, `Allowed by ${d.basis.replace('_', ' ')}${d.would_have_been ? `; the checks alone would have answered ${d.would_have_been}` : ''}.`)
    : null;
  show(
    h('div', { class: `verdict ${d.decision}`, id: 'verdict' },
      decisionBadge(d.decision), d.dry_run ? h('span', { class: 'muted' }, ' dry run') : null,
      h('p', { class: 'summary', id: 'decision-summary' }, d.summary),
      basisNote,
      d.retry_after_seconds ? h('p', null, `Ask again in ${d.retry_after_seconds} s.`) : null),
    facts([
      ['Release', h('span', null, link(releaseHref(d.config_hash), d.config_hash, { class: 'mono', id: 'release-link' }), d.revision ? h('span', { class: 'muted' }, ` (revision ${d.revision})`) : null)],
      ['Asked for', `${d.app} → ${d.environment}; services ${(d.services ?? []).join(', ')}`],
      ['Decided', fmtTime(d.decided_at)],
      ['Policy', d.policy ?? h('span', { class: 'muted' }, 'none matched: the defaults applied')],
      ['SLO files revision', h('code', null, d.slo_revision)],
      ['Baseline', d.evidence.baseline_config_hash ? link(releaseHref(d.evidence.baseline_config_hash), d.evidence.baseline_config_hash, { class: 'mono' }) : '—'],
      d.evidence.rollback ? ['Rollback', `this config served ${d.evidence.rollback.environment} before (healthy until ${fmtTime(d.evidence.rollback.lastHealthyAtMs)})`] : null,
      ['Decision id', h('code', null, d.decision_id)],
    ]),
    d.reasons.length === 0 ? null : section('Reasons', h('ul', { class: 'reasons' }, d.reasons.map((r) => h('li', null, r)))),
    section('Checks', checksTable(d.checks)),
    section('Top causes', causeList(d.evidence.top_causes ?? [], { id: 'top-causes', empty: 'No bad events to show for the failed checks.' })),
    section('The release beside its baseline', recordsTable(d.evidence.release_records)),
  );
});
