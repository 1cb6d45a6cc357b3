// `/traces/{trace_id}`: the trace as a waterfall, each log line interleaved at its time under the
// span that wrote it (or among the roots when its span is not in the trace).
import { api, emptyState, facts, fmtCount, fmtMs, fmtTime, h, link, pathParam, releaseHref, runPage, section, setTitle, show } from '../app.js';

const ns = (text) => BigInt(text);

/** Children and log lines of one parent, in time order (a log before a span starting at the same instant). */
function interleave(spans, logs) {
  const items = [
    ...spans.map((s) => ({ kind: 'span', at: ns(s.start_unix_nano), value: s })),
    ...logs.map((l) => ({ kind: 'log', at: ns(l.time_unix_nano), value: l })),
  ];
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === b.kind ? 0 : a.kind === 'log' ? -1 : 1));
}

function severityTone(log) {
  if (log.severity_number >= 17) return 'error';
  if (log.severity_number >= 13) return 'warn';
  return '';
}

function waterfall(trace) {
  // A trace of log lines only has no span start: its first log line starts it.
  const startNs = trace.start_unix_nano ? ns(trace.start_unix_nano) : trace.logs.length > 0 ? ns(trace.logs[0].time_unix_nano) : 0n;
  const totalMs = Math.max(trace.duration_ms, 0.001);
  const offsetMs = (textNs) => Number(ns(textNs) - startNs) / 1e6;
  const pct = (ms) => `${Math.max(0, Math.min(100, (ms / totalMs) * 100)).toFixed(3)}%`;

  const spanIds = new Set();
  const collect = (n) => { spanIds.add(n.span_id); n.children.forEach(collect); };
  trace.roots.forEach(collect);
  const logsBySpan = new Map();
  const orphanLogs = [];
  for (const l of trace.logs) {
    if (l.span_id && spanIds.has(l.span_id)) logsBySpan.set(l.span_id, [...(logsBySpan.get(l.span_id) ?? []), l]);
    else orphanLogs.push(l);
  }

  const rows = [];
  const logRow = (l, depth) => {
    const at = offsetMs(l.time_unix_nano);
    const tone = severityTone(l);
    rows.push(h('tr', { class: `log ${tone ? `sev-${tone}` : ''}`, 'data-span-id': l.span_id || null },
      h('td', { class: 'label', style: { paddingLeft: `${0.5 + depth * 1.1}rem` } },
        h('span', { class: `sev ${tone}` }, l.severity_text || `severity ${l.severity_number}`), l.body),
      h('td', null, l.service),
      h('td', { class: 'num' }, `+${fmtMs(at)}`),
      h('td', null, h('div', { class: 'timeline' }, h('span', { class: `tick ${tone}`, style: { left: pct(at) }, title: `${l.severity_text} at +${fmtMs(at)}` }))),
    ));
  };
  const spanRow = (s, depth) => {
    const at = offsetMs(s.start_unix_nano);
    const isError = s.status_code === 'Error';
    const detailsId = `span-${s.span_id}`;
    const details = h('tr', { class: 'span-details-row', id: detailsId, hidden: true },
      h('td', { colspan: '4' }, spanDetails(s, at)));
    const toggle = h('button', {
      type: 'button', class: 'link-button span-name', 'aria-expanded': 'false', 'aria-controls': detailsId,
      onclick: () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        details.hidden = !open;
      },
    }, s.name);
    rows.push(h('tr', { class: `span ${isError ? 'error' : ''}`, 'data-span-id': s.span_id },
      h('td', { class: 'label', style: { paddingLeft: `${0.5 + depth * 1.1}rem` }, title: s.name },
        toggle, isError ? h('span', { class: 'bad-text' }, ` ${s.status_message || 'error'}`) : null),
      h('td', null, s.service),
      h('td', { class: 'num' }, fmtMs(s.duration_ms)),
      h('td', null, h('div', { class: 'timeline' },
        h('span', { class: `bar ${isError ? 'error' : ''}`, style: { left: pct(at), width: pct(s.duration_ms) }, title: `+${fmtMs(at)}, ${fmtMs(s.duration_ms)}` }))),
    ));
    rows.push(details);
    for (const item of interleave(s.children, logsBySpan.get(s.span_id) ?? [])) {
      if (item.kind === 'span') spanRow(item.value, depth + 1);
      else logRow(item.value, depth + 1);
    }
  };
  for (const item of interleave(trace.roots, orphanLogs)) {
    if (item.kind === 'span') spanRow(item.value, 0);
    else logRow(item.value, 0);
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'waterfall', id: 'waterfall' },
    h('caption', null, 'Spans under their parents; log lines (shaded) at their times under the span that wrote them. Select a span name for its attributes and events.'),
    h('colgroup', null, h('col', { class: 'name' }), h('col', { class: 'service' }), h('col', { class: 'dur' }), h('col', { class: 'timeline' })),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Span / log line'), h('th', { scope: 'col' }, 'Service'), h('th', { scope: 'col', class: 'num' }, 'Took / at'), h('th', { scope: 'col' }, `Timeline (${fmtMs(trace.duration_ms)})`))),
    h('tbody', null, rows)));
}

function spanDetails(s, atMs) {
  const attrs = Object.entries(s.attributes ?? {});
  return h('div', null,
    facts([
      ['Span id', h('code', null, s.span_id)],
      ['Kind', s.kind],
      ['Starts', `${fmtTime(s.start)} (+${fmtMs(atMs)})`],
      ['Status', s.status_message ? `${s.status_code}: ${s.status_message}` : s.status_code],
      s.config_hash ? ['Release', link(releaseHref(s.config_hash), s.config_hash, { class: 'mono' })] : null,
      s.environment ? ['Environment', s.environment] : null,
    ]),
    attrs.length === 0 ? null : h('pre', null, attrs.map(([k, v]) => `${k} = ${v}`).join('\n')),
    (s.events ?? []).length === 0 ? null : h('ul', { class: 'log-lines' }, s.events.map((e) =>
      h('li', null, `${fmtTime(e.time)} ${e.name} ${Object.entries(e.attributes ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`))));
}

runPage(async () => {
  const id = pathParam('/traces/');
  setTitle(`Trace ${id}`);
  const trace = await api(`/v1/traces/${encodeURIComponent(id)}`);
  const releases = new Set();
  const walk = (n) => { if (n.config_hash) releases.add(n.config_hash); n.children.forEach(walk); };
  trace.roots.forEach(walk);
  show(
    facts([
      ['Services', trace.services.join(', ')],
      ['Started', fmtTime(trace.start)],
      ['Duration', fmtMs(trace.duration_ms)],
      ['Spans', fmtCount(trace.span_count)],
      ['Log lines', fmtCount(trace.logs.length)],
      ['Releases', releases.size === 0 ? '—' : h('span', null, [...releases].map((r, i) => [i > 0 ? ', ' : null, link(releaseHref(r), r, { class: 'mono' })]))],
    ]),
    trace.truncated ? h('p', { class: 'problems' }, 'This trace holds more spans or log lines than one page shows; the earliest are shown.') : null,
    section('Waterfall', trace.roots.length === 0 && trace.logs.length === 0 ? emptyState('This trace has no spans.') : waterfall(trace)),
  );
});
