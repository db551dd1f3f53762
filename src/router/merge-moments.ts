/**
 * Streaming merge of the moment states of `avg`, `stdvar` and `stddev` (Chan et al.'s parallel
 * algorithm): each leaf answers, per group and grid step, `count`, `mean` (and `stdvar`) as
 * series labelled `__canopy_state__`; answers are folded into one accumulator per group as they
 * arrive (memory: groups × steps, whatever the number of leaves). Partial means and variances
 * are merged as
 *
 *   n = nₐ + n_b,  δ = m_b − mₐ,  mean = mₐ + δ·n_b/n,  M2 = M2ₐ + M2_b + δ²·nₐ·n_b/n,
 *
 * which is exact when the means are equal (so equal values give a variance of exactly 0, like
 * the single-node Welford) and avoids the overflow of summing huge values (a mean of 1e308s
 * stays 1e308). Infinite means follow the single-node rules: +Inf with −Inf is NaN, one
 * infinity wins over finite means.
 */
import { labelsKey, STALE_NAN, type Labels, type Series } from '../model/index.js';
import { STATE_LABEL, type MomentMerge } from '../planner/index.js';

interface Acc {
  labels: Labels;
  n: Float64Array;
  mean: Float64Array;
  m2: Float64Array;
}

export class MomentMerger {
  private readonly groups = new Map<string, Acc>();
  constructor(
    readonly kind: MomentMerge,
    private readonly times: Float64Array,
  ) {}

  /** Folds one leaf's complete answer (series labelled with the state they carry). */
  add(answer: readonly Series[]): void {
    const T = this.times.length;
    const byGroup = new Map<string, { labels: Labels; count?: Series; mean?: Series; stdvar?: Series }>();
    for (const s of answer) {
      const state = s.labels.find((l) => l.name === STATE_LABEL)?.value;
      const labels = s.labels.filter((l) => l.name !== STATE_LABEL);
      const k = labelsKey(labels);
      let g = byGroup.get(k);
      if (!g) byGroup.set(k, (g = { labels }));
      if (state === 'count' || state === 'mean' || state === 'stdvar') g[state] = s;
    }
    for (const [k, g] of byGroup) {
      if (!g.count || !g.mean) continue;
      let acc = this.groups.get(k);
      if (!acc) this.groups.set(k, (acc = { labels: g.labels, n: new Float64Array(T), mean: new Float64Array(T), m2: new Float64Array(T) }));
      const cnt = onIndex(g.count, this.times);
      const mean = onIndex(g.mean, this.times);
      const v = g.stdvar ? onIndex(g.stdvar, this.times) : undefined;
      for (let i = 0; i < T; i++) {
        const nb = cnt[i]!;
        if (!(nb > 0)) continue;
        const mb = mean[i]!;
        const m2b = v ? v[i]! * nb : 0;
        const na = acc.n[i]!;
        if (na === 0) {
          acc.n[i] = nb;
          acc.mean[i] = mb;
          acc.m2[i] = m2b;
          continue;
        }
        const ma = acc.mean[i]!;
        const n = na + nb;
        acc.n[i] = n;
        if (mb === ma) {
          acc.m2[i] = acc.m2[i]! + m2b;
          continue;
        }
        if (!Number.isFinite(ma) || !Number.isFinite(mb)) {
          // NaN stays NaN; ±Inf wins over finite; +Inf with −Inf is NaN.
          acc.mean[i] = Number.isNaN(ma) || Number.isNaN(mb) ? NaN : !Number.isFinite(ma) && !Number.isFinite(mb) ? NaN : Number.isFinite(ma) ? mb : ma;
          acc.m2[i] = NaN;
          continue;
        }
        const delta = mb - ma;
        if (Number.isFinite(delta)) {
          acc.mean[i] = ma + delta * (nb / n);
          acc.m2[i] = acc.m2[i]! + m2b + delta * delta * ((na * nb) / n);
        } else {
          acc.mean[i] = ma * (na / n) + mb * (nb / n);
          acc.m2[i] = Infinity;
        }
      }
    }
  }

  /** Final series on the grid (stale markers where a group has no value). */
  result(): Series[] {
    const out: Series[] = [];
    for (const acc of this.groups.values()) {
      const v = new Float64Array(this.times.length);
      for (let i = 0; i < v.length; i++) {
        const n = acc.n[i]!;
        if (!(n > 0)) v[i] = STALE_NAN;
        else if (this.kind === 'avg') v[i] = acc.mean[i]!;
        else {
          const variance = Number.isNaN(acc.mean[i]!) ? NaN : acc.m2[i]! / n;
          v[i] = this.kind === 'stddev' ? Math.sqrt(variance) : variance;
        }
      }
      out.push({ labels: acc.labels, t: this.times, v });
    }
    return out;
  }
}

/** Values of a series at the grid times (NaN where it has none; a count of NaN means absent). */
function onIndex(s: Series, times: Float64Array): Float64Array {
  const out = new Float64Array(times.length).fill(NaN);
  let j = 0;
  for (let i = 0; i < times.length && j < s.t.length; i++) {
    while (j < s.t.length && s.t[j]! < times[i]!) j++;
    if (j < s.t.length && s.t[j] === times[i]) out[i] = s.v[j]!;
  }
  return out;
}
