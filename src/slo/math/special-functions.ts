/**
 * @module slo/math/special-functions
 * The two special functions the proportion tests need (proportion-test.ts): the complementary error function (for the normal
 * tail of the z-test) and the log-gamma function (for log factorials in Fisher's exact test). Plain numbers in
 * and out; nothing here knows about SLOs.
 */

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631-638,
// as published in netlib specfun (CALERF, 1990). Near-minimax rational functions good to ~18 significant digits
// in exact arithmetic, so in doubles the error is a few units in the last place. Numerical Recipes' `erfcc`
// (Chebyshev fit, 1.2e-7) is too coarse: p-values of 1e-9 must not be off by their own size.

/** erf(x) = x·A(x²)/B(x²) for |x| <= 0.46875. */
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153] as const;
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062] as const;
/** erfc(x) = exp(-x²)·C(x)/D(x) for 0.46875 < x <= 4. */
const ERFC_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
] as const;
const ERFC_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
] as const;
/** erfc(x) = exp(-x²)/x · (1/√π − P(1/x²)/(x²·Q(1/x²))) for x > 4. */
const ERFC_P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4,
  0.0163153871373020978,
] as const;
const ERFC_Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185] as const;

const ONE_OVER_SQRT_PI = 0.56418958354775628695;
const SMALL_THRESHOLD = 0.46875;
/** erfc(x) is below the smallest subnormal double from here on (Cody's XBIG for IEEE doubles). */
const ERFC_UNDERFLOW = 26.543;

/** The complementary error function, 1 − erf(x), accurate to a few ulps over the whole real line. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= SMALL_THRESHOLD) {
    // Below 0.47 erfc is between 0.5 and 1.5, so 1 − erf loses nothing.
    const ysq = y * y;
    let num = ERF_A[4] * ysq;
    let den = ysq;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]!) * ysq;
      den = (den + ERF_B[i]!) * ysq;
    }
    return 1 - (x * (num + ERF_A[3])) / (den + ERF_B[3]);
  }
  let tail: number;
  if (y <= 4) {
    let num = ERFC_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]!) * y;
      den = (den + ERFC_D[i]!) * y;
    }
    tail = expMinusSquare(y) * ((num + ERFC_C[7]) / (den + ERFC_D[7]));
  } else if (y >= ERFC_UNDERFLOW) {
    tail = 0;
  } else {
    const z = 1 / (y * y);
    let num = ERFC_P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERFC_P[i]!) * z;
      den = (den + ERFC_Q[i]!) * z;
    }
    const r = (z * (num + ERFC_P[4])) / (den + ERFC_Q[4]);
    tail = (expMinusSquare(y) * (ONE_OVER_SQRT_PI - r)) / y;
  }
  return x < 0 ? 2 - tail : tail;
}

/**
 * exp(−y²) without the rounding error of y² itself: y is split into a part with 4 fraction bits, whose square
 * is exact, and a small rest (Cody's trick). At y = 5 the plain form would lose about 50 ulps.
 */
function expMinusSquare(y: number): number {
  const head = Math.trunc(y * 16) / 16;
  const rest = (y - head) * (y + head);
  return Math.exp(-head * head) * Math.exp(-rest);
}

/** Φ(x), the standard normal CDF. Φ(−x) is the one-sided upper tail at x, computed without cancellation. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

// Lanczos approximation with g = 7 and 9 coefficients (the set Numerical Recipes and Wikipedia print): relative
// error of Γ about 1e-15. For ln Γ(10^6) ≈ 1.3e7 the rounding of the result itself dominates (~2e-9 absolute).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.91893853320467274178;

/**
 * ln Γ(x) for x > 0.
 * @throws RangeError for x <= 0 or a non-finite x: callers pass event counts plus one.
 */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma is defined here for finite x > 0, not ${x}`);
  // Reflection keeps the series where it is accurate: Γ(x)Γ(1−x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln n! for a whole n >= 0. */
export const logFactorial = (n: number): number => (n < 2 ? 0 : logGamma(n + 1));

/** ln C(n, k) for whole 0 <= k <= n. */
export const logChoose = (n: number, k: number): number => logFactorial(n) - logFactorial(k) - logFactorial(n - k);
