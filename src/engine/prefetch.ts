/**
 * Async prefetch: walks the AST over the same time grids evaluation will use, computes for every
 * selector the exact sample window it needs, and selects all of them concurrently. Evaluation is
 * then synchronous over the fetched columns.
 */
import type { Querier, Series, SelectHints } from '../model/index.js';
import type { Expr, VectorSelector } from '../promql/index.js';
import { durationMs, effectiveTimes, subqueryGrid } from './durations.js';
import { infoSelector } from './eval-info.js';
import { normalizeSeriesSet } from './normalize.js';
import type { EvalContext } from './types.js';

interface Need {
  start: number;
  end: number;
  func?: string;
  range?: number;
  /** Grouping of an aggregation directly above the selector (Prometheus extractGroupsFromPath). */
  grouping?: readonly string[];
  by?: boolean;
}

type Parent = { grouping: readonly string[]; by: boolean } | undefined;

export async function prefetch(q: Querier, root: Expr, ts: Float64Array, ctx: EvalContext): Promise<void> {
  const needs = new Map<VectorSelector, Need>();
  collect(root, ts, ctx, needs, undefined);
  const entries = [...needs.entries()];
  const results = await Promise.all(
    entries.map(([sel, need]) => {
      const hints: SelectHints = {
        start: need.start,
        end: need.end,
        step: ctx.stepMs,
        ...(need.func !== undefined ? { func: need.func } : {}),
        ...(need.range !== undefined ? { range: need.range } : {}),
        ...(need.grouping !== undefined ? { grouping: need.grouping, by: need.by ?? false } : {}),
      };
      return q.select(sel.matchers, hints);
    }),
  );
  for (let i = 0; i < entries.length; i++) ctx.fetched.set(entries[i]![0], normalizeSeriesSet(results[i]! as Series[]));
}

function extend(needs: Map<VectorSelector, Need>, sel: VectorSelector, start: number, end: number, func?: string, range?: number, agg?: Parent): void {
  const cur = needs.get(sel);
  if (!cur) {
    needs.set(sel, {
      start,
      end,
      ...(func !== undefined ? { func } : {}),
      ...(range !== undefined ? { range } : {}),
      ...(agg ? { grouping: agg.grouping, by: agg.by } : {}),
    });
    return;
  }
  cur.start = Math.min(cur.start, start);
  cur.end = Math.max(cur.end, end);
}

function minMax(a: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < lo) lo = a[i]!;
    if (a[i]! > hi) hi = a[i]!;
  }
  return [lo, hi];
}

function collect(e: Expr, ts: Float64Array, ctx: EvalContext, needs: Map<VectorSelector, Need>, func: string | undefined, agg?: Parent): void {
  if (ts.length === 0) return;
  switch (e.kind) {
    case 'NumberLiteral':
    case 'StringLiteral':
      return;
    case 'VectorSelector': {
      const [lo, hi] = minMax(effectiveTimes(ts, e.at, e.offset, ctx));
      // Window (t - lookback, t]; hints are inclusive.
      extend(needs, e, lo - ctx.lookbackMs + 1, hi + (e.smoothed ? ctx.lookbackMs : 0), func, undefined, agg);
      return;
    }
    case 'MatrixSelector': {
      const v = e.vector;
      const range = durationMs(e.range, ctx);
      const [lo, hi] = minMax(effectiveTimes(ts, v.at, v.offset, ctx));
      if (v.anchored || v.smoothed) extend(needs, v, lo - range - ctx.lookbackMs, hi + (v.smoothed ? ctx.lookbackMs : 0), func, range);
      else extend(needs, v, lo - range + 1, hi, func, range);
      return;
    }
    case 'SubqueryExpr': {
      const g = subqueryGrid(e, ts, ctx);
      collect(e.expr, g.inner, ctx, needs, undefined);
      return;
    }
    case 'Call':
      if (e.func === 'info') {
        collect(e.args[0]!, ts, ctx, needs, undefined);
        collect(infoSelector(ctx, e), ts, ctx, needs, 'info');
        return;
      }
      for (const a of e.args) collect(a, ts, ctx, needs, e.func);
      return;
    case 'AggregateExpr':
      if (e.param) collect(e.param, ts, ctx, needs, undefined);
      collect(e.expr, ts, ctx, needs, undefined, { grouping: e.grouping, by: !e.without });
      return;
    case 'BinaryExpr':
      collect(e.lhs, ts, ctx, needs, undefined);
      collect(e.rhs, ts, ctx, needs, undefined);
      return;
    case 'UnaryExpr':
    case 'ParenExpr':
      collect(e.expr, ts, ctx, needs, func);
      return;
  }
}
