/**
 * @module correlate/mermaid
 * Mermaid flowchart text from plain data: node ids that the grammar accepts whatever a service or
 * SLO is called, labels that cannot break out of their quotes, and links that cannot break out of
 * theirs. Pure; the browser draws the text (ui/), tests check it with `mermaid.parse()`.
 */

export type Health = 'ok' | 'warn' | 'bad' | 'unknown';

/** Fill and stroke per health, shared by the service map and the SLO graph. */
export const HEALTH_CLASSES: Readonly<Record<Health, string>> = {
  ok: 'fill:#e6f4ea,stroke:#1e8e3e,color:#0d652d',
  warn: 'fill:#fef7e0,stroke:#f9ab00,color:#8a5a00',
  bad: 'fill:#fce8e6,stroke:#d93025,color:#a50e0e',
  unknown: 'fill:#f1f3f4,stroke:#9aa0a6,color:#3c4043,stroke-dasharray:4 3',
};

/**
 * Text for inside `"…"` in a label. Mermaid reads `#name;` and `#123;` as entities, so the
 * characters that could end the string or start markup are written as entity codes: `"` ends the
 * label, `#` would start an entity, `<`/`>`/`&` would reach the HTML label as markup, a backtick
 * turns a label into markdown, and line breaks end the statement.
 */
export function escapeLabel(text: string): string {
  return text.replace(/[\r\n\t\f\v]+/g, ' ').replace(/["#<>&`]/g, (ch) => `#${ch.charCodeAt(0)};`);
}

/** A link for a `click` line: only relative paths or http(s) URLs, percent-encoding anything that could close the quotes. */
export function safeHref(href: string): string {
  if (!/^(\/|https?:\/\/)/.test(href)) throw new Error(`mermaid link must be a path or an http(s) URL: ${href}`);
  return href.replace(/["\s<>`\\]/g, (ch) => encodeURIComponent(ch));
}

/**
 * Node ids from arbitrary names: letters, digits and `_` only, a prefix that keeps them clear of
 * keywords (`end`, `graph`, `style`…), and a counter that keeps two names that sanitize alike apart.
 */
export function nodeIds(prefix: string, names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  let i = 0;
  for (const name of names) {
    if (ids.has(name)) continue;
    const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
    ids.set(name, `${prefix}${i}_${cleaned}`);
    i += 1;
  }
  return ids;
}

export interface FlowNode {
  id: string;
  /** Lines of the label, each escaped here; shown one under the other. */
  lines: string[];
  health: Health;
  href?: string;
  tooltip?: string;
}

export interface FlowEdge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}

/** A `flowchart LR` with a classDef per health that is used. */
export function flowchart(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): string {
  const out = ['flowchart LR'];
  for (const n of nodes) out.push(`  ${n.id}["${n.lines.map(escapeLabel).join('<br/>')}"]`);
  for (const e of edges) {
    const arrow = e.dashed === true ? '-.->' : '-->';
    out.push(e.label === undefined ? `  ${e.from} ${arrow} ${e.to}` : `  ${e.from} ${arrow}|"${escapeLabel(e.label)}"| ${e.to}`);
  }
  const used = (Object.keys(HEALTH_CLASSES) as Health[]).filter((h) => nodes.some((n) => n.health === h));
  for (const h of used) out.push(`  classDef ${h} ${HEALTH_CLASSES[h]}`);
  for (const h of used) out.push(`  class ${nodes.filter((n) => n.health === h).map((n) => n.id).join(',')} ${h}`);
  for (const n of nodes) {
    if (n.href === undefined) continue;
    out.push(`  click ${n.id} href "${safeHref(n.href)}"${n.tooltip === undefined ? '' : ` "${escapeLabel(n.tooltip)}"`}`);
  }
  return `${out.join('\n')}\n`;
}

/** `2.5 %`, `0 %`, `< 0.1 %` (never "0.0 %" for a ratio that is not zero). */
export function formatPercent(ratio: number): string {
  if (ratio === 0) return '0 %';
  const pct = ratio * 100;
  if (pct < 0.1) return '< 0.1 %';
  return `${pct.toFixed(1)} %`;
}

/** `41 ms`, `4.2 ms`, `1.3 s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${Number(ms.toFixed(1))} ms`;
}
