/**
 * Function calls: argument evaluation and dispatch. Range-vector functions live in
 * eval-range-functions.ts, label/sort functions in eval-label-functions.ts, classic histogram
 * functions in eval-histogram.ts; numeric kernels come from ./kernels.
 */
import { ExecutionError } from '../model/index.js';
import type { Call } from '../promql/index.js';
import { MSG } from './annotations.js';
import { evalExpr } from './eval.js';
import { evalVectorSelector } from './eval-selectors.js';
import { evalInfo } from './eval-info.js';
import { evalHistogramFraction, evalHistogramQuantile, evalHistogramQuantiles } from './eval-histogram.js';
import { labelJoin, labelReplace, sortVector } from './eval-label-functions.js';
import { absentLabels, evalRangeFunction } from './eval-range-functions.js';
import { clamp, clampMax, clampMin, DATE_FUNCTIONS, goMax, goMin, MATH_FUNCTIONS, round } from './kernels/index.js';
import { dropNames } from './series-ops.js';
import type { EvalContext, ScalarValue, StringValue, Value, VectorValue, VSeries } from './types.js';

/** Functions that only apply to native histograms: float samples are ignored (empty result). */
const NATIVE_ONLY = new Set(['histogram_avg', 'histogram_count', 'histogram_sum', 'histogram_stddev', 'histogram_stdvar']);

function scalarOf(n: number, f: (i: number) => number): ScalarValue {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = f(i);
  return { kind: 'scalar', v };
}

/** Maps every present value (name dropped), skipping steps where `fn` returns undefined. */
function mapVector(ctx: EvalContext, vec: VectorValue, n: number, fn: (x: number, i: number) => number | undefined): VectorValue {
  const out: VSeries[] = [];
  for (const s of vec.series) {
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!s.p[i]) continue;
      const r = fn(s.v[i]!, i);
      if (r === undefined) continue;
      v[i] = r;
      p[i] = 1;
      any = true;
    }
    if (any) out.push({ labels: s.labels, v, p, dropName: s.dropName });
  }
  return { kind: 'vector', series: dropNames(ctx, out) };
}

