/**
 * rate / increase / delta (Prometheus `extrapolatedRate`) and irate / idelta
 * (Prometheus `instantValue`), float samples only. Start-timestamp based reset detection
 * (an opt-in Prometheus feature) is not modelled: Canopy stores no start timestamps.
 */
import { durationSeconds } from './duration.js';
import type { RangeKernel, RangeWindow } from './types.js';

/**
 * Shared body of rate/increase/delta. Reads samples `[lo, hi)` inside
 * `(w.windowStart, w.windowEnd]`; needs at least two samples.
 */
export function extrapolatedRate(
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  w: RangeWindow,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const numSamplesMinusOne = hi - lo - 1;
  if (numSamplesMinusOne < 1) return undefined;
  const last = hi - 1;
  const firstT = t[lo]!;
  const lastT = t[last]!;
  const firstV = v[lo]!;
  let resultFloat = v[last]! - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i]!;
      if (cur < prev) resultFloat += prev;
      prev = cur;
    }
  }

  // Duration between first/last samples and boundary of range (seconds).
  let durationToStart = (firstT - w.windowStart) / 1000;
  let durationToEnd = (w.windowEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / numSamplesMinusOne;
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;

  if (durationToStart >= extrapolationThreshold) {
    durationToStart = averageDurationBetweenSamples / 2;
  }
  if (isCounter) {
    // Counters cannot be negative: do not extrapolate below the zero point.
    let durationToZero = durationToStart;
    if (resultFloat > 0 && firstV >= 0) {
      durationToZero = sampledInterval * (firstV / resultFloat);
    }
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) {
    durationToEnd = averageDurationBetweenSamples / 2;
  }

  let factor = 1.0;
  if (sampledInterval !== 0) {
    factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  }
  if (isRate) factor /= durationSeconds(w.rangeMs);
  return resultFloat * factor;
}

export const rate: RangeKernel = (t, v, lo, hi, w) => extrapolatedRate(t, v, lo, hi, w, true, true);
export const increase: RangeKernel = (t, v, lo, hi, w) => extrapolatedRate(t, v, lo, hi, w, true, false);
export const delta: RangeKernel = (t, v, lo, hi, w) => extrapolatedRate(t, v, lo, hi, w, false, false);

/** irate/idelta: the last two samples of the window. */
export function instantValue(
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  isRate: boolean,
): number | undefined {
  if (hi - lo < 2) return undefined;
  const t1 = t[hi - 1]!;
  const t0 = t[hi - 2]!;
  const v1 = v[hi - 1]!;
  const v0 = v[hi - 2]!;
  const sampledInterval = t1 - t0;
  if (sampledInterval === 0) return undefined;
  let result = v1;
  // Gauge, or counter without reset, or counter with NaN value: plain difference.
  // On a counter reset the result stays the last value.
  if (!isRate || !(v1 < v0)) result = v1 - v0;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

export const irate: RangeKernel = (t, v, lo, hi) => instantValue(t, v, lo, hi, true);
export const idelta: RangeKernel = (t, v, lo, hi) => instantValue(t, v, lo, hi, false);
