/**
 * @module backtest/format
 * The report for people (pure): Markdown for a pull-request comment, text for a terminal. Both read
 * the JSON shape (wire.ts), so `tollgate diff --url` formats a server's answer the same way. Times
 * are UTC, to the minute; nothing depends on the reader's locale or clock.
 */
import type { AlertWire, FieldWire, PeriodWire, ReportWire } from './wire.js';

/** 0.62 → "62.00 %", -0.4 → "-40.00 %". */
const percent = (x: number): string => `${(x * 100).toFixed(2)} %`;
/** Error ratios span decades: three significant digits. */
const ratio = (x: number | null): string => (x === null ? 'no events' : x === 0 ? '0 %' : `${Number((x * 100).toPrecision(3))} %`);
const count = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : Number(n.toPrecision(6)).toLocaleString('en-US'));
const minute = (isoTime: string): string => `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)}`;

export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.round((seconds % 3_600) / 60);
  return [d > 0 ? `${d}d` : '', h > 0 ? `${h}h` : '', m > 0 || (d === 0 && h === 0) ? `${m}m` : ''].filter(Boolean).join(' ');
}

const arrow = <T>(before: T | null | undefined, after: T | null | undefined, show: (x: T) => string): string => {
  if (before === null || before === undefined) return after === null || after === undefined ? '—' : show(after);
  if (after === null || after === undefined) return `${show(before)} → removed`;
  const b = show(before);
  const a = show(after);
  return b === a ? a : `${b} → ${a}`;
};

const fieldText = (f: FieldWire): string => (f.before === null ? `${f.field} ${f.after}` : f.after === null ? `${f.field} ${f.before}` : `${f.field} ${f.before} → ${f.after}`);

function changeText(s: { change: string; because?: string[]; fields: FieldWire[] }): string {
  if (s.change === 'affected') return `via ${s.because?.join(', ')}`;
  if (s.change !== 'modified') return s.change;
  return s.fields.map(fieldText).join('; ');
}

function headline(r: ReportWire): string {
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  const changed = [n(r.slos.filter((s) => s.change !== 'affected').length, 'SLO', 'SLOs'), n(r.policies.length, 'gate policy', 'gate policies'),
    n(r.adjustments.length, 'budget adjustment', 'budget adjustments')].join(', ');
  const pages = r.slos.reduce((acc, s) => acc + (s.after?.pages ?? 0) - (s.before?.pages ?? 0), 0);
  const affected = r.slos.filter((s) => s.change === 'affected').length;
  const parts = [`${changed} changed${affected > 0 ? ` (${n(affected, 'more SLO', 'more SLOs')} affected by adjustments)` : ''}`, `${n(r.decisions.flips.length, 'stored gate decision', 'stored gate decisions')} of ${r.decisions.replayed} replayed would flip`];
  if (pages !== 0) parts.push(`${pages > 0 ? '+' : ''}${pages} ${Math.abs(pages) === 1 ? 'page' : 'pages'}`);
  if (r.problems.length > 0) parts.push(n(r.problems.length, 'file problem', 'file problems'));
  return parts.join(' · ');
}

const alertLine = (a: AlertWire): string => `${a.severity} ${a.windows} from ${minute(a.start)} for ${duration(a.duration_seconds)}${a.end === null ? ' (still firing)' : ''}`;

function alertsDiff(before: PeriodWire | null, after: PeriodWire | null): { gone: AlertWire[]; added: AlertWire[]; kept: number } {
  const key = (a: AlertWire): string => `${a.severity}|${a.windows}|${a.start}|${a.end}`;
  const b = new Map((before?.alerts ?? []).map((a) => [key(a), a]));
  const a = new Map((after?.alerts ?? []).map((x) => [key(x), x]));
  return {
    gone: [...b].filter(([k]) => !a.has(k)).map(([, x]) => x),
    added: [...a].filter(([k]) => !b.has(k)).map(([, x]) => x),
    kept: [...a.keys()].filter((k) => b.has(k)).length,
  };
}

