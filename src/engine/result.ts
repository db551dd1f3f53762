/** Conversion of internal columnar values to the public QueryValue shapes. */
import { compareLabels, type Series } from '../model/index.js';
import { extendFloats } from './kernels/index.js';
import { applyDropNames, dropMetricName } from './series-ops.js';
import type { InstantSample, QueryValue } from './engine.js';
import type { Value } from './types.js';

export function toInstantResult(v: Value, timeMs: number): QueryValue {
  switch (v.kind) {
    case 'scalar':
      return { resultType: 'scalar', t: timeMs, v: v.v[0]! };
    case 'string':
      return { resultType: 'string', t: timeMs, v: v.s };
    case 'vector': {
      const samples: InstantSample[] = [];
      for (const s of applyDropNames(v.series)) if (s.p[0]) samples.push({ labels: s.labels, t: timeMs, v: s.v[0]! });
      return { resultType: 'vector', samples };
    }
    case 'matrix': {
      const series: Series[] = [];
      v.series.forEach((s) => {
        const lo = s.lo[0]!;
        const hi = s.hi[0]!;
        if (hi <= lo) return;
        const labels = s.dropName ? dropMetricName(s.labels) : s.labels;
        if (v.extended) {
          const end = v.ends[0]!;
          const x = extendFloats(s.t, s.v, lo, hi, end - v.rangeMs, end, v.extended === 'smoothed');
          if (x.t.length > 0) series.push({ labels, t: x.t, v: x.v });
          return;
        }
        series.push({ labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) });
      });
      return { resultType: 'matrix', series };
    }
  }
}

export function toRangeResult(v: Value, ts: Float64Array): QueryValue {
  const n = ts.length;
  if (v.kind === 'scalar') {
    return { resultType: 'matrix', series: [{ labels: [], t: Float64Array.from(ts), v: Float64Array.from(v.v) }] };
  }
  if (v.kind !== 'vector') return { resultType: 'matrix', series: [] };
  const series: Series[] = [];
  for (const s of applyDropNames(v.series)) {
    let cnt = 0;
    for (let i = 0; i < n; i++) if (s.p[i]) cnt++;
    if (cnt === 0) continue;
    const t = new Float64Array(cnt);
    const vals = new Float64Array(cnt);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (!s.p[i]) continue;
      t[k] = ts[i]!;
      vals[k++] = s.v[i]!;
    }
    series.push({ labels: s.labels, t, v: vals });
  }
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  return { resultType: 'matrix', series };
}
