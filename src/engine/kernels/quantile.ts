/**
 * Quantiles as Prometheus `promql/quantile.go`: the φ-quantile of a value set (used by
 * quantile_over_time, mad_over_time and the `quantile` aggregator) and classic-bucket
 * histogram_quantile / histogram_fraction.
 */

/**
 * Sorts `buf[0, n)` in place in Prometheus's order for quantiles: NaN first (upstream's
 * `Less` treats NaN as smaller than everything), then ascending. Returns `buf`.
 */
export function sortForQuantile(buf: Float64Array, n: number): Float64Array {
  const view = buf.subarray(0, n);
  view.sort(); // ascending, NaN last
  let nans = 0;
  for (let i = n - 1; i >= 0 && view[i] !== view[i]; i--) nans++;
  if (nans > 0 && nans < n) {
    // Rotate the NaN tail to the front.
    view.copyWithin(nans, 0, n - nans);
    view.fill(NaN, 0, nans);
  }
  return buf;
}

/**
 * φ-quantile of the already sorted (see {@link sortForQuantile}) values `sorted[0, n)`
 * with linear interpolation between closest ranks. n = 0 or NaN φ → NaN;
 * φ < 0 → -Inf; φ > 1 → +Inf.
 */
export function quantileSorted(q: number, sorted: Float64Array, n: number): number {
  if (n === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lowerIndex]! * (1 - weight) + sorted[upperIndex]! * weight;
}

/**
 * Prometheus `quantile(q, values)`: sorts a copy of `values[0, n)` and interpolates.
 * Allocates one Float64Array of n; use {@link sortForQuantile} + {@link quantileSorted}
 * on your own scratch buffer in hot paths.
 */
export function quantile(q: number, values: Float64Array, n: number): number {
  if (n === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const copy = values.slice(0, n);
  return quantileSorted(q, sortForQuantile(copy, n), n);
}

/** Relative deltas between adjacent buckets below this are float noise (upstream). */
export const SMALL_DELTA_TOLERANCE = 1e-12;

const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus `util/almost.Equal` for ordinary (non-stale) floats. */
export function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a !== a && b !== b) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

export interface BucketQuantileResult {
  value: number;
  /** Monotonicity had to be forced (→ the upstream info annotation). */
  forcedMonotonicity: boolean;
  /** Numerically insignificant differences between buckets were ignored (no annotation). */
  fixedPrecision: boolean;
  /** Smallest / largest `le` where monotonicity was forced (±Inf when not forced). */
  minBucket: number;
  maxBucket: number;
  /** Largest count decrease that was removed (0 when not forced). */
  maxDiff: number;
}

/** Sorts buckets by upper bound (insertion order kept for equal bounds) into fresh arrays. */
function sortedBuckets(
  upperBounds: Float64Array, counts: Float64Array, n: number,
): { ub: Float64Array; c: Float64Array; n: number } {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let sorted = true;
  for (let i = 1; i < n; i++) if (upperBounds[i]! < upperBounds[i - 1]!) { sorted = false; break; }
  if (!sorted) idx.sort((a, b) => upperBounds[a]! - upperBounds[b]! || a - b);
  // Coalesce equal upper bounds (sum their counts).
  const ub = new Float64Array(n);
  const c = new Float64Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (m > 0 && ub[m - 1] === upperBounds[i]) {
      c[m - 1]! += counts[i]!;
    } else {
      ub[m] = upperBounds[i]!;
      c[m] = counts[i]!;
      m++;
    }
  }
  return { ub, c, n: m };
}

/**
 * Upstream `ensureMonotonicAndIgnoreSmallDeltas`, in place on `c[0, n)`.
 * Writes {forced, fixed, minBucket, maxBucket, maxDiff} into `out`.
 */
