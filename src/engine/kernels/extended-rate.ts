/**
 * Experimental `anchored` / `smoothed` range selectors (Prometheus extended range
 * selectors): rate/increase/delta via `extendedRate`, and anchored resets/changes.
 *
 * Selection contract (differs from plain range kernels): the caller passes in `[lo, hi)`
 * the samples with timestamps in
 *   - anchored: `(windowStart - lookbackDelta, windowEnd]`
 *   - smoothed: `(windowStart - lookbackDelta, windowEnd + lookbackDelta]`
 * (see {@link extendedSelection}); `w.windowStart`/`w.windowEnd` stay the real window.
 * Stale markers are removed by the caller, as for all kernels.
 */
import { durationSeconds } from './duration.js';
import type { RangeKernel, RangeWindow } from './types.js';

export type RangeModifier = 'anchored' | 'smoothed';

/**
 * The sample interval `(startExclusive, endInclusive]` to select for an extended range
 * selector whose real window is `(windowStart, windowEnd]`.
 */
export function extendedSelection(
  modifier: RangeModifier,
  windowStart: number,
  windowEnd: number,
  lookbackDeltaMs: number,
): { startExclusive: number; endInclusive: number } {
  return {
    startExclusive: windowStart - lookbackDeltaMs,
    endInclusive: modifier === 'smoothed' ? windowEnd + lookbackDeltaMs : windowEnd,
  };
}

/** First index i in [lo, end) with t[i] > x (or >= x when `inclusive`), else `end`. */
function searchAfter(t: Float64Array, lo: number, end: number, x: number, inclusive: boolean): number {
  let a = lo;
  let b = end;
  while (a < b) {
    const m = (a + b) >>> 1;
    const tm = t[m]!;
    if (inclusive ? tm >= x : tm > x) b = m;
    else a = m + 1;
  }
  return a;
}

function interpolate(t1: number, y1: number, t2: number, y2: number, at: number, isCounter: boolean): number {
  if (isCounter && y2 < y1) y1 = 0;
  return y1 + ((y2 - y1) * (at - t1)) / (t2 - t1);
}

function pickOrInterpolateLeft(
  t: Float64Array, v: Float64Array, first: number, rangeStart: number, smoothed: boolean, isCounter: boolean,
): number {
  if (smoothed && t[first]! < rangeStart) {
    return interpolate(t[first]!, v[first]!, t[first + 1]!, v[first + 1]!, rangeStart, isCounter);
  }
  return v[first]!;
}

function pickOrInterpolateRight(
  t: Float64Array, v: Float64Array, lo: number, last: number, rangeEnd: number, smoothed: boolean, isCounter: boolean,
): number {
  if (smoothed && last > lo && t[last]! > rangeEnd) {
    return interpolate(t[last - 1]!, v[last - 1]!, t[last]!, v[last]!, rangeEnd, isCounter);
  }
  return v[last]!;
}

