/**
 * @module gate/format
 * How the gate writes numbers for people: ratios, budgets, burn rates, p-values, counts, times. No locale:
 * a verdict reads the same on every machine and in every stored decision.
 */

/** An error ratio as a percentage with one decimal, `0.05` → `5.0 %`; tiny non-zero ratios keep two digits. */
export function formatRatioPercent(ratio: number): string {
  const percent = ratio * 100;
  // 0.02 % printed as "0.0 %" would read as "no errors"; below 0.05 % show two significant digits instead.
  if (percent > 0 && percent < 0.05) return `${Number(percent.toPrecision(2))} %`;
  return `${percent.toFixed(1)} %`;
}

/** A budget fraction as a percentage, one decimal at most: `0.15` → `15 %`, `0.034` → `3.4 %`. */
export const formatFractionPercent = (fraction: number): string => `${Number((fraction * 100).toFixed(1))} %`;

/** A burn rate or ratio increase as a factor: `4.25` → `4.3×`, `14` → `14×`, `0.034` → `0.034×`. */
export function formatFactor(x: number): string {
  if (x === Infinity) return '∞×';
  return x >= 1 ? `${Number(x.toFixed(1))}×` : `${Number(x.toPrecision(2))}×`;
}

/** A factor for a one-line summary: whole from 10 on (`164.4` → `164×`), else as formatFactor. */
export const formatCompactFactor = (x: number): string => (x >= 10 && x !== Infinity ? `${Math.round(x)}×` : formatFactor(x));

/** `p = 0.24`, `p = 0.0042`, `p = 2.1e-15`; a p-value that underflowed to 0 is shown as a bound, not as 0. */
export function formatPValue(p: number): string {
  if (p === 0) return 'p < 1e-300';
  if (p < 0.001) return `p = ${p.toExponential(1)}`;
  return `p = ${Number(p.toPrecision(2))}`;
}

/** A whole count with thousands separators: `1200` → `1,200`. Fractional counts keep one decimal. */
export function formatCount(n: number): string {
  const [whole = '0', fraction] = (Number.isInteger(n) ? String(Math.abs(n)) : Math.abs(n).toFixed(1)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** `2026-11-20` (UTC). */
export const formatDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** `2026-11-20 14:00 UTC`. */
export const formatDateTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export { shortHash } from '../attribution/index.js';

/** `1 check`, `3 checks`, `1,200 times`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;
