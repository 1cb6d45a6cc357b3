/**
 * @module ui/shell
 * Every page's HTML: the same frame (navigation, token dialog, an empty main) and one page script.
 * The shell holds no data: the page script fetches it from the JSON API with the token the user
 * gave (sessionStorage), so a page never shows anything to someone the API would refuse, and the
 * same pages work with and without tokens. Nothing from the request is written into the HTML; the
 * scripts read their parameters (an SLO name, a trace id) from `location`.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type PageName = 'slo-list' | 'slo-detail' | 'decisions' | 'decision' | 'release' | 'trace' | 'service-map' | 'slo-graph';

export interface PageDef {
  page: PageName;
  /** The first heading and the document title until the script knows better. */
  title: string;
  /** Which navigation entry is current. */
  section: 'slos' | 'decisions' | 'service-map' | 'slo-graph' | null;
}

export const PAGES: Readonly<Record<PageName, PageDef>> = {
  'slo-list': { page: 'slo-list', title: 'SLOs', section: 'slos' },
  'slo-detail': { page: 'slo-detail', title: 'SLO', section: 'slos' },
  decisions: { page: 'decisions', title: 'Gate decisions', section: 'decisions' },
  decision: { page: 'decision', title: 'Gate decision', section: 'decisions' },
  release: { page: 'release', title: 'Release', section: null },
  trace: { page: 'trace', title: 'Trace', section: null },
  'service-map': { page: 'service-map', title: 'Service map', section: 'service-map' },
  'slo-graph': { page: 'slo-graph', title: 'SLO graph', section: 'slo-graph' },
};

const NAV: ReadonlyArray<{ section: NonNullable<PageDef['section']>; href: string; label: string }> = [
  { section: 'slos', href: '/', label: 'SLOs' },
  { section: 'decisions', href: '/decisions', label: 'Gate decisions' },
  { section: 'service-map', href: '/service-map', label: 'Service map' },
  { section: 'slo-graph', href: '/slo-graph', label: 'SLO graph' },
];

/** `assetVersion` busts browser caches of the UI's own files when Tollgate is upgraded. */
export function pageShell(def: PageDef, assetVersion: string): HtmlEscapedString | Promise<HtmlEscapedString> {
  const v = encodeURIComponent(assetVersion);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${def.title} · Tollgate</title>
<link rel="stylesheet" href="/ui/vendor/uPlot.min.css">
<link rel="stylesheet" href="/ui/static/app.css?v=${v}">
<link rel="icon" href="/ui/static/favicon.svg?v=${v}" type="image/svg+xml">
</head>
<body data-page="${def.page}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Tollgate</a>
  <nav aria-label="Main">
    <ul>
      ${NAV.map((n) => html`<li><a href="${n.href}"${n.section === def.section ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
    </ul>
  </nav>
  <div id="auth-state" class="auth-state"></div>
</header>
<main id="main" tabindex="-1">
  <h1 id="page-title">${def.title}</h1>
  <div id="content"><p class="loading" role="status">Loading…</p></div>
</main>
<dialog id="token-dialog" aria-labelledby="token-title">
  <form method="dialog" id="token-form">
    <h2 id="token-title">Token needed</h2>
    <p id="token-message">This Tollgate asks for a token. Enter one with the <code>read</code> scope; it is kept for this browser tab only (sessionStorage).</p>
    <label for="token-input">Token</label>
    <input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
    <div class="dialog-actions">
      <button type="submit" value="save" class="primary">Use token</button>
      <button type="button" id="token-cancel">Cancel</button>
    </div>
  </form>
</dialog>
<script type="module" src="/ui/static/pages/${def.page}.js?v=${v}"></script>
</body>
</html>`;
}
