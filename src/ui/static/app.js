// Tollgate web UI: what every page shares. Plain ES module, no build step, no dependencies.
// Data comes from Tollgate's JSON API; when Tollgate has tokens (the API answers 401), the user is
// asked once for a token, which is kept in sessionStorage (this tab only) and sent as a Bearer token.

const TOKEN_KEY = 'tollgate.token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------
// Token

let pendingPrompt = null;

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: ask every time
  }
}

/** Shows the token dialog once however many requests wait for it; resolves when a token is saved. */
function askForToken(message) {
  if (pendingPrompt !== null) return pendingPrompt;
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const text = document.getElementById('token-message');
  const cancel = document.getElementById('token-cancel');
  if (message) text.textContent = message;
  input.value = '';
  pendingPrompt = new Promise((resolve, reject) => {
    const done = () => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      pendingPrompt = null;
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      try {
        sessionStorage.setItem(TOKEN_KEY, token);
      } catch {
        // storage disabled: the token still serves this page's requests
        memoryToken = token;
      }
      dialog.close();
      done();
      renderAuthState();
      resolve();
    };
    const onCancel = (event) => {
      event.preventDefault();
      dialog.close();
      done();
      reject(new ApiError(401, 'This Tollgate needs a token with the read scope to show this page.'));
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
  });
  dialog.showModal();
  input.focus();
  return pendingPrompt;
}

let memoryToken = null;

function forgetToken() {
  memoryToken = null;
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
  renderAuthState();
}

function renderAuthState() {
  const slot = document.getElementById('auth-state');
  if (slot === null) return;
  const token = storedToken() ?? memoryToken;
  if (token === null) {
    slot.replaceChildren();
    return;
  }
  slot.replaceChildren(
    h('span', { class: 'muted' }, 'Token in use'),
    ' ',
    h('button', { type: 'button', class: 'link-button', onclick: () => { forgetToken(); location.reload(); } }, 'Forget token'),
  );
}

/**
 * GET a JSON API path. 401: ask for a token and try again; other failures throw ApiError with the
 * API's own message (`{error}`), which pages show as is.
 */
export async function api(path) {
  for (let attempt = 0; ; attempt++) {
    const token = storedToken() ?? memoryToken;
    const res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
    if (res.status === 401) {
      if (token) forgetToken();
      await askForToken(token
        ? 'That token was not accepted. Enter a token with the read scope.'
        : undefined);
      continue;
    }
    const body = await res.json().catch(() => null);
    if (res.ok) return body;
    const message = body && typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
    if (res.status === 403) throw new ApiError(403, `The token in use may not read this (${message}). Forget it and enter one with the read scope.`);
    throw new ApiError(res.status, message);
  }
}

// ---------------------------------------------------------------------------------------------
// DOM

/**
 * Builds an element. `props`: attributes (`class`, `href`, `aria-*`, `data-*`, …), `on<event>`
 * handlers; children: nodes, strings (always text, never HTML), arrays, null/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function setTitle(title) {
  document.getElementById('page-title').textContent = title;
  document.title = `${title} · Tollgate`;
}

/** Replaces the page's content. */
export function show(...nodes) {
  document.getElementById('content').replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

export function emptyState(title, hint) {
  return h('div', { class: 'empty-state' }, h('p', { class: 'empty-title' }, title), hint ? h('p', { class: 'muted' }, hint) : null);
}

export function errorBox(message) {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}

/** A section with a heading, for the page's outline and keyboard users' heading navigation. */
export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/**
 * A table. `columns`: [{label, numeric?}]; `rows`: arrays of cells, each a string/node or
 * {value, text, title?} (value goes into data-value for sorting and tests).
 */
export function table({ caption, columns, rows, className }) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: className ?? null },
      caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
      h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell, i) => td(cell, columns[i]))))),
    ));
}

export function td(cell, column) {
  const numeric = column && column.numeric ? 'num' : null;
  if (cell !== null && typeof cell === 'object' && !(cell instanceof Node) && !Array.isArray(cell)) {
    return h('td', { class: [numeric, cell.class].filter(Boolean).join(' ') || null, 'data-value': cell.value ?? null, title: cell.title ?? null }, cell.text);
  }
  return h('td', { class: numeric }, cell);
}

/** Definition list from [label, value] pairs (values may be nodes). */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter((p) => p !== null).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function link(href, text, props = {}) {
  return h('a', { href, ...props }, text);
}

export const sloHref = (name) => `/slos/${encodeURIComponent(name)}`;
export const releaseHref = (hash) => `/releases/${encodeURIComponent(hash)}`;
export const traceHref = (id) => `/traces/${encodeURIComponent(id)}`;
export const decisionHref = (id) => `/decisions/${encodeURIComponent(id)}`;

/**
 * Causes from attribution (the gate's top causes, a release's and an SLO's): each with its one-line
 * headline, whether it is new or grew against the baseline, its count and shares, when and in
 * which releases it was seen, example traces linked, and example log lines.
 */