const escapeCell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * Rows shown per list in a comment: GitHub refuses comments over 65,536 characters, and a change
 * that makes a noisy SLO page all month long is said as well by its first rows and a count.
 */
export const MAX_ROWS = 20;

/** The first `MAX_ROWS` items, and a line counting the rest. */
function capped<T>(items: readonly T[], row: (x: T) => string, rest: (n: number) => string): string[] {
  const shown = items.slice(0, MAX_ROWS).map(row);
  return items.length > MAX_ROWS ? [...shown, rest(items.length - MAX_ROWS)] : shown;
}

/** What the details sections may add up to: the comment stays under GitHub's 65,536 characters. */
const MAX_DETAILS_CHARS = 30_000;
/** SLO rows in the summary table. */
const MAX_SLO_ROWS = 100;

export function formatMarkdown(r: ReportWire): string {
  const out: string[] = [];
  out.push(`### Tollgate diff: \`${r.base.label}\` → \`${r.head.label}\``, '', `**${headline(r)}**`, '');
  if (r.problems.length > 0) {
    out.push('#### Files that do not validate', '', '```', ...r.problems, '```', '');
  }
  if (r.slos.length > 0) {
    out.push('#### SLOs over their last period of stored data', '');
    out.push('| SLO | change | budget remaining | error ratio | pages | tickets |', '|---|---|--:|--:|--:|--:|');
    for (const s of r.slos.slice(0, MAX_SLO_ROWS)) {
      const period = s.after?.period ?? s.before?.period ?? '';
      out.push(`| \`${s.name}\` | ${escapeCell(changeText(s))} | ${arrow(s.before, s.after, (p) => percent(p.budget_remaining))} | ${arrow(s.before, s.after, (p) => ratio(p.error_ratio))} (${period}) | ${arrow(s.before, s.after, (p) => String(p.pages))} | ${arrow(s.before, s.after, (p) => String(p.tickets))} |`);
    }
    if (r.slos.length > MAX_SLO_ROWS) out.push(`| … and ${r.slos.length - MAX_SLO_ROWS} more SLOs (\`--format json\` lists them all) | | | | | |`);
    out.push('');
    let detailsChars = 0;
    let detailsLeftOut = 0;
    for (const s of r.slos) {
      const block: string[] = [];
      const notes = [s.before?.note, s.after?.note].filter((n): n is string => n !== null && n !== undefined);
      const excluded = arrow(s.before, s.after, (p) => `${count(p.excluded_minutes)} min`);
      const { gone, added, kept } = alertsDiff(s.before, s.after);
      if (gone.length === 0 && added.length === 0 && notes.length === 0 && excluded === '0 min') continue;
      block.push(`<details><summary><code>${s.name}</code>: ${added.length} alerts more, ${gone.length} fewer${kept > 0 ? `, ${kept} unchanged` : ''}</summary>`, '');
      for (const n of [...new Set(notes)]) block.push(`> ${n}`, '');
      if (excluded !== '0 min') block.push(`Minutes budget adjustments leave out of the period: ${excluded}.`, '');
      if (added.length + gone.length > 0) {
        block.push('| | alert | from | for |', '|---|---|---|---|');
        const row = (verb: string) => (a: AlertWire) => `| ${verb} | ${a.severity} ${a.windows} | ${minute(a.start)} | ${duration(a.duration_seconds)}${a.end === null ? ' (still firing)' : ''} |`;
        block.push(...capped(added, row('+ would fire'), (n) => `| + | … and ${n} more | | |`));
        block.push(...capped(gone, row('− would not fire'), (n) => `| − | … and ${n} more | | |`));
        block.push('');
      }
      block.push('</details>', '');
      const chars = block.reduce((n, l) => n + l.length + 1, 0);
      if (detailsChars + chars > MAX_DETAILS_CHARS) {
        detailsLeftOut++;
        continue;
      }
      detailsChars += chars;
      out.push(...block);
    }
    if (detailsLeftOut > 0) out.push(`<sub>The alerts of ${detailsLeftOut} more SLOs are left out to keep this comment within its size limit; \`--format json\` has them.</sub>`, '');
  }
  for (const [title, list] of [['Gate policies', r.policies], ['Budget adjustments', r.adjustments]] as const) {
    if (list.length === 0) continue;
    out.push(`#### ${title}`, '', '| name | change | SLOs |', '|---|---|---|');
    for (const p of list) out.push(`| \`${p.name}\` | ${escapeCell(changeText(p))} | ${p.slos.map((n) => `\`${n}\``).join(', ') || '—'} |`);
    out.push('');
  }
  if (r.decisions.flips.length > 0) {
    out.push('#### Stored gate decisions that would flip', '', '| decided | app → environment | release | stored | would be | new summary |', '|---|---|---|---|---|---|');
    out.push(...capped(r.decisions.flips,
      (f) => `| ${minute(f.decided_at)} \`${f.id.slice(0, 8)}\` | ${f.app} → ${f.environment} | \`${f.config_hash}\`${f.revision === null ? '' : ` (${escapeCell(f.revision)})`} | ${f.stored} | ${f.before} → **${f.after}** | ${escapeCell(f.after_summary)} |`,
      (n) => `| … and ${n} more (\`--format json\` lists them all) | | | | | |`));
    out.push('');
  }
  if (r.base_problems.length > 0) out.push(`<sub>The base (\`${r.base.label}\`) has ${r.base_problems.length} file problems of its own; its valid definitions were compared.</sub>`, '');
  out.push(`<sub>Replayed on recorded SLO minutes at ${minute(r.generated_at)} UTC; base revision ${r.base.revision}, head revision ${r.head.revision}.</sub>`);
  return `${out.join('\n')}\n`;
}

