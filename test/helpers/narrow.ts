/**
 * Parsed YAML and JSON arrive as unknown; these narrow a value and, when it is not as expected,
 * fail naming the spot (`where`) so a broken manifest or dashboard says which field is wrong.
 */
export type Obj = Record<string, unknown>;

export function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: expected a mapping, got ${JSON.stringify(v)}`);
  return v as Obj; // checked just above: a non-null, non-array object
}

export function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v;
}

export function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}
