/**
 * Duration expressions and time modifiers: offset, `@`, subquery grids. Shared by the prefetch
 * walk and evaluation so both see exactly the same sample windows.
 */
import type { AtModifier, DurationExpr, SubqueryExpr } from '../promql/index.js';
import type { EvalContext } from './types.js';

type TimeCtx = Pick<EvalContext, 'startMs' | 'endMs' | 'stepMs'>;

/** Evaluates a duration expression (seconds arithmetic, as Prometheus) to integer ms. */
export function durationMs(d: DurationExpr | undefined, ctx: TimeCtx): number {
  if (!d) return 0;
  return Math.round(durationSeconds(d, ctx) * 1000);
}

function durationSeconds(d: DurationExpr, ctx: TimeCtx): number {
  switch (d.kind) {
    case 'DurationNumber':
      return d.seconds;
    case 'DurationStep':
      return ctx.stepMs / 1000;
    case 'DurationRange':
      return (ctx.endMs - ctx.startMs) / 1000;
    case 'DurationUnary':
      return d.op === '-' ? -durationSeconds(d.expr, ctx) : durationSeconds(d.expr, ctx);
    case 'DurationMinMax': {
      const a = durationSeconds(d.args[0], ctx);
      const b = durationSeconds(d.args[1], ctx);
      return d.fn === 'min_of' ? Math.min(a, b) : Math.max(a, b);
    }
    case 'DurationBinary': {
      const a = durationSeconds(d.lhs, ctx);
      const b = durationSeconds(d.rhs, ctx);
      switch (d.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '%':
          return a % b;
        case '^':
          return Math.pow(a, b);
      }
    }
  }
  return NaN;
}

export function atMs(at: AtModifier | undefined, ctx: TimeCtx): number | undefined {
  if (!at) return undefined;
  if (at.kind === 'time') return at.ms;
  return at.kind === 'start' ? ctx.startMs : ctx.endMs;
}

/** Effective evaluation times of a selector/subquery after `@` and offset, one per grid step. */
export function effectiveTimes(ts: Float64Array, at: AtModifier | undefined, offset: DurationExpr | undefined, ctx: TimeCtx): Float64Array {
  const a = atMs(at, ctx);
  const off = durationMs(offset, ctx);
  const out = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) out[i] = (a ?? ts[i]!) - off;
  return out;
}

export interface SubqueryGrid {
  /** Window end per outer step (after `@`/offset). */
  ends: Float64Array;
  rangeMs: number;
  stepMs: number;
  /** Inner evaluation grid: all step-aligned times in (min(ends) - range, max(ends)]. */
  inner: Float64Array;
}

export function subqueryGrid(e: SubqueryExpr, ts: Float64Array, ctx: EvalContext): SubqueryGrid {
  const ends = effectiveTimes(ts, e.at, e.offset, ctx);
  const rangeMs = durationMs(e.range, ctx);
  let stepMs = e.step ? durationMs(e.step, ctx) : ctx.defaultSubqueryStepMs;
  if (!(stepMs > 0)) stepMs = ctx.defaultSubqueryStepMs;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ends.length; i++) {
    if (ends[i]! < lo) lo = ends[i]!;
    if (ends[i]! > hi) hi = ends[i]!;
  }
  if (ends.length === 0) return { ends, rangeMs, stepMs, inner: new Float64Array(0) };
  // First step multiple strictly after lo - range.
  let first = Math.floor((lo - rangeMs) / stepMs) * stepMs;
  if (first <= lo - rangeMs) first += stepMs;
  const n = first > hi ? 0 : Math.floor((hi - first) / stepMs) + 1;
  const inner = new Float64Array(n);
  for (let i = 0; i < n; i++) inner[i] = first + i * stepMs;
  return { ends, rangeMs, stepMs, inner };
}