export function causeList(causes, { id, empty, of = 'bad events' }) {
  if (causes.length === 0) return emptyState(empty);
  const changeBadge = (c) => (c.change === 'new' ? stateBadge('new', 'bad') : c.change === 'grew' ? stateBadge('grew', 'warn') : null);
  return h('div', { id }, causes.map((c, i) => h('article', { class: 'cause', 'data-change': c.change },
    h('h3', null, `${i + 1}. `, changeBadge(c), changeBadge(c) ? ' ' : null, c.headline, c.slo ? h('span', { class: 'muted' }, ` (${c.slo})`) : null),
    h('p', null,
      `${fmtCount(c.count)} ${of}, ${fmtPercent(c.share)} of them`,
      c.budget_share === null || c.budget_share === undefined ? '' : `, ${fmtPercent(c.budget_share)} of the error budget`,
      c.baseline_count === null || c.baseline_count === undefined ? '.' : `; ${fmtCount(c.baseline_count)} in the baseline.`),
    h('p', { class: 'muted' }, `seen ${fmtTime(c.first_seen)} – ${fmtTime(c.last_seen)}`,
      c.config_hashes.length === 0 ? null : [' in ', c.config_hashes.map((hash, j) => [j > 0 ? ', ' : null, link(releaseHref(hash), shortHash(hash), { class: 'mono', title: hash })])]),
    c.example_trace_ids.length === 0 ? null : h('p', null, 'Example traces: ',
      c.example_trace_ids.map((traceId, j) => [j > 0 ? ', ' : null, link(traceHref(traceId), traceId.slice(0, 12), { class: 'mono trace-link', title: `trace ${traceId}`, 'aria-label': `trace ${traceId}` })])),
    c.example_log_lines.length === 0 ? null : h('ul', { class: 'log-lines', 'aria-label': 'Example log lines' }, c.example_log_lines.map((l) => h('li', null, l))),
  )));
}

/** Release markers under a chart, as text: what the vertical lines on it are. */
export function markerList(markers) {
  if (markers.length === 0) return null;
  return h('ul', { class: 'markers', 'aria-label': 'Release markers' }, markers.map((m) => h('li', { 'data-kind': m.kind },
    m.kind === 'deploy' ? 'deployed ' : 'first seen ',
    link(releaseHref(m.config_hash), shortHash(m.config_hash), { class: 'mono', title: m.config_hash }),
    ` in ${m.environment}, ${fmtTime(m.time)}`,
    m.kind === 'deploy' ? h('span', { class: 'muted' }, ` (${m.app} ${m.revision})`) : null)));
}

/** The URL path after `prefix`, decoded: `/slos/checkout-availability` → `checkout-availability`. */
export function pathParam(prefix) {
  return decodeURIComponent(location.pathname.slice(prefix.length).replace(/\/+$/, ''));
}

export function decisionBadge(decision) {
  const cls = { allow: 'ok', deny: 'bad', wait: 'warn' }[decision] ?? 'neutral';
  return h('span', { class: `badge ${cls}` }, decision);
}

export function stateBadge(text, tone) {
  return h('span', { class: `badge ${tone}` }, text);
}

// ---------------------------------------------------------------------------------------------
// Numbers. Fixed 'en' formatting so every reader (and test) sees the same text.

const nf = (digits) => new Intl.NumberFormat('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** 0.999 → "99.9 %" (an objective: as many decimals as it has, up to 4). */
export function fmtObjective(fraction) {
  return `${nf(4).format(Number((fraction * 100).toFixed(6)))} %`;
}

/** A fraction with one decimal: 0.7312 → "73.1 %"; null → "—". */
export function fmtPercent(fraction, digits = 1) {
  if (fraction === null || fraction === undefined) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** An error ratio: small numbers keep their significant digits (0.000123 → "0.0123 %"). */
export function fmtRatio(ratio) {
  if (ratio === null || ratio === undefined) return '—';
  if (ratio === 0) return '0 %';
  const pct = ratio * 100;
  return `${pct >= 1 ? pct.toFixed(2) : Number(pct.toPrecision(3)).toString()} %`;
}

/** A burn rate: 2.345 → "2.35×"; null (no events) → "—". */
export function fmtBurn(rate) {
  if (rate === null || rate === undefined) return '—';
  return `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(2)}×`;
}

export function fmtCount(n) {
  return n === null || n === undefined ? '—' : nf(0).format(n);
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(2)} ms`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Local time, "2026-11-24 09:41:07". */
export function fmtTime(value) {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(typeof value === 'number' ? value : String(value).includes('T') || String(value).includes('Z') ? value : `${value}Z`);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

export function fmtAgo(value) {
  const ms = Date.now() - new Date(value).getTime();
  if (Number.isNaN(ms)) return '';
  return `${fmtSeconds(Math.max(0, ms / 1000))} ago`;
}

/** A short config hash for tables; the full one in the title. */
export function shortHash(hash) {
  return hash.length > 16 ? `${hash.slice(0, 14)}…` : hash;
}

// ---------------------------------------------------------------------------------------------
// Page lifecycle

/** Runs a page's loader; an error becomes a visible message (and the console, for tests). */
export async function runPage(load) {
  renderAuthState();
  try {
    await load();
  } catch (err) {
    const message = err instanceof ApiError ? err.message : `Something went wrong: ${err && err.message ? err.message : err}`;
    const actions = err instanceof ApiError && (err.status === 401 || err.status === 403)
      ? h('p', null, h('button', { type: 'button', class: 'primary', onclick: () => { forgetToken(); location.reload(); } }, 'Enter a token'))
      : null;
    show(errorBox(message), actions);
    if (!(err instanceof ApiError)) throw err;
  } finally {
    document.body.dataset.ready = 'true';
  }
}
