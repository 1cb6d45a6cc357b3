/**
 * Number formatting the way Prometheus writes it. Go's shortest round-trip digits are the same
 * digits JavaScript's Number#toString picks; only the layout differs.
 */

/**
 * A sample value in the HTTP API's JSON (Prometheus util/jsonutil.MarshalValue): Go's
 * strconv.AppendFloat with 'f' unless |v| < 1e-6 or |v| >= 1e21, then 'e' (`1e-07`, `1e+21`).
 */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  if (abs < 1e-6 || abs >= 1e21) return goExponent(v);
  return formatFloatF(v);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): never an exponent (count_values labels use it). */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand `d.ddde±x` into plain digits: same digits, decimal point moved.
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (pointAt <= 0) out = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  return negative ? `-${out}` : out;
}

/** Go's 'e' with shortest digits: the exponent has at least two digits and always a sign. */
function goExponent(v: number): string {
  const s = v.toExponential(); // shortest digits, e.g. "1e-7", "1.5e+22"
  const e = s.indexOf('e');
  const sign = s[e + 1] === '-' ? '-' : '+';
  const digits = s.slice(e + 2);
  return `${s.slice(0, e)}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

/** Milliseconds to the API's float seconds (Prometheus writes `sec.mmm`; the number is the same). */
export const msToSeconds = (ms: number): number => ms / 1000;
