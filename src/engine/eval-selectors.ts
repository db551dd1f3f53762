/**
 * Instant and range vector selectors over prefetched columns.
 * Instant: at each step the newest sample in (t - lookback, t], unless it is a stale marker.
 * Range: samples in (t - range, t], stale markers removed.
 */
import { isStaleNaN, type Series } from '../model/index.js';
import type { MatrixSelector, VectorSelector } from '../promql/index.js';
import { durationMs, effectiveTimes } from './durations.js';
import { checkSamples } from './limits.js';
import type { EvalContext, MatrixValue, MSeries, VectorValue, VSeries } from './types.js';

function fetchedFor(ctx: EvalContext, sel: VectorSelector): readonly Series[] {
  return ctx.fetched.get(sel) ?? [];
}

/**
 * @param sampleTimes when given, receives per output series the timestamp of the sample used
 *   at each step (for `timestamp(selector)`).
 */
export function evalVectorSelector(ctx: EvalContext, sel: VectorSelector, ts: Float64Array, sampleTimes?: Float64Array[]): VectorValue {
  if (sel.smoothed && !sampleTimes) return evalSmoothedSelector(ctx, sel, ts);
  const te = effectiveTimes(ts, sel.at, sel.offset, ctx);
  const n = ts.length;
  const out: VSeries[] = [];
  const lb = ctx.lookbackMs;
  let points = 0;
  for (const s of fetchedFor(ctx, sel)) {
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    const st = sampleTimes ? new Float64Array(n) : undefined;
    let any = false;
    const len = s.t.length;
    for (let i = 0; i < n; i++) {
      const t = te[i]!;
      // Last index with s.t[j] <= t (binary search; steps are few relative to samples).
      let lo = 0;
      let hi = len;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (s.t[mid]! <= t) lo = mid + 1;
        else hi = mid;
      }
      const j = lo - 1;
      if (j < 0 || s.t[j]! <= t - lb) continue;
      const x = s.v[j]!;
      if (isStaleNaN(x)) continue;
      v[i] = x;
      p[i] = 1;
      if (st) st[i] = s.t[j]!;
      any = true;
    }
    if (!any) continue;
    points++;
    out.push({ labels: s.labels, v, p, dropName: false });
    if (sampleTimes && st) sampleTimes.push(st);
  }
  checkSamples(ctx, points);
  return { kind: 'vector', series: out };
}

/** Removes stale markers from a sample column pair (copies only when there are some). */
function dropStale(t: Float64Array, v: Float64Array): [Float64Array, Float64Array] {
  let stale = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== v[i] && isStaleNaN(v[i]!)) stale++;
  if (stale === 0) return [t, v];
  const nt = new Float64Array(t.length - stale);
  const nv = new Float64Array(t.length - stale);
  let k = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== v[i] && isStaleNaN(v[i]!)) continue;
    nt[k] = t[i]!;
    nv[k++] = v[i]!;
  }
  return [nt, nv];
}

/** Computes [lo, hi) windows (t - range, t] for each window end. */
export function windows(t: Float64Array, ends: Float64Array, rangeMs: number, extendBack = 0, extendFwd = 0): { lo: Int32Array; hi: Int32Array; any: boolean; points: number } {
  const n = ends.length;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  let any = false;
  let points = 0;
  // Ends are non-decreasing in practice (grid order, fixed offset/@): advance two pointers and
  // fall back to binary search if an end ever goes backwards.
  let a = 0;
  let b = 0;
  let prevEnd = -Infinity;
  for (let i = 0; i < n; i++) {
    const end = ends[i]! + extendFwd;
    const start = ends[i]! - rangeMs - extendBack;
    if (end < prevEnd) {
      a = upper(t, start);
      b = upper(t, end);
    } else {
      while (a < t.length && t[a]! <= start) a++;
      if (b < a) b = a;
      while (b < t.length && t[b]! <= end) b++;
    }
    prevEnd = end;
    lo[i] = a;
    hi[i] = b;
    if (b > a) {
      any = true;
      // Peak points held at one step (Prometheus counts samples per step, not cumulatively).
      if (b - a > points) points = b - a;
    }
  }
  return { lo, hi, any, points };
}

/** First index with t[i] > x. */
function upper(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function evalMatrixSelector(ctx: EvalContext, m: MatrixSelector, ts: Float64Array): MatrixValue {
  const sel = m.vector;
  const rangeMs = durationMs(m.range, ctx);
  const ends = effectiveTimes(ts, sel.at, sel.offset, ctx);
  const out: MSeries[] = [];
  const extended = sel.anchored ? 'anchored' : sel.smoothed ? 'smoothed' : undefined;
  const back = extended ? ctx.lookbackMs : 0;
  const fwd = extended === 'smoothed' ? ctx.lookbackMs : 0;
  let points = 0;
  for (const s of fetchedFor(ctx, sel)) {
    const [t, v] = dropStale(s.t, s.v);
    const w = windows(t, ends, rangeMs, back, fwd);
    if (!w.any) continue;
    points += w.points;
    out.push({ labels: s.labels, t, v, lo: w.lo, hi: w.hi, dropName: false });
  }
  checkSamples(ctx, points);
  return { kind: 'matrix', series: out, ends, rangeMs, ...(extended ? { extended } : {}) };
}

/**
 * `x smoothed` as an instant selector: the value at t is the sample at exactly t, else the
 * linear interpolation between its neighbours within ±lookback, else the last one before t.
 */
function evalSmoothedSelector(ctx: EvalContext, sel: VectorSelector, ts: Float64Array): VectorValue {
  const te = effectiveTimes(ts, sel.at, sel.offset, ctx);
  const n = ts.length;
  const lb = ctx.lookbackMs;
  const out: VSeries[] = [];
  for (const s of fetchedFor(ctx, sel)) {
    const [t, vals] = dropStale(s.t, s.v);
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const x = te[i]!;
      const lo = upper(t, x - lb);
      const hi = upper(t, x + lb);
      if (hi <= lo) continue;
      // First index in [lo, hi) with t >= x.
      let k = lo;
      while (k < hi && t[k]! < x) k++;
      if (k < hi && t[k] === x) v[i] = vals[k]!;
      else if (k > lo && k < hi) v[i] = vals[k - 1]! + ((vals[k]! - vals[k - 1]!) * (x - t[k - 1]!)) / (t[k]! - t[k - 1]!);
      else if (k > lo) v[i] = vals[k - 1]!;
      else continue;
      p[i] = 1;
      any = true;
    }
    if (any) out.push({ labels: s.labels, v, p, dropName: false });
  }
  checkSamples(ctx, out.length);
  return { kind: 'vector', series: out };
}
