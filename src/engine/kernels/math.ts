/**
 * Instant-vector math and date kernels, as Prometheus `promql/functions.go`.
 * Go's math functions and JS's agree on special values (NaN, ±Inf, ±0) for all of these.
 * log2/log10 follow Go's formulas (bit-identical to Go given the same natural log);
 * other transcendental functions may differ from Go in the last ulp (Go ships its own
 * implementations) — far below the 1e-6 / 1e-5 tolerances of upstream's tests/compliance.
 */
import type { MathFn } from './types.js';

const fbuf = new Float64Array(1);
const fbits = new Uint32Array(fbuf.buffer); // little-endian: [lo, hi]

/**
 * Go `math.Log10`: `Log(x) * (1/Ln10)` with the constant folded exactly, which differs
 * from JS `Math.log10` in the last bit for many inputs (e.g. log10(20)).
 */
export function goLog10(x: number): number {
  return Math.log(x) * 0.4342944819032518;
}

/**
 * Go `math.Log2`: frexp, exact for powers of two, else `Log(frac)*(1/Ln2) + exp`.
 */
export function goLog2(x: number): number {
  if (x === 0 || x !== x || x === Infinity || x === -Infinity) return Math.log(x) * 1.4426950408889634;
  // frexp: x = frac × 2^exp with |frac| in [0.5, 1).
  let y = x;
  let adj = 0;
  if (Math.abs(y) < 2.2250738585072014e-308) {
    y *= 4503599627370496; // 2^52: normalise subnormals
    adj = -52;
  }
  fbuf[0] = y;
  const hi = fbits[1]!;
  const exp = ((hi >>> 20) & 0x7ff) - 1022 + adj;
  fbits[1] = (hi & 0x800fffff) | (1022 << 20);
  const frac = fbuf[0]!;
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * 1.4426950408889634 + exp;
}

/** sgn: -1, +1, or the value itself for ±0 and NaN (upstream returns v). */
const sgn: MathFn = (v) => (v < 0 ? -1 : v > 0 ? 1 : v);

/** One-argument math functions by PromQL name. */
export const MATH_FUNCTIONS: Readonly<Record<string, MathFn>> = Object.freeze({
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: goLog2,
  log10: goLog10,
  sgn,
  deg: (v: number) => (v * 180) / Math.PI,
  rad: (v: number) => (v * Math.PI) / 180,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
});

/**
 * round(x, toNearest = 1): `floor(x * (1/toNearest) + 0.5) / (1/toNearest)`; ties round
 * up. The inverse is used deliberately (upstream: fewer accuracy issues).
 */
export function round(x: number, toNearest = 1): number {
  const inv = 1.0 / toNearest;
  return Math.floor(x * inv + 0.5) / inv;
}

/** Returns a mapper for round with a fixed `toNearest` (computes the inverse once). */
export function roundTo(toNearest = 1): MathFn {
  const inv = 1.0 / toNearest;
  return (x) => Math.floor(x * inv + 0.5) / inv;
}

/**
 * clamp(x, min, max) = max(min, min(max, x)) with Go's math.Max/Min NaN semantics
 * (any NaN argument → NaN). Callers must drop the sample entirely when max < min
 * (upstream returns an empty vector), see {@link clampIsEmpty}.
 */
export function clamp(x: number, min: number, max: number): number {
  return goMax(min, goMin(max, x));
}
export function clampMin(x: number, min: number): number {
  return goMax(min, goMin(Infinity, x));
}
export function clampMax(x: number, max: number): number {
  return goMax(-Infinity, goMin(max, x));
}
/** True when clamp(…, min, max) yields no samples at all (max < min). */
export function clampIsEmpty(min: number, max: number): boolean {
  return max < min;
}

/** Go math.Max: NaN if either is NaN; +0 wins over -0. (JS Math.max matches.) */
export function goMax(a: number, b: number): number {
  return Math.max(a, b);
}
/** Go math.Min: NaN if either is NaN; -0 wins over +0. (JS Math.min matches.) */
export function goMin(a: number, b: number): number {
  return Math.min(a, b);
}

// ---- date functions: argument is a Unix timestamp in SECONDS, UTC ----

/**
 * Converts seconds to the millisecond instant Go's `time.Unix(int64(t), 0)` uses:
 * the fractional part is truncated toward zero (int64 conversion).
 * Returns NaN for NaN/±Inf or out-of-range values.
 */
function toDate(sec: number): Date | undefined {
  if (!Number.isFinite(sec)) return undefined;
  const d = new Date(Math.trunc(sec) * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function dateFn(f: (d: Date) => number): MathFn {
  return (sec) => {
    const d = toDate(sec);
    return d === undefined ? NaN : f(d);
  };
}

export const minute: MathFn = dateFn((d) => d.getUTCMinutes());
export const hour: MathFn = dateFn((d) => d.getUTCHours());
export const dayOfWeek: MathFn = dateFn((d) => d.getUTCDay());
export const dayOfMonth: MathFn = dateFn((d) => d.getUTCDate());
export const month: MathFn = dateFn((d) => d.getUTCMonth() + 1);
export const year: MathFn = dateFn((d) => d.getUTCFullYear());
export const daysInMonth: MathFn = dateFn((d) =>
  new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate());
export const dayOfYear: MathFn = dateFn((d) => {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return (day - start) / 86_400_000 + 1;
});

/** Date functions by PromQL name; without an argument they apply to `time()` (caller's job). */
export const DATE_FUNCTIONS: Readonly<Record<string, MathFn>> = Object.freeze({
  minute,
  hour,
  day_of_week: dayOfWeek,
  day_of_month: dayOfMonth,
  day_of_year: dayOfYear,
  days_in_month: daysInMonth,
  month,
  year,
});
