/**
 * Label sets as plain objects. Prometheus never stores an empty label value (setting "" deletes
 * the label), so every constructor here drops empty values and keys are written in sorted order.
 */
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';
export const BUCKET_LABEL = 'le';

/** Prometheus' model.LabelNameRE (classic, non-UTF-8 label names). */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const isValidLabelName = (name: string): boolean => LABEL_NAME_RE.test(name);

export const EMPTY_LABELS: Labels = Object.freeze({});

/** A canonical label set: names sorted, empty values removed. */
export function normalizeLabels(rec: Readonly<Record<string, string>>): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(rec).sort()) {
    const v = rec[name];
    if (v !== undefined && v !== '') out[name] = v;
  }
  return out;
}

/** Label names in Prometheus' order (byte order; JS code-unit order agrees for all but astral characters). */
export const sortedNames = (l: Labels): string[] => Object.keys(l).sort();

/** An injective string for a label set, for maps. \xff never occurs in valid UTF-8 label text. */
export function labelsKey(l: Labels): string {
  let key = '';
  for (const name of sortedNames(l)) key += `${name}\xff${l[name]}\xff`;
  return key;
}

export function withoutLabels(l: Labels, names: readonly string[]): Labels {
  const drop = new Set(names);
  const out: Record<string, string> = {};
  for (const name of sortedNames(l)) if (!drop.has(name)) out[name] = l[name] as string;
  return out;
}

export function onlyLabels(l: Labels, names: readonly string[]): Labels {
  const keep = new Set(names);
  const out: Record<string, string> = {};
  for (const name of sortedNames(l)) if (keep.has(name)) out[name] = l[name] as string;
  return out;
}

export const dropMetricName = (l: Labels): Labels => (METRIC_NAME in l ? withoutLabels(l, [METRIC_NAME]) : l);

/** Returns a copy with `name` set to `value`, or removed when `value` is empty (labels.Builder.Set). */
export function setLabel(l: Labels, name: string, value: string): Labels {
  const rec: Record<string, string> = { ...l };
  if (value === '') delete rec[name];
  else rec[name] = value;
  return normalizeLabels(rec);
}

/** Prometheus' labels.Compare: name by name, then value, shorter set first. Sorts range-query results. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i] as string;
    const y = bn[i] as string;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x] as string;
    const yv = b[y] as string;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

/** Prometheus' labels.String(): `{a="1", b="2"}`, as quoted in its error messages. */
export function labelsString(l: Labels): string {
  return `{${sortedNames(l)
    .map((n) => `${n}=${JSON.stringify(l[n])}`)
    .join(', ')}}`;
}
