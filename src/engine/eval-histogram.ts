/** histogram_quantile / histogram_fraction over classic `le` buckets (float series). */
import { ExecutionError, getLabel, METRIC_NAME, type Labels } from '../model/index.js';
import { SAME_LABELSET } from './series-ops.js';
import { goG, MSG } from './annotations.js';
import { histogramFraction, histogramQuantile } from './kernels/index.js';
import type { EvalContext, ScalarValue, VectorValue, VSeries } from './types.js';

/** Go strconv.ParseFloat for the forms `le` labels use. */
export function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^[+-]?0[xX][0-9a-fA-F.]+([pP][+-]?\d+)?$/.test(s)) {
    const neg = s.startsWith('-');
    const body = s.replace(/^[+-]?0[xX]/, '');
    const [mant, exp = '0'] = body.split(/[pP]/) as [string, string?];
    const [ip, fp = ''] = mant.split('.') as [string, string?];
    const x = (parseInt(ip || '0', 16) + (fp ? parseInt(fp, 16) / 16 ** fp.length : 0)) * 2 ** Number(exp);
    return neg ? -x : x;
  }
  return undefined;
}

interface BucketGroup {
  labels: Labels;
  name: string;
  members: { ub: number; s: VSeries }[];
  dropName: boolean;
}

/**
 * Gathers the group's buckets present at step i into ubs/counts (upper bounds and counts, in
 * member order) and returns how many there are. Shared by histogram_quantile and _fraction.
 */
function bucketsAt(g: BucketGroup, i: number, ubs: Float64Array, counts: Float64Array): number {
  let m = 0;
  for (const b of g.members) {
    if (!b.s.p[i]) continue;
    ubs[m] = b.ub;
    counts[m++] = b.s.v[i]!;
  }
  return m;
}

function groupBuckets(ctx: EvalContext, vec: VectorValue): BucketGroup[] {
  const groups = new Map<string, BucketGroup>();
  const out: BucketGroup[] = [];
  for (const s of vec.series) {
    const le = getLabel(s.labels, 'le');
    const ub = parseGoFloat(le);
    if (ub === undefined) {
      ctx.annotations.warn(MSG.badBucketLabel(le, getLabel(s.labels, METRIC_NAME)));
      continue;
    }
    let k = '';
    for (const l of s.labels) if (l.name !== 'le') k += l.name + '\xff' + l.value + '\xff';
    let g = groups.get(k);
    if (!g) {
      g = { labels: s.labels.filter((l) => l.name !== 'le' && l.name !== METRIC_NAME), name: getLabel(s.labels, METRIC_NAME), members: [], dropName: false };
      groups.set(k, g);
      out.push(g);
    }
    g.members.push({ ub, s });
  }
  return out;
}

function mergeOutputs(list: VSeries[]): VSeries[] {
  // Groups that differ only by metric name collapse to one label set: fine unless they overlap.
  const byKey = new Map<string, VSeries>();
  const out: VSeries[] = [];
  for (const s of list) {
    let k = '';
    for (const l of s.labels) k += l.name + '\xff' + l.value + '\xff';
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    for (let i = 0; i < s.p.length; i++) {
      if (!s.p[i]) continue;
      if (prev.p[i]) throw new ExecutionError(SAME_LABELSET);
      prev.p[i] = 1;
      prev.v[i] = s.v[i]!;
    }
  }
  return out;
}

export function evalHistogramQuantile(ctx: EvalContext, q: ScalarValue, vec: VectorValue, n: number): VectorValue {
  for (let i = 0; i < n; i++) {
    const x = q.v[i]!;
    if (x !== x || x < 0 || x > 1) ctx.annotations.warn(MSG.invalidQuantile(x));
  }
  return { kind: 'vector', series: mergeOutputs(evalHistogramQuantileGroups(ctx, q, groupBuckets(ctx, vec), n)) };
}

function evalHistogramQuantileGroups(ctx: EvalContext, q: ScalarValue, groups: BucketGroup[], n: number): VSeries[] {
  const out: VSeries[] = [];
  const ub = new Float64Array(64);
  for (const g of groups) {
    let ubs = ub.length >= g.members.length ? ub : new Float64Array(g.members.length);
    const counts = new Float64Array(g.members.length);
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const m = bucketsAt(g, i, ubs, counts);
      if (m === 0) continue;
      const r = histogramQuantile(q.v[i]!, ubs, counts, m);
      if (r.forcedMonotonicity) ctx.annotations.info(MSG.forcedMonotonicity(g.name));
      v[i] = r.value;
      p[i] = 1;
      any = true;
    }
    ubs = ub;
    if (any) out.push({ labels: g.labels, v, p, dropName: false });
  }
  return out;
}

export function evalHistogramFraction(ctx: EvalContext, lower: ScalarValue, upper: ScalarValue, vec: VectorValue, n: number): VectorValue {
  const out: VSeries[] = [];
  for (const g of groupBuckets(ctx, vec)) {
    const ubs = new Float64Array(g.members.length);
    const counts = new Float64Array(g.members.length);
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const m = bucketsAt(g, i, ubs, counts);
      if (m === 0) continue;
      v[i] = histogramFraction(lower.v[i]!, upper.v[i]!, ubs, counts, m);
      p[i] = 1;
      any = true;
    }
    if (any) out.push({ labels: g.labels, v, p, dropName: false });
  }
  return { kind: 'vector', series: mergeOutputs(out) };
}

/** Prometheus labels.FormatOpenMetricsFloat: like %g but integers keep a ".0". */
export function formatOpenMetricsFloat(x: number): string {
  if (x === 1) return '1.0';
  if (x === 0) return '0.0';
  if (x === -1) return '-1.0';
  const s = goG(x);
  if (x !== x || x === Infinity || x === -Infinity) return s;
  return /[.eE]/.test(s) ? s : s + '.0';
}

/** histogram_quantiles(v, "label", q1, q2, …): one output series per group and quantile. */
export function evalHistogramQuantiles(ctx: EvalContext, vec: VectorValue, label: string, qs: ScalarValue[], n: number): VectorValue {
  const out: VSeries[] = [];
  const groups = groupBuckets(ctx, vec);
  for (const q of qs) {
    const x = q.v[0]!;
    if (x !== x || x < 0 || x > 1) ctx.annotations.warn(MSG.invalidQuantile(x));
    const one = evalHistogramQuantileGroups(ctx, q, groups, n);
    for (const s of one) {
      const labels = s.labels.filter((l) => l.name !== label);
      labels.push({ name: label, value: formatOpenMetricsFloat(q.v[0]!) });
      labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      out.push({ ...s, labels });
    }
  }
  return { kind: 'vector', series: mergeOutputs(out) };
}
