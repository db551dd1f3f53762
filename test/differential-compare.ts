/**
 * Comparing a distributed answer with the single-node engine's: same result type, same label
 * sets, same timestamps, values equal within 1e-9 relative (NaN equals NaN; the sign of zero and
 * last-bit differences from another summation order are tolerated). Vectors compare as sets,
 * except under sort/sort_desc/sort_by_label, whose order PromQL defines. Matrices are label-sorted
 * by both.
 */
import type { QueryOutput } from '../src/engine/index.js';
import { formatLabels, type Labels } from '../src/model/index.js';
import type { QueryResponse__Output } from '../src/rpc/gen/canopy/v1/QueryResponse.js';

export interface NormSeries {
  key: string;
  t: number[];
  v: number[];
}
export interface Norm {
  type: string;
  series: NormSeries[];
}

export const REL_TOL = 1e-9;
/** Below this magnitude values count as equal (float cancellation in merged moments, e.g. stddev of equal values). */
export const ABS_TOL = 1e-9;

function key(ls: readonly { name: string; value: string }[]): string {
  const sorted: Labels = [...ls].map((l) => ({ name: l.name, value: l.value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return formatLabels(sorted);
}

export function fromEngine(out: QueryOutput): Norm {
  const v = out.value;
  switch (v.resultType) {
    case 'scalar':
      return { type: 'scalar', series: [{ key: '', t: [v.t], v: [v.v] }] };
    case 'string':
      return { type: 'string', series: [{ key: v.v, t: [v.t], v: [] }] };
    case 'vector':
      return { type: 'vector', series: v.samples.map((s) => ({ key: key(s.labels), t: [s.t], v: [s.v] })) };
    case 'matrix':
      return { type: 'matrix', series: v.series.map((s) => ({ key: key(s.labels), t: Array.from(s.t), v: Array.from(s.v) })) };
  }
}

export function fromResponse(r: QueryResponse__Output): Norm {
  switch (r.resultType) {
    case 'scalar':
      return { type: 'scalar', series: [{ key: '', t: [Number(r.scalarTimestampMs)], v: [r.scalarValue] }] };
    case 'string':
      return { type: 'string', series: [{ key: r.stringValue, t: [Number(r.scalarTimestampMs)], v: [] }] };
    case 'vector':
      return { type: 'vector', series: r.vector.map((s) => ({ key: key(s.labels), t: [Number(s.timestampMs)], v: [s.value] })) };
    default:
      return { type: r.resultType, series: r.matrix.map((s) => ({ key: key(s.labels), t: s.timestampsMs.map(Number), v: [...s.values] })) };
  }
}

export function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  const d = Math.abs(a - b);
  return d <= REL_TOL * Math.max(Math.abs(a), Math.abs(b)) || d <= ABS_TOL;
}

/** Null when equal, else a short description of the first difference. */
export function compareNorm(want: Norm, got: Norm, ordered: boolean): string | null {
  if (want.type !== got.type) return `result type ${got.type}, want ${want.type}`;
  const w = ordered ? want.series : [...want.series].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const g = ordered ? got.series : [...got.series].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (w.length !== g.length) return `${g.length} series, want ${w.length}: got ${g.slice(0, 4).map((s) => s.key).join(' ')} want ${w.slice(0, 4).map((s) => s.key).join(' ')}`;
  for (let i = 0; i < w.length; i++) {
    const a = w[i]!;
    const b = g[i]!;
    if (a.key !== b.key) return `series ${i}: ${b.key}, want ${a.key}`;
    if (a.t.length !== b.t.length) return `${a.key}: ${b.t.length} points, want ${a.t.length}`;
    for (let j = 0; j < a.t.length; j++) {
      if (a.t[j] !== b.t[j]) return `${a.key}: t[${j}] ${b.t[j]}, want ${a.t[j]}`;
      if (!close(a.v[j]!, b.v[j]!)) return `${a.key} @${a.t[j]}: ${b.v[j]}, want ${a.v[j]}`;
    }
  }
  return null;
}

/**
 * Values only: per timestamp, the sorted multiset of values. Used when topk/bottomk met equal
 * values: which of the tied series is kept is not defined by PromQL (the engine keeps the first
 * it meets, and the distributed input order differs), but the kept values are.
 */
export function compareValuesOnly(want: Norm, got: Norm): string | null {
  const byT = (n: Norm): Map<number, number[]> => {
    const m = new Map<number, number[]>();
    for (const s of n.series) s.t.forEach((t, i) => (m.get(t) ?? m.set(t, []).get(t)!).push(s.v[i]!));
    for (const vs of m.values()) vs.sort((a, b) => a - b);
    return m;
  };
  const w = byT(want);
  const g = byT(got);
  if (w.size !== g.size) return `${g.size} timestamps, want ${w.size}`;
  for (const [t, vs] of w) {
    const gs = g.get(t);
    if (!gs || gs.length !== vs.length) return `@${t}: ${gs?.length ?? 0} values, want ${vs.length}`;
    for (let i = 0; i < vs.length; i++) if (!close(vs[i]!, gs[i]!)) return `@${t}: ${gs[i]}, want ${vs[i]}`;
  }
  return null;
}
