/**
 * Streaming merge of simple partial states (sum, count → sum, min, max, group, count_values →
 * sum): each leaf's answer is folded into one accumulator per group (label set) as soon as it
 * is complete, so the gateway holds groups × steps values, not groups × leaves × steps. The
 * merging aggregation of the plan (`sum by (job) (remote(…))`) still runs in the gateway's
 * engine over the folded series (one per group), which leaves labels and semantics to it.
 *
 * Values follow the engine's accumulators: sum adds (NaN and ±Inf propagate as in IEEE), min
 * and max replace a NaN running value by any later value, group is 1.
 */
import { labelsKey, STALE_NAN, type Labels, type Series } from '../model/index.js';
import type { PartialFold } from '../planner/index.js';

interface Acc {
  labels: Labels;
  v: Float64Array;
  p: Uint8Array;
}

export class PartialFolder {
  private readonly groups = new Map<string, Acc>();
  constructor(
    readonly op: PartialFold,
    private readonly times: Float64Array,
  ) {}

  add(answer: readonly Series[]): void {
    const T = this.times;
    for (const s of answer) {
      const k = labelsKey(s.labels);
      let acc = this.groups.get(k);
      if (!acc) this.groups.set(k, (acc = { labels: s.labels, v: new Float64Array(T.length), p: new Uint8Array(T.length) }));
      let j = 0;
      for (let i = 0; i < T.length && j < s.t.length; i++) {
        while (j < s.t.length && s.t[j]! < T[i]!) j++;
        if (j >= s.t.length || s.t[j] !== T[i]) continue;
        const x = s.v[j]!;
        if (!acc.p[i]) {
          acc.p[i] = 1;
          acc.v[i] = this.op === 'group' ? 1 : x;
          continue;
        }
        const cur = acc.v[i]!;
        switch (this.op) {
          case 'sum':
            acc.v[i] = cur + x;
            break;
          case 'min':
            if (cur > x || cur !== cur) acc.v[i] = x;
            break;
          case 'max':
            if (cur < x || cur !== cur) acc.v[i] = x;
            break;
          case 'group':
            break;
        }
      }
    }
  }

  /** One series per group on the grid (stale markers where no leaf had a value). */
  result(): Series[] {
    const out: Series[] = [];
    for (const acc of this.groups.values()) {
      const v = acc.v;
      for (let i = 0; i < v.length; i++) if (!acc.p[i]) v[i] = STALE_NAN;
      out.push({ labels: acc.labels, t: this.times, v });
    }
    return out;
  }
}