export function formatText(r: ReportWire): string {
  const out: string[] = [`tollgate diff ${r.base.label} → ${r.head.label}: ${headline(r)}`];
  for (const p of r.problems) out.push(p);
  for (const s of r.slos) {
    out.push('', `SLO ${s.name}: ${changeText(s)}`);
    const period = s.after?.period ?? s.before?.period ?? '';
    out.push(`  budget remaining  ${arrow(s.before, s.after, (p) => percent(p.budget_remaining))}`);
    out.push(`  error ratio (${period})  ${arrow(s.before, s.after, (p) => `${ratio(p.error_ratio)} (${count(p.bad)} of ${count(p.total)})`)}`);
    out.push(`  alerts  ${arrow(s.before, s.after, (p) => `${p.pages} pages, ${p.tickets} tickets`)}`);
    const { gone, added } = alertsDiff(s.before, s.after);
    out.push(...capped(added, (a) => `    + ${alertLine(a)}`, (n) => `    + … and ${n} more`));
    out.push(...capped(gone, (a) => `    - ${alertLine(a)}`, (n) => `    - … and ${n} more`));
    for (const n of new Set([s.before?.note, s.after?.note].filter((x): x is string => x !== null && x !== undefined))) out.push(`  note: ${n}`);
  }
  for (const [title, list] of [['gate policy', r.policies], ['budget adjustment', r.adjustments]] as const) {
    for (const p of list) out.push('', `${title} ${p.name}: ${changeText(p)} (SLOs: ${p.slos.join(', ') || 'none'})`);
  }
  if (r.decisions.flips.length > 0) out.push('', 'stored gate decisions that would flip:');
  for (const f of r.decisions.flips) {
    out.push(`  ${minute(f.decided_at)} ${f.id} ${f.app} → ${f.environment} ${f.config_hash}${f.revision === null ? '' : ` (${f.revision})`}: ${f.before} → ${f.after}`);
    out.push(`    ${f.after_summary}`);
  }
  return `${out.join('\n')}\n`;
}
