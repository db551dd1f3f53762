/**
 * Defensive normalisation of what a Querier returns: the contract says sorted by labels with
 * unique label sets and strictly increasing timestamps, but a federating querier may merge
 * answers from several sources. Checks are O(n); work is only done when violated.
 */
import { compareLabels, labelsKey, type Series } from '../model/index.js';

function sortedUnique(set: readonly Series[]): boolean {
  for (let i = 1; i < set.length; i++) if (compareLabels(set[i - 1]!.labels, set[i]!.labels) >= 0) return false;
  return true;
}

function strictlyIncreasing(t: Float64Array): boolean {
  for (let i = 1; i < t.length; i++) if (!(t[i]! > t[i - 1]!)) return false;
  return true;
}

/** Sorts samples by time; for equal timestamps the later one (in input order) wins. */
function sortSamples(t: Float64Array, v: Float64Array): { t: Float64Array; v: Float64Array } {
  const idx = Array.from({ length: t.length }, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  const nt = new Float64Array(t.length);
  const nv = new Float64Array(t.length);
  let n = 0;
  for (const i of idx) {
    if (n > 0 && nt[n - 1] === t[i]) {
      nv[n - 1] = v[i]!;
      continue;
    }
    nt[n] = t[i]!;
    nv[n++] = v[i]!;
  }
  return { t: nt.subarray(0, n), v: nv.subarray(0, n) };
}

export function normalizeSeriesSet(set: readonly Series[]): readonly Series[] {
  let out = set;
  if (!sortedUnique(set)) {
    const byKey = new Map<string, Series[]>();
    for (const s of set) {
      const k = labelsKey(s.labels);
      const list = byKey.get(k);
      if (list) list.push(s);
      else byKey.set(k, [s]);
    }
    const merged: Series[] = [];
    for (const list of byKey.values()) {
      if (list.length === 1) {
        merged.push(list[0]!);
        continue;
      }
      let len = 0;
      for (const s of list) len += s.t.length;
      const t = new Float64Array(len);
      const v = new Float64Array(len);
      let k = 0;
      for (const s of list) {
        t.set(s.t, k);
        v.set(s.v, k);
        k += s.t.length;
      }
      merged.push({ labels: list[0]!.labels, t, v });
    }
    out = merged.sort((a, b) => compareLabels(a.labels, b.labels));
  }
  if (out.every((s) => strictlyIncreasing(s.t))) return out;
  return out.map((s) => (strictlyIncreasing(s.t) ? s : { labels: s.labels, ...sortSamples(s.t, s.v) }));
}
