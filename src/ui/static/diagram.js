// Mermaid diagrams. mermaid.min.js (3.4 MiB) is loaded only by the pages that draw one.
import { h } from './app.js';

let loading = null;

function loadMermaid() {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/ui/vendor/mermaid.min.js';
    script.onload = () => {
      const mermaid = globalThis.mermaid;
      // 'strict': labels are text, never HTML; `click … href` links still work (they are plain <a>).
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', flowchart: { htmlLabels: false, useMaxWidth: true } });
      resolve(mermaid);
    };
    script.onerror = () => reject(new Error('could not load /ui/vendor/mermaid.min.js'));
    document.head.append(script);
  });
  return loading;
}

/**
 * A diagram from mermaid text, rendered as SVG into a container returned at once. Its links
 * (mermaid `click id href "…"`) become keyboard-focusable SVG links with the node's label as name.
 */
export function mermaidDiagram(text, { label }) {
  const pre = h('pre', { class: 'mermaid' }, text);
  const container = h('div', { class: 'diagram', role: 'figure', 'aria-label': label }, pre);
  loadMermaid()
    .then((mermaid) => mermaid.run({ nodes: [pre] }))
    .then(() => {
      for (const a of container.querySelectorAll('svg a')) {
        // Chromium follows a focused SVG link on Enter, like an HTML one.
        a.setAttribute('tabindex', '0');
        const name = a.textContent.trim().replace(/\s+/g, ' ');
        if (name) a.setAttribute('aria-label', name);
      }
      container.dataset.rendered = 'true';
    })
    .catch((err) => {
      container.replaceChildren(h('div', { class: 'error-box', role: 'alert' }, `The diagram could not be drawn: ${err && err.message ? err.message : err}`), h('pre', null, text));
      container.dataset.rendered = 'error';
      console.error('mermaid', err);
    });
  return container;
}

/** The colours the API's diagrams use (correlate/mermaid.ts, HEALTH_CLASSES). */
export function healthLegend() {
  const item = (color, border, text) => h('span', null, h('span', { class: 'swatch', style: { background: color, borderColor: border } }), text);
  return h('div', { class: 'legend', role: 'list', 'aria-label': 'Colours' },
    h('span', { role: 'listitem' }, item('#e6f4ea', '#1e8e3e', 'healthy')),
    h('span', { role: 'listitem' }, item('#fef7e0', '#f9ab00', 'warning')),
    h('span', { role: 'listitem' }, item('#fce8e6', '#d93025', 'in trouble')),
    h('span', { role: 'listitem' }, item('#f1f3f4', '#9aa0a6', 'no data')));
}
