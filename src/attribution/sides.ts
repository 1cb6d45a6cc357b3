/**
 * @module attribution/sides
 * What the cause statements share: the two sides they count at once (the range asked about and its
 * baseline), their conditions, and how free text is normalized so that ids and numbers do not split
 * a cause. Pure.
 */

/** A side of a statement: a range, optionally one release's events only. */
export interface Side {
  name: 'target' | 'baseline';
  fromMs: number;
  toMs: number;
  configHash: string | null;
}

/** Groups kept per side: far more than anyone reads; the rest would still be counted by the caller's totals. */
export const MAX_CAUSE_ROWS = 2_000;

/**
 * Each side's condition (its range, from `inRange(i)`, and its release when it has one) with its
 * parameters bound into `params`, and `sidesOf`: the array of the sides' names an event is on (a
 * range longer than a week overlaps the week before it, so an event can be on both).
 */
export function sideConditions(sides: readonly Side[], params: Record<string, unknown>, inRange: (i: number) => string): { conds: string[]; sidesOf: string } {
  const conds = sides.map((s, i) => {
    params[`from${i}`] = Math.floor(s.fromMs / 1000);
    params[`to${i}`] = Math.ceil(s.toMs / 1000);
    params[`side${i}`] = s.name;
    if (s.configHash !== null) params[`hash${i}`] = s.configHash;
    return `(${inRange(i)}${s.configHash === null ? '' : ` AND ConfigHash = {hash${i}:String}`})`;
  });
  return { conds, sidesOf: `arrayFilter(x -> x != '', [${conds.map((c, i) => `if(${c}, {side${i}:String}, '')`).join(', ')}])` };
}

/**
 * Free text with its variable parts replaced, applied in order: UUIDs and runs of 8 or more hex
 * digits become `<id>`, other numbers `<n>`, quoted strings `'…'`. RE2 patterns, bound as
 * parameters; at most 200 characters are kept.
 */
export const NORMALIZE_PATTERNS: ReadonlyArray<readonly [name: string, pattern: string, replacement: string]> = [
  ['normUuid', '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<id>'],
  ['normHex', '[0-9a-fA-F]{8,}', '<id>'],
  ['normNumber', '[0-9]+', '<n>'],
  ['normSingleQuoted', "'[^']*'", "'…'"],
  ['normDoubleQuoted', '"[^"]*"', '"…"'],
];

/** The SQL expression of `column` normalized; its parameters come from `normalizationParams`. */
export function normalizedText(column: string): string {
  let expr = column;
  for (const [name] of NORMALIZE_PATTERNS) expr = `replaceRegexpAll(${expr}, {${name}:String}, {${name}To:String})`;
  return `left(${expr}, 200)`;
}

export function normalizationParams(): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, pattern, replacement] of NORMALIZE_PATTERNS) {
    params[name] = pattern;
    params[`${name}To`] = replacement;
  }
  return params;
}

/** The same normalization in TypeScript (for text the store did not group: tests, log lines). */
export function normalizeText(text: string): string {
  let out = text;
  for (const [, pattern, replacement] of NORMALIZE_PATTERNS) out = out.replace(new RegExp(pattern, 'g'), replacement);
  return [...out].slice(0, 200).join('');
}