function ensureMonotonic(ub: Float64Array, c: Float64Array, n: number, tolerance: number, out: BucketQuantileResult): void {
  let minBucket = Infinity;
  let maxBucket = -Infinity;
  let maxDiff = 0;
  let forced = false;
  let fixed = false;
  let prev = c[0]!;
  for (let i = 1; i < n; i++) {
    const curr = c[i]!;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, tolerance)) {
      c[i] = prev;
      fixed = true;
      continue;
    }
    if (curr < prev) {
      c[i] = prev;
      forced = true;
      const b = ub[i]!;
      if (b < minBucket) minBucket = b;
      if (b > maxBucket) maxBucket = b;
      const diff = prev - curr;
      if (diff > maxDiff) maxDiff = diff;
      continue;
    }
    prev = curr;
  }
  out.forcedMonotonicity = forced;
  out.fixedPrecision = fixed;
  out.minBucket = minBucket;
  out.maxBucket = maxBucket;
  out.maxDiff = maxDiff;
}

/**
 * Classic-bucket histogram_quantile (upstream `BucketQuantile`). `upperBounds[i]` is the
 * `le` of bucket i and `counts[i]` its cumulative count, for i in [0, n), in any order.
 * NaN φ → NaN, φ < 0 → -Inf, φ > 1 → +Inf (checked first); no +Inf bucket → NaN;
 * fewer than 2 buckets after coalescing or zero observations → NaN. Inputs are not modified.
 */
export function histogramQuantile(
  q: number, upperBounds: Float64Array, counts: Float64Array, n: number,
): BucketQuantileResult {
  const res: BucketQuantileResult = {
    value: NaN, forcedMonotonicity: false, fixedPrecision: false,
    minBucket: 0, maxBucket: 0, maxDiff: 0,
  };
  if (q !== q) return res;
  if (q < 0) { res.value = -Infinity; return res; }
  if (q > 1) { res.value = Infinity; return res; }
  if (n === 0) return res;
  const s = sortedBuckets(upperBounds, counts, n);
  const { ub, c } = s;
  if (ub[s.n - 1] !== Infinity) return res;
  const m = s.n;
  ensureMonotonic(ub, c, m, SMALL_DELTA_TOLERANCE, res);
  if (m < 2) return res;
  const observations = c[m - 1]!;
  if (observations === 0) return res;
  let rank = q * observations;
  // sort.Search(m-1, counts[i] >= rank)
  let a = 0;
  let bHi = m - 1;
  while (a < bHi) {
    const mid = (a + bHi) >>> 1;
    if (c[mid]! >= rank) bHi = mid;
    else a = mid + 1;
  }
  const b = a;
  if (b === m - 1) {
    res.value = ub[m - 2]!;
  } else if (b === 0 && ub[0]! <= 0) {
    res.value = ub[0]!;
  } else {
    let bucketStart = 0;
    const bucketEnd = ub[b]!;
    let count = c[b]!;
    if (b > 0) {
      bucketStart = ub[b - 1]!;
      count -= c[b - 1]!;
      rank -= c[b - 1]!;
    }
    res.value = bucketStart + (bucketEnd - bucketStart) * (rank / count);
  }
  return res;
}

/**
 * Classic-bucket histogram_fraction (upstream `BucketFraction`): fraction of observations
 * in (lower, upper], interpolating linearly inside buckets. No +Inf bucket, zero count or
 * NaN bound → NaN; lower >= upper → 0. Inputs are not modified.
 */
export function histogramFraction(
  lower: number, upper: number, upperBounds: Float64Array, counts: Float64Array, n: number,
): number {
  if (n === 0) return NaN;
  const s = sortedBuckets(upperBounds, counts, n);
  const { ub, c } = s;
  const m = s.n;
  if (ub[m - 1] !== Infinity) return NaN;
  const count = c[m - 1]!;
  if (count === 0 || lower !== lower || upper !== upper) return NaN;
  if (lower >= upper) return 0;

  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = ub[0]! <= 0 ? -Infinity : 0;
  for (let i = 0; i < m; i++) {
    if (i > 0) lowerBound = ub[i - 1]!;
    const upperBound = ub[i]!;
    const bc = c[i]!;
    if (!lowerSet && lowerBound >= lower) { lowerRank = rank; lowerSet = true; }
    if (!upperSet && lowerBound >= upper) { upperRank = rank; upperSet = true; }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = lowerBound === -Infinity
        ? bc
        : rank + ((bc - rank) * (lower - lowerBound)) / (upperBound - lowerBound);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = lowerBound === -Infinity
        ? bc
        : rank + ((bc - rank) * (upper - lowerBound)) / (upperBound - lowerBound);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = bc;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}
