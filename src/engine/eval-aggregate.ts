/**
 * Aggregation operators over columnar vectors. Steps are the outer loop and input series the
 * inner loop, so every group sees its samples in input order exactly as Prometheus does (the
 * order decides the last digits of sums).
 */
import { ExecutionError, METRIC_NAME, type Label, type Labels } from '../model/index.js';
import type { AggregateExpr } from '../promql/index.js';
import { MSG } from './annotations.js';
import { formatFloatF } from './format-float.js';
import { AvgAccumulator, MaxAccumulator, MinAccumulator, quantile, SumAccumulator, VarianceAccumulator } from './kernels/index.js';
import { ratioHash } from './label-hash.js';
import { isValidLabelName } from './eval-label-functions.js';
import type { EvalContext, ScalarValue, StringValue, VectorValue, VSeries } from './types.js';

interface Grouped {
  groupOf: Int32Array;
  labels: Labels[];
}

function groupingLabels(labels: Labels, e: AggregateExpr): Labels {
  if (e.without) return labels.filter((l) => l.name !== METRIC_NAME && !e.grouping.includes(l.name));
  if (e.grouping.length === 0) return [];
  return labels.filter((l) => e.grouping.includes(l.name));
}

function groupSeries(series: readonly VSeries[], e: AggregateExpr): Grouped {
  const byKey = new Map<string, number>();
  const groupOf = new Int32Array(series.length);
  const labels: Labels[] = [];
  for (let i = 0; i < series.length; i++) {
    const gl = groupingLabels(series[i]!.labels, e);
    let k = '';
    for (const l of gl) k += l.name + '\xff' + l.value + '\xff';
    let g = byKey.get(k);
    if (g === undefined) {
      g = labels.length;
      byKey.set(k, g);
      labels.push(gl);
    }
    groupOf[i] = g;
  }
  return { groupOf, labels };
}

export function evalAggregate(ctx: EvalContext, e: AggregateExpr, input: VectorValue, param: ScalarValue | StringValue | undefined, n: number): VectorValue {
  const series = input.series;
  switch (e.op) {
    case 'count_values':
      return countValues(e, series, (param as StringValue).s, n);
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return selectK(ctx, e, series, (param as ScalarValue).v, n);
    default:
      return simpleAgg(ctx, e, series, param?.kind === 'scalar' ? param.v : undefined, n);
  }
}

type Acc = { first(f: number): void; add(f: number): void };

function simpleAgg(ctx: EvalContext, e: AggregateExpr, series: readonly VSeries[], q: Float64Array | undefined, n: number): VectorValue {
  const { groupOf, labels } = groupSeries(series, e);
  const G = labels.length;
  const out: VSeries[] = labels.map((l) => ({ labels: l, v: new Float64Array(n), p: new Uint8Array(n), dropName: false }));
  const keepsName = !e.without && e.grouping.includes(METRIC_NAME);
  if (keepsName) for (let s = 0; s < series.length; s++) if (series[s]!.dropName) out[groupOf[s]!]!.dropName = true;
  if (e.op === 'quantile') {
    quantileParamWarnings(ctx, q!);
    return quantileAgg(series, groupOf, out, q!, n);
  }
  const seen = new Uint8Array(G);
  const count = new Float64Array(G);
  let accs: Acc[] = [];
  let result: (g: number) => number;
  switch (e.op) {
    case 'sum': {
      const a = Array.from({ length: G }, () => new SumAccumulator());
      accs = a;
      result = (g) => a[g]!.result();
      break;
    }
    case 'avg': {
      const a = Array.from({ length: G }, () => new AvgAccumulator());
      accs = a;
      result = (g) => a[g]!.result();
      break;
    }
    case 'min': {
      const a = Array.from({ length: G }, () => new MinAccumulator());
      accs = a;
      result = (g) => a[g]!.result();
      break;
    }
    case 'max': {
      const a = Array.from({ length: G }, () => new MaxAccumulator());
      accs = a;
      result = (g) => a[g]!.result();
      break;
    }
    case 'stddev':
    case 'stdvar': {
      const a = Array.from({ length: G }, () => new VarianceAccumulator());
      accs = a;
      result = e.op === 'stddev' ? (g) => a[g]!.stddev() : (g) => a[g]!.stdvar();
      break;
    }
    case 'count':
      result = (g) => count[g]!;
      break;
    case 'group':
      result = () => 1;
      break;
    default:
      throw new ExecutionError(`unsupported aggregation ${e.op}`);
  }
  const hasAcc = accs.length > 0;
  for (let i = 0; i < n; i++) {
    seen.fill(0);
    count.fill(0);
    for (let s = 0; s < series.length; s++) {
      const x = series[s]!;
      if (!x.p[i]) continue;
      const g = groupOf[s]!;
      const f = x.v[i]!;
      count[g]!++;
      if (!seen[g]) {
        seen[g] = 1;
        if (hasAcc) accs[g]!.first(f);
      } else if (hasAcc) accs[g]!.add(f);
    }
    for (let g = 0; g < G; g++) {
      if (!seen[g]) continue;
      out[g]!.v[i] = result(g);
      out[g]!.p[i] = 1;
    }
  }
  return { kind: 'vector', series: out.filter((s) => s.p.some((x) => x === 1)) };
}

