/**
 * Canopy numeric kernels: pure, allocation-free (in their loops) functions over typed
 * arrays that reproduce Prometheus 3.14 `promql/functions.go`, `quantile.go` and the
 * aggregation arithmetic of `engine.go` to the last digit (same operation order; JS never
 * fuses multiply-add, like Go on amd64).
 *
 * ## Range-window kernels — {@link RangeKernel}
 * `(t, v, lo, hi, w) => number | undefined`
 * - `t`/`v`: one series' raw sample columns (ms timestamps, float64 values), sorted by t.
 * - `[lo, hi)`: indices of the samples inside the window `(w.windowStart, w.windowEnd]`;
 *   `w.windowEnd` is the evaluation time after offset/@, `w.windowStart = windowEnd - rangeMs`.
 * - Stale markers are already removed by the caller (kernels never test for them).
 * - `w.params`: the call's scalar arguments other than the range vector, in call order
 *   (quantile_over_time: [φ]; predict_linear: [seconds]; double_exponential_smoothing: [sf, tf]).
 * - `w.evalTime`: evaluation time before offset/@ (only predict_linear reads it; defaults
 *   to windowEnd). Pass it whenever offset or @ is used.
 * - `w.annotate(level, msg)`: receives Prometheus annotations (e.g. invalid quantile).
 *   The engine is responsible for de-duplicating them across series/steps.
 * - Returns `undefined` = no output point at this step (e.g. rate with < 2 samples).
 * - Kernels may throw `ExecutionError` (double_exponential_smoothing invalid factors).
 * - Float samples only: native histograms are not modelled.
 *
 * ## Extended range selectors (experimental `anchored` / `smoothed`)
 * Same signature, different selection: `[lo, hi)` must hold the samples in
 * `extendedSelection(modifier, windowStart, windowEnd, lookbackDelta)`, i.e.
 * `(windowStart - lookback, windowEnd]` (anchored) or `(windowStart - lookback,
 * windowEnd + lookback]` (smoothed); `w.windowStart/windowEnd` stay the real window.
 * Kernels in {@link ANCHORED_KERNELS} / {@link SMOOTHED_KERNELS}; any other function with
 * such a selector is an error upstream ("anchored modifier can only be used with: …").
 * A bare `x[5m] anchored` selector result is built with {@link extendFloats}; a smoothed
 * instant selector (`x smoothed`) with {@link smoothedInstantValue}.
 *
 * ## Instant kernels
 * {@link MATH_FUNCTIONS} (name → `(x) => y`), {@link round}/{@link roundTo},
 * {@link clamp}/{@link clampMin}/{@link clampMax} (+ {@link clampIsEmpty}: max < min drops
 * everything), {@link DATE_FUNCTIONS} on a Unix time in SECONDS, UTC (NaN for non-finite).
 *
 * ## Histograms (classic buckets) and quantiles
 * {@link histogramQuantile}(q, upperBounds, counts, n) → {@link BucketQuantileResult}
 * (`forcedMonotonicity` → the engine adds the upstream info annotation with minBucket,
 * maxBucket, maxDiff); {@link histogramFraction}(lower, upper, upperBounds, counts, n).
 * {@link quantile}(q, values, n) (copies), or {@link sortForQuantile} + {@link quantileSorted}.
 *
 * ## Aggregation helpers
 * {@link kahanSumInc}, {@link SumAccumulator}, {@link AvgAccumulator},
 * {@link VarianceAccumulator}, {@link MinAccumulator}, {@link MaxAccumulator}.
 */
import { anchoredChanges, anchoredDelta, anchoredIncrease, anchoredRate, anchoredResets,
  smoothedDelta, smoothedIncrease, smoothedRate } from './extended-rate.js';
import { avgOverTime, changes, countOverTime, doubleExponentialSmoothing, firstOverTime,
  lastOverTime, madOverTime, maxOverTime, minOverTime, presentOverTime, quantileOverTime,
  resets, stddevOverTime, stdvarOverTime, sumOverTime, tsOfFirstOverTime, tsOfLastOverTime,
  tsOfMaxOverTime, tsOfMinOverTime } from './over-time.js';