export function evalCall(ctx: EvalContext, e: Call, ts: Float64Array): Value {
  const n = ts.length;
  const name = e.func;
  switch (name) {
    case 'time':
      return scalarOf(n, (i) => ts[i]! / 1000);
    case 'pi':
      return scalarOf(n, () => Math.PI);
    case 'start':
      return scalarOf(n, () => ctx.startMs / 1000);
    case 'end':
      return scalarOf(n, () => ctx.endMs / 1000);
    case 'range':
      return scalarOf(n, () => (ctx.endMs - ctx.startMs) / 1000);
    case 'step':
      return scalarOf(n, () => ctx.stepMs / 1000);
    case 'info':
      return evalInfo(ctx, e, ts);
    case 'timestamp': {
      const arg = e.args[0]!;
      if (arg.kind === 'VectorSelector') {
        const times: Float64Array[] = [];
        const vec = evalVectorSelector(ctx, arg, ts, times);
        const out: VSeries[] = vec.series.map((s, k) => {
          const v = new Float64Array(n);
          for (let i = 0; i < n; i++) v[i] = times[k]![i]! / 1000;
          return { labels: s.labels, v, p: s.p, dropName: false };
        });
        return { kind: 'vector', series: dropNames(ctx, out) };
      }
      return mapVector(ctx, evalExpr(ctx, arg, ts) as VectorValue, n, (_x, i) => ts[i]! / 1000);
    }
  }

  // Evaluate arguments; a range-vector argument marks a range function.
  const args: Value[] = [];
  let matrixIndex = -1;
  for (let k = 0; k < e.args.length; k++) {
    const a = evalExpr(ctx, e.args[k]!, ts);
    if (a.kind === 'matrix' && matrixIndex < 0) matrixIndex = k;
    args.push(a);
  }
  if (matrixIndex >= 0) return evalRangeFunction(ctx, e, args, matrixIndex, ts);

  const vecArg = (k: number) => args[k] as VectorValue;
  const sc = (k: number) => args[k] as ScalarValue;
  const str = (k: number) => (args[k] as StringValue).s;

  const math = MATH_FUNCTIONS[name];
  if (math) return mapVector(ctx, vecArg(0), n, (x) => math(x));
  const date = DATE_FUNCTIONS[name];
  if (date) {
    if (args.length === 0) {
      return { kind: 'vector', series: [{ labels: [], v: Float64Array.from(ts, (t) => date(Math.trunc(t / 1000))), p: new Uint8Array(n).fill(1), dropName: false }] };
    }
    return mapVector(ctx, vecArg(0), n, (x) => date(x));
  }
  if (NATIVE_ONLY.has(name)) return { kind: 'vector', series: [] };

  switch (name) {
    case 'round':
      return mapVector(ctx, vecArg(0), n, (x, i) => round(x, args.length > 1 ? sc(1).v[i]! : 1));
    case 'clamp':
      return mapVector(ctx, vecArg(0), n, (x, i) => {
        const lo = sc(1).v[i]!;
        const hi = sc(2).v[i]!;
        return hi < lo ? undefined : clamp(x, lo, hi);
      });
    case 'clamp_min':
      return mapVector(ctx, vecArg(0), n, (x, i) => clampMin(x, sc(1).v[i]!));
    case 'clamp_max':
      return mapVector(ctx, vecArg(0), n, (x, i) => clampMax(x, sc(1).v[i]!));
    case 'vector': {
      const s = sc(0);
      return { kind: 'vector', series: [{ labels: [], v: Float64Array.from(s.v), p: new Uint8Array(n).fill(1), dropName: false }] };
    }
    case 'scalar': {
      const vec = vecArg(0);
      return scalarOf(n, (i) => {
        let found = -1;
        for (let k = 0; k < vec.series.length; k++) {
          if (!vec.series[k]!.p[i]) continue;
          if (found >= 0) return NaN;
          found = k;
        }
        return found < 0 ? NaN : vec.series[found]!.v[i]!;
      });
    }
    case 'absent': {
      const vec = vecArg(0);
      const p = new Uint8Array(n).fill(1);
      for (const s of vec.series) for (let i = 0; i < n; i++) if (s.p[i]) p[i] = 0;
      if (!p.some((x) => x === 1)) return { kind: 'vector', series: [] };
      return { kind: 'vector', series: [{ labels: absentLabels(e.args[0]!), v: new Float64Array(n).fill(1), p, dropName: false }] };
    }
    case 'label_replace':
      return labelReplace(vecArg(0), str(1), str(2), str(3), str(4));
    case 'label_join':
      return labelJoin(vecArg(0), str(1), str(2), args.slice(3).map((a) => (a as StringValue).s));
    case 'sort':
    case 'sort_desc':
    case 'sort_by_label':
    case 'sort_by_label_desc':
      if (ctx.isRange) {
        ctx.annotations.warn(MSG.sortIneffective());
        return vecArg(0);
      }
      return sortVector(vecArg(0), name, args.slice(1).map((a) => (a as StringValue).s));
    case 'histogram_quantile':
      return evalHistogramQuantile(ctx, sc(0), vecArg(1), n);
    case 'histogram_fraction':
      return evalHistogramFraction(ctx, sc(0), sc(1), vecArg(2), n);
    case 'min_of':
      return scalarOf(n, (i) => goMin(sc(0).v[i]!, sc(1).v[i]!));
    case 'max_of':
      return scalarOf(n, (i) => goMax(sc(0).v[i]!, sc(1).v[i]!));
    case 'histogram_quantiles':
      return evalHistogramQuantiles(ctx, vecArg(0), str(1), args.slice(2) as ScalarValue[], n);
    default:
      throw new ExecutionError(`unknown function ${name}`);
  }
}