function quantileParamWarnings(ctx: EvalContext, q: Float64Array): void {
  let max = -Infinity;
  let min = Infinity;
  let nan = false;
  for (const x of q) {
    if (x !== x) nan = true;
    else {
      if (x > max) max = x;
      if (x < min) min = x;
    }
  }
  if (nan) ctx.annotations.warn(MSG.invalidQuantile(NaN));
  if (max > 1) ctx.annotations.warn(MSG.invalidQuantile(max));
  if (min < 0) ctx.annotations.warn(MSG.invalidQuantile(min));
}

function quantileAgg(series: readonly VSeries[], groupOf: Int32Array, out: VSeries[], q: Float64Array, n: number): VectorValue {
  const G = out.length;
  const bufs = Array.from({ length: G }, () => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (const b of bufs) b.length = 0;
    for (let s = 0; s < series.length; s++) {
      const x = series[s]!;
      if (x.p[i]) bufs[groupOf[s]!]!.push(x.v[i]!);
    }
    for (let g = 0; g < G; g++) {
      const b = bufs[g]!;
      if (b.length === 0) continue;
      out[g]!.v[i] = quantile(q[i]!, Float64Array.from(b), b.length);
      out[g]!.p[i] = 1;
    }
  }
  return { kind: 'vector', series: out.filter((s) => s.p.some((x) => x === 1)) };
}

function countValues(e: AggregateExpr, series: readonly VSeries[], label: string, n: number): VectorValue {
  if (!isValidLabelName(label)) throw new ExecutionError(`invalid label name ${JSON.stringify(label)}`);
  const byKey = new Map<string, VSeries>();
  const out: VSeries[] = [];
  for (let i = 0; i < n; i++) {
    for (const s of series) {
      if (!s.p[i]) continue;
      const withValue: Label[] = s.labels.filter((l) => l.name !== label);
      withValue.push({ name: label, value: formatFloatF(s.v[i]!) });
      withValue.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      let gl: Labels;
      if (e.without) gl = withValue.filter((l) => l.name !== METRIC_NAME && !e.grouping.includes(l.name));
      else gl = withValue.filter((l) => l.name === label || e.grouping.includes(l.name));
      let k = '';
      for (const l of gl) k += l.name + '\xff' + l.value + '\xff';
      let o = byKey.get(k);
      if (!o) {
        o = { labels: gl, v: new Float64Array(n), p: new Uint8Array(n), dropName: false };
        byKey.set(k, o);
        out.push(o);
      }
      o.p[i] = 1;
      o.v[i]++;
    }
  }
  return { kind: 'vector', series: out };
}

