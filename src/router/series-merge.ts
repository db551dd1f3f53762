/**
 * Merging the series sets that several leaves returned for one selector. Ranges are disjoint, so
 * a label set normally comes from one leaf; it can arrive twice during a range move or when a
 * series' target labels changed. Such copies are merged by timestamp, keeping the first copy's
 * value at equal timestamps (replicas hold the same samples). The result is sorted by labels,
 * each label set once (the SeriesSet contract).
 */
import { compareLabels, labelsKey, type Series } from '../model/index.js';

export function mergeSeriesSets(parts: readonly (readonly Series[])[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const part of parts) {
    for (const s of part) {
      const k = labelsKey(s.labels);
      const prev = byKey.get(k);
      byKey.set(k, prev ? mergeTwo(prev, s) : s);
    }
  }
  return [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Merges two sorted sample columns; at equal timestamps `a` wins. */
export function mergeTwo(a: Series, b: Series): Series {
  if (b.t.length === 0) return a;
  if (a.t.length === 0) return { labels: a.labels, t: b.t, v: b.v };
  const t = new Float64Array(a.t.length + b.t.length);
  const v = new Float64Array(t.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.t.length || j < b.t.length) {
    const ta = i < a.t.length ? a.t[i]! : Infinity;
    const tb = j < b.t.length ? b.t[j]! : Infinity;
    if (ta <= tb) {
      t[n] = ta;
      v[n++] = a.v[i++]!;
      if (ta === tb) j++;
    } else {
      t[n] = tb;
      v[n++] = b.v[j++]!;
    }
  }
  return { labels: a.labels, t: t.subarray(0, n), v: v.subarray(0, n) };
}

/** Union of sorted string lists, sorted, optionally truncated. */
export function mergeStrings(parts: readonly (readonly string[])[], limit = 0): string[] {
  const set = new Set<string>();
  for (const p of parts) for (const s of p) set.add(s);
  const out = [...set].sort();
  return limit > 0 ? out.slice(0, limit) : out;
}
