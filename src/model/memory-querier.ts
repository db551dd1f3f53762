/**
 * An in-memory `Querier` over a fixed list of series: for tests, the conformance runner and the
 * gateway (which fetches series from leaves, then evaluates over them).
 */
import { compareLabels, labelsKey, type Labels } from './labels.js';
import { compileMatcher, matchesLabels, type Matcher } from './matcher.js';
import type { LabelHints, Querier, SelectHints, Series, SeriesSet } from './storage.js';

export class MemoryQuerier implements Querier {
  private readonly series: Series[];

  constructor(series: Iterable<Series>) {
    this.series = [...series].sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /**
   * Builds from per-series sample lists, merging duplicates by label set (last write wins on
   * equal timestamps). Values are copied through Float64Arrays only: V8 canonicalises NaNs stored
   * in plain JS arrays, which would turn the stale marker into an ordinary NaN.
   */
  static fromSamples(rows: Iterable<{ labels: Labels; t: ArrayLike<number>; v: ArrayLike<number> }>): MemoryQuerier {
    const byKey = new Map<string, { labels: Labels; parts: { t: ArrayLike<number>; v: ArrayLike<number> }[]; n: number }>();
    for (const r of rows) {
      const k = labelsKey(r.labels);
      let e = byKey.get(k);
      if (!e) byKey.set(k, (e = { labels: r.labels, parts: [], n: 0 }));
      e.parts.push({ t: r.t, v: r.v });
      e.n += r.t.length;
    }
    const out: Series[] = [];
    for (const e of byKey.values()) {
      const ts = new Float64Array(e.n);
      const vs = new Float64Array(e.n);
      let k = 0;
      for (const p of e.parts) {
        for (let i = 0; i < p.t.length; i++, k++) {
          ts[k] = p.t[i]!;
          vs[k] = p.v[i]!;
        }
      }
      // Stable sort of indices by time; later parts win on equal timestamps.
      const idx = new Uint32Array(e.n);
      for (let i = 0; i < e.n; i++) idx[i] = i;
      const order = Array.from(idx).sort((a, b) => ts[a]! - ts[b]! || a - b);
      const t = new Float64Array(e.n);
      const v = new Float64Array(e.n);
      let n = 0;
      for (const i of order) {
        if (n > 0 && t[n - 1] === ts[i]) {
          v[n - 1] = vs[i]!;
          continue;
        }
        t[n] = ts[i]!;
        v[n] = vs[i]!;
        n++;
      }
      out.push({ labels: e.labels, t: t.subarray(0, n), v: v.subarray(0, n) });
    }
    return new MemoryQuerier(out);
  }

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet> {
    const ms = matchers.map(compileMatcher);
    const out: Series[] = [];
    for (const s of this.series) {
      if (!matchesLabels(ms, s.labels)) continue;
      const lo = lowerBound(s.t, hints.start);
      const hi = upperBound(s.t, hints.end);
      if (hints.labelsOnly) {
        if (hi > lo) out.push({ labels: s.labels, t: new Float64Array(0), v: new Float64Array(0) });
        continue;
      }
      if (hi <= lo) continue;
      out.push({ labels: s.labels, t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi) });
    }
    return out;
  }

  async labelNames(hints: LabelHints): Promise<string[]> {
    const names = new Set<string>();
    for (const s of await this.matching(hints)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  async labelValues(name: string, hints: LabelHints): Promise<string[]> {
    const values = new Set<string>();
    for (const s of await this.matching(hints)) for (const l of s.labels) if (l.name === name) values.add(l.value);
    return [...values].sort();
  }

  private async matching(hints: LabelHints): Promise<SeriesSet> {
    return this.select(hints.matchers ?? [], { start: hints.start ?? -Infinity, end: hints.end ?? Infinity, labelsOnly: true });
  }
}

/** First index i with t[i] >= x. */
export function lowerBound(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with t[i] > x. */
export function upperBound(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