function selectK(ctx: EvalContext, e: AggregateExpr, series: readonly VSeries[], param: Float64Array, n: number): VectorValue {
  const op = e.op;
  let max = -Infinity;
  let min = Infinity;
  let nan = false;
  for (const x of param) {
    if (x !== x) nan = true;
    else {
      max = Math.max(max, x);
      min = Math.min(min, x);
    }
  }
  const empty: VectorValue = { kind: 'vector', series: [] };
  if (op === 'limit_ratio') {
    if (max === 0 && min === 0 && !nan) return empty;
    if (nan) throw new ExecutionError('Ratio value is NaN');
    if (max > 1) ctx.annotations.warn(MSG.invalidRatio(max, 1));
    if (min < -1) ctx.annotations.warn(MSG.invalidRatio(min, -1));
  } else {
    if (max < 1 && !nan) return empty;
    if (nan) throw new ExecutionError('Parameter value is NaN');
  }
  const { groupOf, labels } = groupSeries(series, e);
  const G = labels.length;
  const selected = series.map(() => new Uint8Array(n));
  // Instant queries keep Prometheus's output order: groups in order of appearance, each sorted.
  const order: number[] = [];
  const members: number[][] = Array.from({ length: G }, () => []);
  const hashes = op === 'limit_ratio' ? series.map((s) => ratioHash(s.labels)) : undefined;
  for (let i = 0; i < n; i++) {
    for (const m of members) m.length = 0;
    for (let s = 0; s < series.length; s++) if (series[s]!.p[i]) members[groupOf[s]!]!.push(s);
    const groupOrder: number[] = [];
    {
      const seenG = new Uint8Array(G);
      for (let s = 0; s < series.length; s++) {
        if (!series[s]!.p[i]) continue;
        const g = groupOf[s]!;
        if (!seenG[g]) {
          seenG[g] = 1;
          groupOrder.push(g);
        }
      }
    }
    const pv = param[i]!;
    for (const g of groupOrder) {
      const m = members[g]!;
      let chosen: number[];
      if (op === 'limit_ratio') {
        const r = pv < -1 ? -1 : pv > 1 ? 1 : pv;
        if (r === 0) continue;
        chosen = m.filter((s) => (r >= 0 ? hashes![s]! < r : hashes![s]! >= 1 + r));
      } else {
        const k = Math.min(Math.trunc(pv), series.length);
        if (k < 1) continue;
        if (op === 'limitk') chosen = m.slice(0, k);
        else chosen = bestK(series, m, i, k, op === 'topk');
      }
      for (const s of chosen) selected[s]![i] = 1;
      if (n === 1) order.push(...chosen);
    }
  }
  const out: VSeries[] = [];
  const emit = (s: number) => {
    const x = series[s]!;
    out.push({ labels: x.labels, v: x.v, p: selected[s]!, dropName: x.dropName });
  };
  if (n === 1) for (const s of order) emit(s);
  else for (let s = 0; s < series.length; s++) if (selected[s]!.some((x) => x === 1)) emit(s);
  return { kind: 'vector', series: out };
}

/**
 * The k best members at step i (topk: largest first; bottomk: smallest first; NaN last; ties
 * keep input order), by insertion into a k-long list — k is usually small.
 */
function bestK(series: readonly VSeries[], members: number[], i: number, k: number, top: boolean): number[] {
  const better = (a: number, b: number): boolean => {
    const x = series[a]!.v[i]!;
    const y = series[b]!.v[i]!;
    if (x !== x) return false;
    if (y !== y) return true;
    return top ? x > y : x < y;
  };
  if (k >= members.length) {
    return members.slice().sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }
  const out: number[] = [];
  for (const s of members) {
    if (out.length === k && !better(s, out[k - 1]!)) continue;
    let pos = out.length === k ? k - 1 : out.length;
    while (pos > 0 && better(s, out[pos - 1]!)) pos--;
    if (out.length === k) out.pop();
    out.splice(pos, 0, s);
  }
  return out;
}
