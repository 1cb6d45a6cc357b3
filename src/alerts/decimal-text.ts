/**
 * @module alerts/decimal-text
 * `1 - objective` as the decimal a person would write. In binary floating point `1 - 0.999` is
 * 0.0010000000000000009; a PromQL threshold showing that noise reads as a bug, so the subtraction is done on the
 * decimal digits of `String(objective)` (its shortest round-trip form, i.e. what was written) in bigints.
 */

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** `complementText(0.999)` → `"0.001"`, `complementText(0.95)` → `"0.05"`, `complementText(0.9999999)` → `"0.0000001"`. */
export function complementText(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`${x} is not a finite number`);
  const m = DECIMAL_TEXT.exec(String(x));
  // String() of a finite number is always decimal text, possibly with an exponent, so the regex cannot miss.
  if (m === null) throw new RangeError(`cannot read ${x} as a decimal`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const rawScale = fraction.length - Number(exponent);
  const digits = BigInt(whole + fraction) * (rawScale < 0 ? 10n ** BigInt(-rawScale) : 1n);
  const scale = Math.max(rawScale, 0);
  const units = sign === '-' ? -digits : digits;
  return decimalText(10n ** BigInt(scale) - units, scale); // 1 is 10^scale units at this scale
}

/** `units × 10^-scale` without exponent or trailing zeros. */
function decimalText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const padded = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = padded.slice(0, padded.length - scale);
  const fraction = padded.slice(padded.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
