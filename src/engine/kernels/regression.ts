/** deriv / predict_linear: least-squares regression with Kahan sums (upstream `linearRegression`). */
import type { RangeKernel } from './types.js';

const MAX = Number.MAX_VALUE;
let outSlope = 0;
let outIntercept = 0;

/**
 * Regression over samples [lo, hi) with x = (t - interceptTime) / 1000 seconds.
 * Results in `outSlope` / `outIntercept` (module scratch, no allocation).
 * Constant y: slope 0 and intercept y (NaN/NaN when y is ±Inf).
 */
function linearRegression(t: Float64Array, v: Float64Array, lo: number, hi: number, interceptTime: number): void {
  let n = 0;
  let sumX = 0, cX = 0;
  let sumY = 0, cY = 0;
  let sumXY = 0, cXY = 0;
  let sumX2 = 0, cX2 = 0;
  const initY = v[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1.0;
    const x = (t[i]! - interceptTime) / 1e3;
    // Four inlined kahanSumInc steps (a call per sample is several times slower).
    let s = sumX + x;
    if (s > MAX || s < -MAX) cX = 0;
    else if (Math.abs(sumX) >= Math.abs(x)) cX += sumX - s + x;
    else cX += x - s + sumX;
    sumX = s;
    s = sumY + y;
    if (s > MAX || s < -MAX) cY = 0;
    else if (Math.abs(sumY) >= Math.abs(y)) cY += sumY - s + y;
    else cY += y - s + sumY;
    sumY = s;
    const xy = x * y;
    s = sumXY + xy;
    if (s > MAX || s < -MAX) cXY = 0;
    else if (Math.abs(sumXY) >= Math.abs(xy)) cXY += sumXY - s + xy;
    else cXY += xy - s + sumXY;
    sumXY = s;
    const x2 = x * x;
    s = sumX2 + x2;
    if (s > MAX || s < -MAX) cX2 = 0;
    else if (Math.abs(sumX2) >= Math.abs(x2)) cX2 += sumX2 - s + x2;
    else cX2 += x2 - s + sumX2;
    sumX2 = s;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) {
      outSlope = NaN;
      outIntercept = NaN;
    } else {
      outSlope = 0;
      outIntercept = initY;
    }
    return;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  outSlope = covXY / varX;
  outIntercept = sumY / n - (outSlope * sumX) / n;
}

/** deriv(x[r]): per-second slope; needs two samples. Intercept time = first sample (upstream). */
export const deriv: RangeKernel = (t, v, lo, hi) => {
  if (hi - lo < 2) return undefined;
  linearRegression(t, v, lo, hi, t[lo]!);
  return outSlope;
};

/**
 * predict_linear(x[r], s): value predicted `s` seconds after the evaluation time
 * (params[0] = s; regression anchored at `w.evalTime ?? w.windowEnd`).
 */
export const predictLinear: RangeKernel = (t, v, lo, hi, w) => {
  if (hi - lo < 2) return undefined;
  const duration = w.params[0] ?? NaN;
  linearRegression(t, v, lo, hi, w.evalTime ?? w.windowEnd);
  return outSlope * duration + outIntercept;
};
