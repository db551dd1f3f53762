/**
 * Duration expressions and time modifiers: offset, `@`, subquery grids. Shared by the prefetch
 * walk and evaluation so both see exactly the same sample windows.
 */
import { evalDurationSeconds, type AtModifier, type DurationExpr, type SubqueryExpr } from '../promql/index.js';
import type { EvalContext } from './types.js';

type TimeCtx = Pick<EvalContext, 'startMs' | 'endMs' | 'stepMs'>;

/**
 * Evaluates a duration expression (seconds arithmetic, as Prometheus) to integer ms. Division or
 * modulo by zero is not an error here: it yields ±Inf/NaN (IEEE), as it always has in the engine.
 */
export function durationMs(d: DurationExpr | undefined, ctx: TimeCtx): number {
  if (!d) return 0;
  return Math.round(evalDurationSeconds(d, { stepMs: ctx.stepMs, startMs: ctx.startMs, endMs: ctx.endMs, divisionByZero: 'ieee' }) * 1000);
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
