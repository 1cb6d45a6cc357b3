// Line charts with uPlot, served by Tollgate from node_modules (no CDN).
import uPlot from '/ui/vendor/uPlot.esm.js';
import { h } from './app.js';

/**
 * A time chart in a <figure>. `time`: unix seconds; `series`: [{label, values, color, dash?, format?, points? (non-null count)}];
 * `thresholds`: [{label, value, color}] drawn as dashed horizontal lines; `yFormat(v)` for the axis;
 * `yRange(min, max)` → [lo, hi]; `markers`: [{time (ISO), kind: deploy|first_seen}] drawn as vertical lines
 * (deploys solid, first-seen dotted); `bands`: [{from, to, name}] (unix seconds) shaded behind the lines, for
 * minutes a budget adjustment excludes. The canvas gets a text alternative (`summary`).
 */
export function timeChart({ title, note, time, series, thresholds = [], yFormat = (v) => String(v), yRange, summary, height = 260, markers = [], bands = [] }) {
  const body = h('div', { class: 'chart-body' });
  const figure = h('figure', { class: 'chart' }, h('figcaption', null, title, note ? h('span', { class: 'muted' }, ` — ${note}`) : null), body);
  const data = [time, ...series.map((s) => s.values), ...thresholds.map((t) => time.map(() => t.value))];
  const markerSeconds = markers.map((m) => ({ x: Date.parse(m.time) / 1000, kind: m.kind })).filter((m) => m.x >= time[0] && m.x <= time.at(-1));
  const drawMarkers = (u) => {
    const { ctx } = u;
    const { top, height: h2 } = u.bbox;
    ctx.save();
    for (const m of markerSeconds) {
      const x = Math.round(u.valToPos(m.x, 'x', true));
      ctx.strokeStyle = m.kind === 'deploy' ? '#24292f' : '#6e7781';
      ctx.lineWidth = 1;
      ctx.setLineDash(m.kind === 'deploy' ? [] : [2, 3]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + h2);
      ctx.stroke();
    }
    ctx.restore();
  };
  const opts = {
    width: 600,
    height,
    hooks: { draw: [drawMarkers], ...(bands.length === 0 ? {} : { drawClear: [(u) => shadeBands(u, bands)] }) },
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: yRange ? { range: (_u, min, max) => yRange(min, max) } : {} },
    axes: [
      { stroke: '#59636e', grid: { stroke: '#eef1f4' } },
      { stroke: '#59636e', grid: { stroke: '#eef1f4' }, size: 64, values: (_u, ticks) => ticks.map(yFormat) },
    ],
    series: [
      { label: 'time' },
      ...series.map((s) => ({
        label: s.label, stroke: s.color, width: 2, dash: s.dash, spanGaps: false,
        // A line needs two points: a sparse series (a new SLO) shows its points instead.
        points: { show: (s.points ?? Infinity) < 3, size: 8 },
        value: (_u, v) => (v === null || v === undefined ? '—' : (s.format ?? yFormat)(v)),
      })),
      ...thresholds.map((t) => ({ label: t.label, stroke: t.color, width: 1, dash: [6, 4], points: { show: false }, value: () => (t.format ?? yFormat)(t.value) })),
    ],
  };
  // uPlot measures its container; draw once the figure is in the document, and follow its width.
  requestAnimationFrame(() => {
    const plot = new uPlot({ ...opts, width: Math.max(300, body.clientWidth) }, data, body);
    const canvas = body.querySelector('canvas');
    if (canvas) {
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', summary ?? title);
    }
    new ResizeObserver(() => {
      const width = Math.max(300, body.clientWidth);
      if (Math.abs(width - plot.width) > 4) plot.setSize({ width, height });
    }).observe(body);
    figure.dataset.rendered = 'true';
    figure.dataset.markers = String(markerSeconds.length);
  });
  if (bands.length > 0) figure.dataset.bands = String(bands.length);
  return figure;
}

/** Grey bands over the plot area where a budget adjustment excludes minutes (drawn before the lines). */
function shadeBands(u, bands) {
  const { ctx } = u;
  const { top, height } = u.bbox;
  ctx.save();
  ctx.fillStyle = 'rgba(110, 119, 129, 0.16)';
  for (const b of bands) {
    const x0 = Math.max(u.bbox.left, u.valToPos(b.from, 'x', true));
    const x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(b.to, 'x', true));
    // At least 2 px: half an hour is under a pixel on a month-long chart, and still worth seeing.
    if (x1 >= x0) ctx.fillRect(x0, top, Math.max(2 * devicePixelRatio, x1 - x0), height);
  }
  ctx.restore();
}
