/**
 * The appendable head of one series: two parallel Float64Array columns (timestamps in ms,
 * values) with amortised doubling, no object per sample.
 *
 * Invariants: t[0..n) strictly increasing; samples are only ever appended, never rewritten, so a
 * subarray view handed to a reader stays valid (a later growth moves the columns to new buffers
 * and leaves the old ones untouched).
 */
import { lowerBound, upperBound } from '../model/index.js';

const INITIAL_CAPACITY = 16;

export class SeriesHead {
  t: Float64Array;
  v: Float64Array;
  n = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  /** Timestamp of the last sample, or -Infinity when empty. */
  get lastT(): number {
    return this.n > 0 ? this.t[this.n - 1]! : -Infinity;
  }

  get minT(): number {
    return this.n > 0 ? this.t[0]! : Infinity;
  }

  /** Makes room for `extra` more samples. */
  reserve(extra: number): void {
    const need = this.n + extra;
    if (need <= this.t.length) return;
    let cap = Math.max(this.t.length, INITIAL_CAPACITY);
    while (cap < need) cap *= 2;
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    t.set(this.t.subarray(0, this.n));
    v.set(this.v.subarray(0, this.n));
    this.t = t;
    this.v = v;
  }

  /**
   * Appends samples [from, to) of the given columns. The caller has checked that they are
   * strictly increasing and newer than `lastT`.
   */
  appendRange(ts: ArrayLike<number>, vs: ArrayLike<number>, from: number, to: number): void {
    const k = to - from;
    if (k <= 0) return;
    this.reserve(k);
    if (ts instanceof Float64Array && vs instanceof Float64Array) {
      this.t.set(ts.subarray(from, to), this.n);
      this.v.set(vs.subarray(from, to), this.n);
    } else {
      const t = this.t;
      const v = this.v;
      let n = this.n;
      for (let i = from; i < to; i++, n++) {
        t[n] = ts[i]!;
        v[n] = vs[i]!;
      }
    }
    this.n += k;
  }

  appendOne(t: number, v: number): void {
    if (this.n === this.t.length) this.reserve(1);
    this.t[this.n] = t;
    this.v[this.n] = v;
    this.n++;
  }

  /** Index range [lo, hi) of samples with start <= t <= end. */
  window(start: number, end: number): [number, number] {
    const t = this.t.subarray(0, this.n);
    return [lowerBound(t, start), upperBound(t, end)];
  }

  /** Approximate heap bytes held by the columns (capacity, not length). */
  get bytes(): number {
    return this.t.byteLength + this.v.byteLength;
  }
}
