/**
 * @module slo/math
 * Exact decimal and rational arithmetic on bigints.
 *
 * People write objectives and factors as decimals (99.9, 14.4, 0.02); binary floating point cannot hold most of
 * them, so `100 - 99.9` is 0.09999999999999432 and `14.4 * 0.001` is 0.014400000000000001. We read a number as
 * the decimal a person wrote — its shortest round-trip representation, which is what `String(x)` gives — do the
 * arithmetic exactly, and round to a double once at the end. A single correctly rounded step yields the same double
 * as the decimal literal would, so `0.02 * 30d / 1h` comes out as the literal 14.4.
 */

/** `units × 10^-scale`, e.g. 99.9 is `{ units: 999n, scale: 1 }`. `scale` is never negative. */
export interface Decimal {
  units: bigint;
  scale: number;
}

/** `numerator / denominator`, with a positive denominator. */
export interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/** Reads plain decimal text such as `"1.5"`, `"-0.25"` or `"1e-7"`; `undefined` when it is not one. */
export function decimalFromString(text: string): Decimal | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const digits = BigInt(whole + fraction);
  const scale = fraction.length - Number(exponent);
  const units = scale >= 0 ? digits : digits * 10n ** BigInt(-scale);
  return { units: sign === '-' ? -units : units, scale: Math.max(scale, 0) };
}

/** The decimal a person would write for `x`: its shortest representation that reads back as the same double. */
export function decimalFromNumber(x: number): Decimal {
  if (!Number.isFinite(x)) throw new RangeError(`${x} is not a finite number`);
  // String() of a finite number is always decimal text (possibly with an exponent), so this cannot miss.
  const d = decimalFromString(String(x));
  if (d === undefined) throw new RangeError(`cannot read ${x} as a decimal`);
  return d;
}

/** Plain decimal text without an exponent or trailing zeros: `{ units: 1n, scale: 3 }` → `"0.001"`. */
export function decimalToString(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
  const whole = digits.slice(0, digits.length - d.scale);
  const fraction = digits.slice(digits.length - d.scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** Parses the decimal text once, so the result is the double nearest the exact decimal. */
export function decimalToNumber(d: Decimal): number {
  return Number(decimalToString(d));
}

/** Both numbers at the larger of their scales, so their units can be added or compared. */
function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

export function subtractDecimals(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return { units: x - y, scale };
}

/** Multiplies by `10^power`; a negative power divides, exactly, by widening the scale. */
export function shiftDecimal(d: Decimal, power: number): Decimal {
  if (power <= 0) return { units: d.units, scale: d.scale - power };
  if (d.scale >= power) return { units: d.units, scale: d.scale - power };
  return { units: d.units * 10n ** BigInt(power - d.scale), scale: 0 };
}

export function ratioFromDecimal(d: Decimal): Ratio {
  return reduce({ numerator: d.units, denominator: 10n ** BigInt(d.scale) });
}

export function ratioFromNumber(x: number): Ratio {
  // Counts and seconds are usually integers; skipping the text round trip keeps per-slice loops cheap.
  if (Number.isSafeInteger(x)) return { numerator: BigInt(x), denominator: 1n };
  return ratioFromDecimal(decimalFromNumber(x));
}

export const ratio = (numerator: bigint, denominator: bigint): Ratio => reduce({ numerator, denominator });

export function multiplyRatios(...factors: Ratio[]): Ratio {
  let numerator = 1n;
  let denominator = 1n;
  for (const f of factors) {
    numerator *= f.numerator;
    denominator *= f.denominator;
  }
  return reduce({ numerator, denominator });
}

export function divideRatios(a: Ratio, b: Ratio): Ratio {
  if (b.numerator === 0n) throw new RangeError('division by zero');
  return reduce({ numerator: a.numerator * b.denominator, denominator: a.denominator * b.numerator });
}

export function subtractRatios(a: Ratio, b: Ratio): Ratio {
  return reduce({
    numerator: a.numerator * b.denominator - b.numerator * a.denominator,
    denominator: a.denominator * b.denominator,
  });
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`; exact, so a value at a threshold compares equal. */
export function compareRatios(a: Ratio, b: Ratio): -1 | 0 | 1 {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The double nearest the ratio when numerator and denominator are safe integers after reduction (one correctly
 * rounded division). Past 2^53 each side is rounded first, which can be off by an ulp or two; the inputs that
 * reach here (counts, seconds, short decimals) stay far below that.
 */
export function ratioToNumber(r: Ratio): number {
  return Number(r.numerator) / Number(r.denominator);
}

function reduce(r: Ratio): Ratio {
  if (r.denominator === 0n) throw new RangeError('division by zero');
  const sign = r.denominator < 0n ? -1n : 1n;
  const g = gcd(r.numerator, r.denominator);
  return { numerator: (sign * r.numerator) / g, denominator: (sign * r.denominator) / g };
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}
