/**
 * Functions over a range vector (a matrix selector or a subquery): the kernels of
 * ./kernels applied per series and step over [lo, hi) windows, plus absent_over_time.
 */
import { ExecutionError, getLabel, METRIC_NAME, type Labels } from '../model/index.js';
import type { Call, Expr } from '../promql/index.js';
import { MSG } from './annotations.js';
import { ANCHORED_KERNELS, RANGE_KERNELS, SMOOTHED_KERNELS, type RangeKernel, type RangeWindow } from './kernels/index.js';
import { dropNames } from './series-ops.js';
import type { EvalContext, MatrixValue, ScalarValue, Value, VectorValue, VSeries } from './types.js';

const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);

export function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

export function evalRangeFunction(ctx: EvalContext, e: Call, args: Value[], matrixIndex: number, ts: Float64Array): VectorValue {
  const m = args[matrixIndex] as MatrixValue;
  const n = ts.length;
  const name = e.func;
  const params: ScalarValue[] = args.filter((_, i) => i !== matrixIndex) as ScalarValue[];
  if (name === 'absent_over_time') return absentOverTime(m, e.args[matrixIndex]!, n);

  const sel = unwrapParens(e.args[matrixIndex]!);
  const vs = sel.kind === 'MatrixSelector' ? sel.vector : undefined;
  let kernel: RangeKernel | undefined = RANGE_KERNELS[name];
  if (vs?.anchored) {
    kernel = ANCHORED_KERNELS[name];
    if (!kernel) throw new ExecutionError(`anchored modifier can only be used with: ${Object.keys(ANCHORED_KERNELS).sort().join(', ')} - not with ${name}`);
  } else if (vs?.smoothed) {
    kernel = SMOOTHED_KERNELS[name];
    if (!kernel) throw new ExecutionError(`smoothed modifier can only be used with: ${Object.keys(SMOOTHED_KERNELS).sort().join(', ')} - not with ${name}`);
  }
  if (!kernel) throw new ExecutionError(`unknown range function ${name}`);

  const annotate = (level: 'warn' | 'info', msg: string) => {
    const text = msg.replace(/^PromQL (warning|info): /, '');
    if (level === 'warn') ctx.annotations.warn(text);
    else ctx.annotations.info(text);
  };
  const w: RangeWindow & { params: number[] } = { windowStart: 0, windowEnd: 0, rangeMs: m.rangeMs, params: [], annotate };
  const out: VSeries[] = [];
  const counterCheck = name === 'rate' || name === 'increase';
  for (const s of m.series) {
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const lo = s.lo[i]!;
      const hi = s.hi[i]!;
      const end = m.ends[i]!;
      if (hi <= lo) continue;
      w.windowEnd = end;
      w.windowStart = end - m.rangeMs;
      w.evalTime = ts[i]!;
      w.params.length = 0;
      for (const q of params) w.params.push(q.v[i]!);
      const r = kernel(s.t, s.v, lo, hi, w);
      if (r === undefined) continue;
      v[i] = r;
      p[i] = 1;
      any = true;
    }
    if (!any) continue;
    if (counterCheck) {
      const metric = getLabel(s.labels, METRIC_NAME);
      if (metric !== '' && !/(_total|_sum|_count|_bucket)$/.test(metric)) ctx.annotations.info(MSG.possibleNonCounter(metric));
    }
    out.push({ labels: s.labels, v, p, dropName: s.dropName });
  }
  if (KEEP_NAME.has(name)) return { kind: 'vector', series: out };
  return { kind: 'vector', series: dropNames(ctx, out) };
}

/** Labels for absent()/absent_over_time(): the selector's equality matchers (not __name__). */
export function absentLabels(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const sel = e.kind === 'VectorSelector' ? e : e.kind === 'MatrixSelector' ? e.vector : undefined;
  if (!sel) return [];
  const out = new Map<string, string>();
  const has = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !has.has(m.name)) {
      out.set(m.name, m.value);
      has.add(m.name);
    } else out.delete(m.name);
  }
  return [...out.entries()]
    .filter(([, v]) => v !== '')
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function absentOverTime(m: MatrixValue, arg: Expr, n: number): VectorValue {
  const v = new Float64Array(n).fill(1);
  const p = new Uint8Array(n).fill(1);
  for (const s of m.series) for (let i = 0; i < n; i++) if (s.hi[i]! > s.lo[i]!) p[i] = 0;
  if (!p.some((x) => x === 1)) return { kind: 'vector', series: [] };
  return { kind: 'vector', series: [{ labels: absentLabels(arg), v, p, dropName: false }] };
}
