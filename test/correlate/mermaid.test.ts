import { describe, expect, it } from 'vitest';
import { escapeLabel, flowchart, formatMs, formatPercent, nodeIds, safeHref } from '../../src/correlate/index.js';
import { parseMermaid } from './mermaid-parse.js';

const NASTY = ['checkout', 'end', 'a"b', 'x] --> y["z', 'pay|ments', '<script>alert(1)</script>', 'a#quot;b', 'α β/γ', 'graph', 'x`y`', 'new\nline', 'sem;colon', 'click'];

describe('mermaid text', () => {
  it('escapes quotes, entities, markup and line breaks in labels', () => {
    expect(escapeLabel('say "hi" #1 <b>&</b>\nnext')).toBe('say #34;hi#34; #35;1 #60;b#62;#38;#60;/b#62; next');
  });

  it('makes node ids the grammar accepts, distinct for names that sanitize alike', () => {
    const ids = nodeIds('svc', ['a-b', 'a_b', 'a b', 'end']);
    expect([...ids.values()]).toEqual(['svc0_a_b', 'svc1_a_b', 'svc2_a_b', 'svc3_end']);
    expect(new Set(ids.values()).size).toBe(4);
  });

  it('keeps links inside their quotes and refuses javascript: links', () => {
    expect(safeHref('/releases/a"b c')).toBe('/releases/a%22b%20c');
    expect(() => safeHref('javascript:alert(1)')).toThrow(/path or an http/);
  });

  it('formats numbers as the labels show them', () => {
    expect(formatPercent(0.025)).toBe('2.5 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(0.0004)).toBe('< 0.1 %');
    expect(formatMs(41.2)).toBe('41 ms');
    expect(formatMs(4.25)).toBe('4.3 ms');
    expect(formatMs(1320)).toBe('1.3 s');
  });

  it('writes a flowchart mermaid parses, whatever the names', async () => {
    const ids = nodeIds('n', NASTY);
    const text = flowchart(
      NASTY.map((name, i) => ({
        id: ids.get(name)!, lines: [name, `${i} requests`], health: (['ok', 'warn', 'bad', 'unknown'] as const)[i % 4]!,
        href: `/releases/${encodeURIComponent(name)}`, tooltip: `about ${name}`,
      })),
      NASTY.slice(1).map((name, i) => ({ from: ids.get(NASTY[i]!)!, to: ids.get(name)!, label: `${name}: 120 calls, 2.5 % errors`, dashed: i % 2 === 0 })),
    );
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    expect(text).toMatch(/^ {2}classDef ok /m);
    expect(text).toMatch(/^ {2}click n0_checkout href "\/releases\/checkout" "about checkout"$/m);
    await expect(parseMermaid(text)).resolves.toBe('flowchart-v2');
  });

  it('is checked for real: mermaid rejects an unescaped quote', async () => {
    await expect(parseMermaid('flowchart LR\n  a["x"y"] --> b\n')).rejects.toThrow(/Parse error/);
  });
});