import { delta, idelta, increase, irate, rate } from './rate.js';
import { deriv, predictLinear } from './regression.js';
import type { RangeKernel } from './types.js';

export type { Annotate, MathFn, RangeKernel, RangeWindow } from './types.js';
export { kahanSumInc, newKahanPair } from './kahan.js';
export type { KahanPair } from './kahan.js';
export { durationSeconds } from './duration.js';
export { formatGoF, formatGoG, invalidQuantileWarning } from './format.js';
export { delta, extrapolatedRate, idelta, increase, instantValue, irate, rate } from './rate.js';
export { anchoredChanges, anchoredDelta, anchoredIncrease, anchoredRate, anchoredResets,
  extendFloats, extendedRate, extendedSelection, smoothedDelta, smoothedIncrease,
  smoothedInstantValue, smoothedRate } from './extended-rate.js';
export type { RangeModifier } from './extended-rate.js';
export { avgOverTime, changes, countOverTime, doubleExponentialSmoothing, firstOverTime,
  lastOverTime, madOverTime, maxOverTime, minOverTime, presentOverTime, quantileOverTime,
  resets, stddevOverTime, stdvarOverTime, sumOverTime, tsOfFirstOverTime, tsOfLastOverTime,
  tsOfMaxOverTime, tsOfMinOverTime } from './over-time.js';
export { deriv, predictLinear } from './regression.js';
export { almostEqual, histogramFraction, histogramQuantile, quantile, quantileSorted,
  SMALL_DELTA_TOLERANCE, sortForQuantile } from './quantile.js';
export type { BucketQuantileResult } from './quantile.js';
export { clamp, clampIsEmpty, clampMax, clampMin, DATE_FUNCTIONS, dayOfMonth, dayOfWeek, goLog10, goLog2,
  dayOfYear, daysInMonth, goMax, goMin, hour, MATH_FUNCTIONS, minute, month, round, roundTo,
  year } from './math.js';
export { AvgAccumulator, MaxAccumulator, MinAccumulator, SumAccumulator,
  VarianceAccumulator } from './aggregate.js';

/**
 * Range-vector functions by PromQL name (plain range selectors). absent_over_time is not
 * here (it is a series-set level function: the engine emits 1 when no series has samples).
 */
export const RANGE_KERNELS: Readonly<Record<string, RangeKernel>> = Object.freeze({
  rate,
  increase,
  delta,
  irate,
  idelta,
  deriv,
  predict_linear: predictLinear,
  resets,
  changes,
  avg_over_time: avgOverTime,
  sum_over_time: sumOverTime,
  min_over_time: minOverTime,
  max_over_time: maxOverTime,
  count_over_time: countOverTime,
  last_over_time: lastOverTime,
  first_over_time: firstOverTime,
  present_over_time: presentOverTime,
  quantile_over_time: quantileOverTime,
  stddev_over_time: stddevOverTime,
  stdvar_over_time: stdvarOverTime,
  mad_over_time: madOverTime,
  double_exponential_smoothing: doubleExponentialSmoothing,
  ts_of_min_over_time: tsOfMinOverTime,
  ts_of_max_over_time: tsOfMaxOverTime,
  ts_of_first_over_time: tsOfFirstOverTime,
  ts_of_last_over_time: tsOfLastOverTime,
});

/** Kernels for `f(x[r] anchored)`; selection per {@link extendedSelection}. */
export const ANCHORED_KERNELS: Readonly<Record<string, RangeKernel>> = Object.freeze({
  rate: anchoredRate,
  increase: anchoredIncrease,
  delta: anchoredDelta,
  resets: anchoredResets,
  changes: anchoredChanges,
});

/** Kernels for `f(x[r] smoothed)`; selection per {@link extendedSelection}. */
export const SMOOTHED_KERNELS: Readonly<Record<string, RangeKernel>> = Object.freeze({
  rate: smoothedRate,
  increase: smoothedIncrease,
  delta: smoothedDelta,
});