/** Prometheus `extendedRate` over the extended selection `[lo, hi)`. */
export function extendedRate(
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  w: RangeWindow,
  smoothed: boolean,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  if (hi <= lo) return undefined;
  const rangeStart = w.windowStart;
  const rangeEnd = w.windowEnd;
  let last = hi - 1;
  // sort.Search(lastSampleIndex, …) searches [0, last) and yields `last` when not found.
  let first = Math.max(lo, searchAfter(t, lo, last, rangeStart, false) - 1);
  if (smoothed) last = searchAfter(t, lo, last, rangeEnd, true);
  if (t[last]! <= rangeStart) return undefined;
  if (smoothed && t[first]! > rangeEnd) return undefined;

  const left = pickOrInterpolateLeft(t, v, first, rangeStart, smoothed, isCounter);
  const right = pickOrInterpolateRight(t, v, lo, last, rangeEnd, smoothed, isCounter);
  let result = right - left;
  if (isCounter) {
    // Only samples strictly inside the range count for resets; the boundary picks or
    // interpolations already account for resets at the edges.
    if (t[first]! <= rangeStart) first++;
    if (t[last]! >= rangeEnd) last--;
    let correction = 0;
    let prev = left;
    for (let i = first; i <= last; i++) {
      const cur = v[i]!;
      if (cur < prev) correction += prev;
      prev = cur;
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (isRate) result /= durationSeconds(w.rangeMs);
  return result;
}

export const anchoredRate: RangeKernel = (t, v, lo, hi, w) => extendedRate(t, v, lo, hi, w, false, true, true);
export const anchoredIncrease: RangeKernel = (t, v, lo, hi, w) => extendedRate(t, v, lo, hi, w, false, true, false);
export const anchoredDelta: RangeKernel = (t, v, lo, hi, w) => extendedRate(t, v, lo, hi, w, false, false, false);
export const smoothedRate: RangeKernel = (t, v, lo, hi, w) => extendedRate(t, v, lo, hi, w, true, true, true);
export const smoothedIncrease: RangeKernel = (t, v, lo, hi, w) => extendedRate(t, v, lo, hi, w, true, true, false);
export const smoothedDelta: RangeKernel = (t, v, lo, hi, w) => extendedRate(t, v, lo, hi, w, true, false, false);

/**
 * Anchored resets/changes (Prometheus `pickFirstSampleIndices`): the anchor is the last
 * sample at or before `windowStart`; it is the baseline together with every sample after
 * `windowStart`. No output when no sample lies after `windowStart`.
 */
function anchoredFirst(t: Float64Array, lo: number, hi: number, windowStart: number): number {
  const after = searchAfter(t, lo, hi, windowStart, false);
  if (after >= hi) return -1;
  return after > lo ? after - 1 : lo;
}

export const anchoredResets: RangeKernel = (t, v, lo, hi, w) => {
  if (hi <= lo) return undefined;
  const first = anchoredFirst(t, lo, hi, w.windowStart);
  if (first < 0) return undefined;
  let resets = 0;
  let prev = v[first]!;
  for (let i = first + 1; i < hi; i++) {
    const cur = v[i]!;
    if (cur < prev) resets++;
    prev = cur;
  }
  return resets;
};

export const anchoredChanges: RangeKernel = (t, v, lo, hi, w) => {
  if (hi <= lo) return undefined;
  const first = anchoredFirst(t, lo, hi, w.windowStart);
  if (first < 0) return undefined;
  let changes = 0;
  let prev = v[first]!;
  for (let i = first + 1; i < hi; i++) {
    const cur = v[i]!;
    if (cur !== prev && !(cur !== cur && prev !== prev)) changes++;
    prev = cur;
  }
  return changes;
};

/**
 * Prometheus `extendFloats`: what an anchored/smoothed matrix selector itself returns
 * (e.g. `x[5m] anchored` as a query result). Input: the extended selection `[lo, hi)`;
 * output: fresh columns with a point at `windowStart` (picked, or interpolated when
 * smoothed), the samples strictly inside, and a point at `windowEnd`. Interpolation here
 * is non-counter (upstream does not know the metric type). Empty columns when no sample
 * lies after `windowStart`.
 */
export function extendFloats(
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  windowStart: number,
  windowEnd: number,
  smoothed: boolean,
): { t: Float64Array; v: Float64Array } {
  if (hi <= lo) return { t: new Float64Array(0), v: new Float64Array(0) };
  let last = hi - 1;
  let first = Math.max(lo, searchAfter(t, lo, last, windowStart, false) - 1);
  if (smoothed) last = searchAfter(t, lo, last, windowEnd, true);
  if (t[last]! <= windowStart) return { t: new Float64Array(0), v: new Float64Array(0) };
  const left = pickOrInterpolateLeft(t, v, first, windowStart, smoothed, false);
  const right = pickOrInterpolateRight(t, v, lo, last, windowEnd, smoothed, false);
  if (t[first]! <= windowStart) first++;
  if (t[last]! >= windowEnd) last--;
  const count = Math.max(last - first + 1, 0);
  const ot = new Float64Array(count + 2);
  const ov = new Float64Array(count + 2);
  ot[0] = windowStart;
  ov[0] = left;
  for (let i = 0; i < count; i++) {
    ot[i + 1] = t[first + i]!;
    ov[i + 1] = v[first + i]!;
  }
  ot[count + 1] = windowEnd;
  ov[count + 1] = right;
  return { t: ot, v: ov };
}

/**
 * Value of a `smoothed` INSTANT vector selector (upstream `smoothSeries`), float samples.
 * `[lo, hi)` = the samples in `(dataTs - lookbackDelta, dataTs + lookbackDelta]` where
 * `dataTs` = evaluation time minus offset. Exact sample at dataTs → its value; samples on
 * both sides → linear (non-counter) interpolation; only earlier samples → the last one;
 * only later samples (or none) → no value.
 */
export function smoothedInstantValue(
  t: Float64Array, v: Float64Array, lo: number, hi: number, dataTs: number,
): number | undefined {
  if (hi <= lo) return undefined;
  const i = searchAfter(t, lo, hi, dataTs, true);
  if (i < hi && t[i] === dataTs) return v[i]!;
  if (i > lo && i < hi) return interpolate(t[i - 1]!, v[i - 1]!, t[i]!, v[i]!, dataTs, false);
  if (i > lo) return v[i - 1]!;
  return undefined;
}
