/**
 * The `@`-modifier step-invariance variants of an instant eval (FORMAT.md §6.3 step 2): pin every
 * selector and subquery that is not inside a subquery to `@ T`, and evaluate at other times.
 */
import type { Expr, VectorSelector } from '../../src/promql/ast.js';

/** Functions whose result depends on the evaluation time even with step-invariant arguments. */
const AT_UNSAFE = new Set([
  'time', 'timestamp', 'hour', 'minute', 'month', 'year', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'predict_linear', 'start', 'end', 'range', 'step',
]);

function hasUnsafeCall(e: Expr): boolean {
  switch (e.kind) {
    case 'Call':
      return AT_UNSAFE.has(e.func) || e.args.some(hasUnsafeCall);
    case 'SubqueryExpr':
      return false; // calls inside subqueries are not inspected
    case 'AggregateExpr':
      return hasUnsafeCall(e.expr) || (e.param !== undefined && hasUnsafeCall(e.param));
    case 'BinaryExpr':
      return hasUnsafeCall(e.lhs) || hasUnsafeCall(e.rhs);
    case 'UnaryExpr':
    case 'ParenExpr':
      return hasUnsafeCall(e.expr);
    default:
      return false;
  }
}

function pin(e: Expr, ms: number): Expr {
  switch (e.kind) {
    case 'VectorSelector':
      return e.at?.kind === 'time' ? e : { ...e, at: { kind: 'time', ms } };
    case 'MatrixSelector':
      return { ...e, vector: pin(e.vector, ms) as VectorSelector };
    case 'SubqueryExpr':
      return e.at?.kind === 'time' ? e : { ...e, at: { kind: 'time', ms } };
    case 'Call':
      return { ...e, args: e.args.map((a) => pin(a, ms)) };
    case 'AggregateExpr':
      return { ...e, expr: pin(e.expr, ms), ...(e.param !== undefined ? { param: pin(e.param, ms) } : {}) };
    case 'BinaryExpr':
      return { ...e, lhs: pin(e.lhs, ms), rhs: pin(e.rhs, ms) };
    case 'UnaryExpr':
    case 'ParenExpr':
      return { ...e, expr: pin(e.expr, ms) };
    default:
      return e;
  }
}

export interface AtVariant {
  expr: Expr;
  timeMs: number;
}

/** The variants to run besides the main query; empty when the expression is not step-invariant-safe. */
export function atVariants(expr: Expr, evalMs: number): AtVariant[] {
  if (hasUnsafeCall(expr)) return [];
  const pinned = pin(expr, evalMs);
  const times = evalMs === 0 ? [-1000, 0, 1000] : [-10 * evalMs, 0, Math.trunc(evalMs / 5), evalMs, 10 * evalMs];
  return times.map((timeMs) => ({ expr: pinned, timeMs }));
}
