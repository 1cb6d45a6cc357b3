/**
 * @module series/naming
 * OTLP metric and attribute names as Prometheus' own OTLP receiver writes them (the
 * "UnderscoreEscapingWithSuffixes" translation: prometheus/otlptranslator), so a dashboard built
 * against Prometheus fed by the same SDKs works against Tollgate unchanged:
 * `http.server.request.duration` (unit `s`, histogram) → `http_server_request_duration_seconds_bucket`,
 * a monotonic sum `requests` → `requests_total`, a gauge with unit `1` → `…_ratio`.
 */

/** OTel's UCUM units to Prometheus' unit words. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '%': 'percent',
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year',
};

export type MetricKind = 'gauge' | 'sum' | 'histogram';

/** A metric's base Prometheus name (histogram families add `_bucket`, `_sum`, `_count`). */
export function prometheusMetricName(name: string, unit: string, kind: MetricKind, isMonotonic: boolean): string {
  const tokens = name.split(/[^a-zA-Z0-9]+/).filter((t) => t !== '');
  const [main = '', per = ''] = unitParts(unit);
  const mainWord = UNIT_WORDS[main] ?? cleanUnit(main);
  if (mainWord !== '' && !tokens.includes(mainWord)) tokens.push(mainWord);
  const perWord = PER_UNIT_WORDS[per] ?? cleanUnit(per);
  if (perWord !== '' && !tokens.includes(perWord)) tokens.push('per', perWord);
  if (kind === 'sum' && isMonotonic) {
    const withoutTotal = tokens.filter((t) => t !== 'total');
    tokens.length = 0;
    tokens.push(...withoutTotal, 'total');
  }
  if (kind === 'gauge' && unit === '1' && !tokens.includes('ratio')) tokens.push('ratio');
  const joined = tokens.join('_');
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** `{requests}` annotations carry no unit; `1` is dimensionless (gauges say `ratio` instead). */
function unitParts(unit: string): [string, string] {
  const stripped = unit.replace(/\{[^}]*\}/g, '').trim();
  const [main = '', per = ''] = stripped.split('/', 2);
  return [main === '1' ? '' : main.trim(), per.trim()];
}

function cleanUnit(unit: string): string {
  return unit.split(/[^a-zA-Z0-9]+/).filter((t) => t !== '').join('_');
}

/** An attribute key as a label name: invalid characters become `_`; a leading digit gets `key_`. */
export function prometheusLabelName(key: string): string {
  const sanitized = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(sanitized)) return `key_${sanitized}`;
  if (sanitized.startsWith('_') && !sanitized.startsWith('__')) return `key${sanitized}`;
  return sanitized;
}

/** Bounds are written as Go's `strconv.FormatFloat(f, 'f', -1, 64)` writes them: never an exponent. */
export { formatFloatF as formatFloatPlain } from '../promql/format.js';
