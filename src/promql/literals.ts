/**
 * Literal syntax shared by PromQL and Go: quoted strings (strconv.Unquote), numbers
 * (strconv.ParseInt base 0, then ParseFloat) and durations (model.ParseDuration).
 */

/** Go's strconv.Unquote for "…", '…' and `…`; returns undefined when the literal is malformed. */
export function unquote(lit: string): string | undefined {
  const r = unquoteWithReason(lit);
  return typeof r === 'string' ? r : undefined;
}

/** Like unquote, with the lexer's complaint (e.g. "unknown escape sequence U+0071 'q'") on failure. */
export function unquoteWithReason(lit: string): string | { problem: string } {
  const quote = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== quote) return { problem: 'unterminated quoted string' };
  const bad = { problem: `error unquoting string ${JSON.stringify(lit)}` };
  const result = unquoteBody(lit, quote);
  if (result !== undefined) return result;
  const esc = /\\(.)/su.exec(lit.slice(1, -1).replace(/\\\\/g, ''));
  if (esc !== null && !/[abfnrtv\\xuU0-7"'`]/.test(esc[1] as string)) {
    const c = esc[1] as string;
    return { problem: `unknown escape sequence U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')} '${c}'` };
  }
  return bad;
}

function unquoteBody(lit: string, quote: string | undefined): string | undefined {
  const body = lit.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body;
  if (quote !== '"' && quote !== "'") return undefined;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const pushText = (s: string): void => {
    for (const b of encoder.encode(s)) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i] as string;
    if (c === quote || c === '\n') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e in simple) {
      pushText(simple[e] as string);
      i += 2;
    } else if (e === quote) {
      pushText(e);
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return undefined;
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v); // \x is a raw byte in Go
      else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
      else pushText(String.fromCodePoint(v));
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 4;
    } else {
      return undefined;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * A PromQL number literal. Integers go through Go's ParseInt(s, 0, 64) first, which reads
 * `0x1f` as hex and a leading `0` as octal (`010` is 8 in Prometheus).
 */
export function parseNumberLiteral(text: string): number | undefined {
  let s = text.replace(/_/g, '');
  let sign = 1;
  if (s.startsWith('+') || s.startsWith('-')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (lower === 'nan') return NaN;
  if (/^0x[0-9a-f]+$/i.test(s)) return sign * parseInt(s.slice(2), 16);
  if (/^0o?[0-7]+$/i.test(s)) return sign * parseInt(s.replace(/^0o?/i, ''), 8);
  if (/^0b[01]+$/i.test(s)) return sign * parseInt(s.slice(2), 2);
  if (/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(s)) return sign * Number(s);
  const d = parseDurationMs(s);
  return d === undefined ? undefined : (sign * d) / 1000; // a duration used as a number means seconds
}

const UNIT_MS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** model.ParseDuration: units in descending order, each at most once; `y` is 365 days. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '') return undefined;
  const m = DURATION_RE.exec(text);
  if (m === null) return undefined;
  let ms = 0;
  UNIT_MS.forEach(([, unitMs], i) => {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * unitMs;
  });
  return ms;
}
