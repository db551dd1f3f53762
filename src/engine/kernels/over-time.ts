/**
 * `*_over_time` kernels and resets/changes, float samples only, mirroring Prometheus
 * `promql/functions.go` arithmetic order so results match to the last digit.
 * All kernels return `undefined` for an empty window.
 */
import { ExecutionError } from '../../model/index.js';
import { formatGoF, invalidQuantileWarning } from './format.js';
import { kahanSumInc, newKahanPair } from './kahan.js';
import { quantileSorted, sortForQuantile } from './quantile.js';
import type { RangeKernel } from './types.js';

const pair = newKahanPair();
const MAX = Number.MAX_VALUE;

/** sum_over_time: Kahan–Neumaier sum; an infinite sum is returned without compensation. */
export const sumOverTime: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) {
    // Inlined kahanSumInc(v[i], sum, c) (a call per sample costs ~5× here).
    const x = v[i]!;
    const t = sum + x;
    if (t > MAX || t < -MAX) c = 0;
    else if (Math.abs(sum) >= Math.abs(x)) c += sum - t + x;
    else c += x - t + sum;
    sum = t;
  }
  if (sum === Infinity || sum === -Infinity) return sum;
  return sum + c;
};

/**
 * avg_over_time: direct Kahan mean while the running sum stays finite, switching to an
 * incremental Kahan mean once it would overflow (Prometheus 3).
 */
export const avgOverTime: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let sum = v[lo]!;
  let count = 1;
  let mean = 0;
  let kahanC = 0;
  let incrementalMean = false;
  for (let i = lo + 1; i < hi; i++) {
    const f = v[i]!;
    count = i - lo + 1;
    if (!incrementalMean) {
      // Inlined kahanSumInc(f, sum, kahanC); on overflow the state is left untouched.
      const newSum = sum + f;
      if (newSum !== Infinity && newSum !== -Infinity) {
        if (Math.abs(sum) >= Math.abs(f)) kahanC += sum - newSum + f;
        else kahanC += f - newSum + sum;
        sum = newSum;
        continue;
      }
      incrementalMean = true;
      mean = sum / (count - 1);
      kahanC /= count - 1;
    }
    const q = (count - 1) / count;
    kahanSumInc(f / count, q * mean, q * kahanC, pair);
    mean = pair[0]!;
    kahanC = pair[1]!;
  }
  if (incrementalMean) return mean + kahanC;
  return sum / count + kahanC / count;
};

export const countOverTime: RangeKernel = (_t, _v, lo, hi) => (hi <= lo ? undefined : hi - lo);
export const presentOverTime: RangeKernel = (_t, _v, lo, hi) => (hi <= lo ? undefined : 1);
export const lastOverTime: RangeKernel = (_t, v, lo, hi) => (hi <= lo ? undefined : v[hi - 1]!);
export const firstOverTime: RangeKernel = (_t, v, lo, hi) => (hi <= lo ? undefined : v[lo]!);
export const tsOfLastOverTime: RangeKernel = (t, _v, lo, hi) => (hi <= lo ? undefined : t[hi - 1]! / 1000);
export const tsOfFirstOverTime: RangeKernel = (t, _v, lo, hi) => (hi <= lo ? undefined : t[lo]! / 1000);

// compareOverTime: a NaN running value is always replaced, so NaN only survives if all are NaN.
export const maxOverTime: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let m = v[lo]!;
  for (let i = lo; i < hi; i++) {
    const f = v[i]!;
    if (f > m || m !== m) m = f;
  }
  return m;
};

export const minOverTime: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let m = v[lo]!;
  for (let i = lo; i < hi; i++) {
    const f = v[i]!;
    if (f < m || m !== m) m = f;
  }
  return m;
};

/** ts_of_max_over_time: timestamp (seconds) of the LAST occurrence of the maximum. */
export const tsOfMaxOverTime: RangeKernel = (t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let m = v[lo]!;
  let ts = t[lo]!;
  for (let i = lo; i < hi; i++) {
    const f = v[i]!;
    if (f >= m || m !== m) {
      m = f;
      ts = t[i]!;
    }
  }
  return ts / 1000;
};

/** ts_of_min_over_time: timestamp (seconds) of the LAST occurrence of the minimum. */
export const tsOfMinOverTime: RangeKernel = (t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let m = v[lo]!;
  let ts = t[lo]!;
  for (let i = lo; i < hi; i++) {
    const f = v[i]!;
    if (f <= m || m !== m) {
      m = f;
      ts = t[i]!;
    }
  }
  return ts / 1000;
};

