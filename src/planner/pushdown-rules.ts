/**
 * Where a PromQL sub-expression can be evaluated, from the data placement rule "all series of a
 * target live in one range" (target = the values of the target labels, default `job`,
 * `instance`). Pure functions over the AST, used by the pushdown optimizer.
 *
 * Classes:
 *  - `const`: no selector inside (literals, `time()`, `vector(1)`…): same value everywhere;
 *  - `partitioned`: every output series is computed from the series of ONE target and keeps that
 *    target's labels, so the union of per-leaf answers is the answer and no two leaves return
 *    the same label set (per-series functions, aggregations keeping every target label, binary
 *    operations matching within a target or with a constant scalar);
 *  - `global`: needs series of several targets at once (evaluated at the gateway).
 */
import type { AggregateExpr, BinaryExpr, Call, Expr } from '../promql/index.js';
import { typeOf } from '../promql/index.js';

export type Placement = 'const' | 'partitioned' | 'global';

/** Vector functions that are NOT per-series (or whose result is not tied to one target). */
const GLOBAL_FUNCS: ReadonlySet<string> = new Set([
  'absent',
  'absent_over_time',
  'scalar',
  'sort',
  'sort_desc',
  'sort_by_label',
  'sort_by_label_desc',
  'info',
  'histogram_quantiles',
  'start_timestamp',
]);

/** Functions whose value depends on the query's own start/end/step (not the fragment grid's). */
export const QUERY_TIME_FUNCS: ReadonlySet<string> = new Set(['start', 'end', 'step', 'range']);

export function hasSelector(e: Expr): boolean {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'StringLiteral':
      return false;
    case 'VectorSelector':
    case 'MatrixSelector':
      return true;
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return hasSelector(e.expr);
    case 'Call':
      return e.args.some(hasSelector);
    case 'AggregateExpr':
      return hasSelector(e.expr) || (e.param !== undefined && hasSelector(e.param));
    case 'BinaryExpr':
      return hasSelector(e.lhs) || hasSelector(e.rhs);
  }
}

/** Whether an aggregation's output groups keep every target label (so a group lies in one target). */
export function keepsTarget(grouping: readonly string[], without: boolean, target: readonly string[]): boolean {
  return without ? target.every((t) => !grouping.includes(t)) : target.every((t) => grouping.includes(t));
}

/** Whether a vector/vector binary operation only pairs series of the same target. */
export function matchesWithinTarget(e: BinaryExpr, target: readonly string[]): boolean {
  const m = e.matching;
  if (!m) return true;
  return m.on ? target.every((t) => m.labels.includes(t)) : target.every((t) => !m.labels.includes(t));
}

export class PlacementRules {
  private readonly memo = new Map<Expr, Placement>();
  constructor(readonly target: readonly string[]) {}

  of(e: Expr): Placement {
    let p = this.memo.get(e);
    if (p === undefined) {
      p = this.compute(e);
      this.memo.set(e, p);
    }
    return p;
  }

  private compute(e: Expr): Placement {
    if (!hasSelector(e)) return 'const';
    switch (e.kind) {
      case 'VectorSelector':
      case 'MatrixSelector':
        return 'partitioned';
      case 'SubqueryExpr':
      case 'ParenExpr':
      case 'UnaryExpr':
        return this.of(e.expr);
      case 'Call':
        return this.call(e);
      case 'AggregateExpr':
        return this.aggregate(e);
      case 'BinaryExpr':
        return this.binary(e);
      default:
        return 'global';
    }
  }

  private call(e: Call): Placement {
    if (GLOBAL_FUNCS.has(e.func)) return 'global';
    if ((e.func === 'label_replace' || e.func === 'label_join') && e.args[1]?.kind === 'StringLiteral' && this.target.includes(e.args[1].value)) return 'global';
    let data = 0;
    for (const a of e.args) {
      const t = typeOf(a);
      const p = this.of(a);
      if (t === 'vector' || t === 'matrix') {
        if (p === 'global') return 'global';
        if (p === 'partitioned') data++;
      } else if (p !== 'const') return 'global';
    }
    return data === 1 ? 'partitioned' : 'global';
  }

  private aggregate(e: AggregateExpr): Placement {
    if (e.param && this.of(e.param) !== 'const') return 'global';
    if (this.of(e.expr) !== 'partitioned') return 'global';
    if (e.op === 'count_values' && e.param?.kind === 'StringLiteral' && this.target.includes(e.param.value)) return 'global';
    return keepsTarget(e.grouping, e.without, this.target) ? 'partitioned' : 'global';
  }

  private binary(e: BinaryExpr): Placement {
    const lt = typeOf(e.lhs);
    const rt = typeOf(e.rhs);
    const lp = this.of(e.lhs);
    const rp = this.of(e.rhs);
    if (lt === 'scalar' || rt === 'scalar') {
      const [sp, vp] = lt === 'scalar' ? [lp, rp] : [rp, lp];
      return sp === 'const' && vp === 'partitioned' ? 'partitioned' : 'global';
    }
    if (lp !== 'partitioned' || rp !== 'partitioned') return 'global';
    return matchesWithinTarget(e, this.target) ? 'partitioned' : 'global';
  }
}