/** Shared variance: Welford with Kahan-compensated mean and sum of squares (upstream). */
function varianceOverTime(v: Float64Array, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = v[i]!;
    count++;
    const delta = f - (mean + cMean);
    // Inlined kahanSumInc(delta / count, mean, cMean).
    const dm = delta / count;
    const m = mean + dm;
    if (m > MAX || m < -MAX) cMean = 0;
    else if (Math.abs(mean) >= Math.abs(dm)) cMean += mean - m + dm;
    else cMean += dm - m + mean;
    mean = m;
    // Inlined kahanSumInc(delta * (f - (mean + cMean)), aux, cAux).
    const da = delta * (f - (mean + cMean));
    const a = aux + da;
    if (a > MAX || a < -MAX) cAux = 0;
    else if (Math.abs(aux) >= Math.abs(da)) cAux += aux - a + da;
    else cAux += da - a + aux;
    aux = a;
  }
  return (aux + cAux) / count;
}

export const stdvarOverTime: RangeKernel = (_t, v, lo, hi) => (hi <= lo ? undefined : varianceOverTime(v, lo, hi));
export const stddevOverTime: RangeKernel = (_t, v, lo, hi) =>
  hi <= lo ? undefined : Math.sqrt(varianceOverTime(v, lo, hi));

/** Scratch buffer for sorting window values (grown on demand, never shrunk). */
let scratch = new Float64Array(256);
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * quantile_over_time(φ, x[r]): params[0] = φ. φ outside [0, 1] or NaN adds the upstream
 * warning "quantile value should be between 0 and 1, got …" and yields ±Inf / NaN.
 */
export const quantileOverTime: RangeKernel = (_t, v, lo, hi, w) => {
  if (hi <= lo) return undefined;
  const q = w.params[0] ?? NaN;
  if (q !== q || q < 0 || q > 1) w.annotate?.('warn', invalidQuantileWarning(q));
  const n = hi - lo;
  const buf = scratchOf(n);
  for (let i = 0; i < n; i++) buf[i] = v[lo + i]!;
  return quantileSorted(q, sortForQuantile(buf, n), n);
};

/** mad_over_time: median absolute deviation; NaN if any sample is NaN. */
export const madOverTime: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  const n = hi - lo;
  const buf = scratchOf(n);
  for (let i = 0; i < n; i++) {
    const f = v[lo + i]!;
    if (f !== f) return NaN;
    buf[i] = f;
  }
  const median = quantileSorted(0.5, sortForQuantile(buf, n), n);
  for (let i = 0; i < n; i++) buf[i] = Math.abs(buf[i]! - median);
  return quantileSorted(0.5, sortForQuantile(buf, n), n);
};

/** resets(x[r]): number of decreases between consecutive samples. */
export const resets: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let n = 0;
  let prev = v[lo]!;
  for (let i = lo + 1; i < hi; i++) {
    const cur = v[i]!;
    if (cur < prev) n++;
    prev = cur;
  }
  return n;
};

/** changes(x[r]): number of value changes; NaN→NaN is not a change. */
export const changes: RangeKernel = (_t, v, lo, hi) => {
  if (hi <= lo) return undefined;
  let n = 0;
  let prev = v[lo]!;
  for (let i = lo + 1; i < hi; i++) {
    const cur = v[i]!;
    if (cur !== prev && !(cur !== cur && prev !== prev)) n++;
    prev = cur;
  }
  return n;
};

/**
 * double_exponential_smoothing(x[r], sf, tf): params = [sf, tf]. Invalid factors throw
 * ExecutionError with the upstream message (only when the window has samples, as upstream).
 * Fewer than two samples → no output.
 */
export const doubleExponentialSmoothing: RangeKernel = (_t, v, lo, hi, w) => {
  if (hi <= lo) return undefined;
  const sf = w.params[0] ?? NaN;
  const tf = w.params[1] ?? NaN;
  if (sf <= 0 || sf >= 1) {
    throw new ExecutionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoF(sf)}`);
  }
  if (tf <= 0 || tf >= 1) {
    throw new ExecutionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoF(tf)}`);
  }
  const l = hi - lo;
  if (l < 2) return undefined;
  let s0 = 0;
  let s1 = v[lo]!;
  let b = v[lo + 1]! - v[lo]!;
  for (let i = 1; i < l; i++) {
    const x = sf * v[lo + i]!;
    // calcTrendValue(i-1, tf, s0, s1, b)
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
};
