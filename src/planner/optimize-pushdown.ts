/**
 * Optimizer: the pushdown split (thanos-io/promql-engine's distributed algebra, adapted to
 * Canopy's placement rule "all series of a target live in one range").
 *
 *  - a `partitioned` vector sub-expression (per-series functions, aggregations keeping every
 *    target label, binary operations matching within a target or with a constant scalar) is
 *    pushed WHOLE: `remote(X)`;
 *  - an aggregation over a partitioned input becomes mergeable partial states:
 *      sum(X)          → sum without (part) (remote(sum(X)))
 *      count(X)        → sum without (part) (remote(count(X)))
 *      min/max/group   → min/max/group without (part) (remote(min/max/group(X)))
 *      avg(X)          → merge avg (remote(count, mean states))
 *      stdvar/stddev   → merge stdvar/stddev (remote(count, mean, stdvar states)): moments
 *                        merged exactly by the gateway's runner (Chan et al., see
 *                        src/router/merge-moments.ts)
 *      topk/bottomk    → topk/bottomk (k, remote(topk/bottomk(k, X)))   (local top-k)
 *      count_values    → sum without (part) (remote(count_values(…)))
 *    (grouping kept as written: `by`/`without` the partial state carries exactly the output
 *    labels plus the part label);
 *  - quantile, limitk, limit_ratio and everything else run at the gateway, over their inputs
 *    pushed or fetched;
 *  - bare selectors are fetched raw (the raw samples are what the gateway needs anyway).
 * Subqueries over global expressions are kept at the gateway and their insides split on the
 * subquery's own grid.
 */
import type { AggregateExpr, AggregateOp, BinaryExpr, Expr, VectorMatching, VectorSelector } from '../promql/index.js';
import { evalDuration, formatExpr, typeOf } from '../promql/index.js';
import { fragmentSelector, PART_LABEL, STATE_LABEL, type FragmentVariant, type MomentMerge, type PartialFold, type PlanFragment } from './plan-fragment.js';
import { PlacementRules } from './pushdown-rules.js';
import { resolveQueryTime, type QueryTime } from './optimize-query-time.js';

export interface PushdownOptions extends QueryTime {
  /** Target labels of the key schema (default `job`, `instance`). */
  readonly targetLabels: readonly string[];
}

export interface PushdownResult {
  /** The gateway's expression: the query with remote nodes in place of fragments. */
  readonly root: Expr;
  readonly fragments: readonly PlanFragment[];
}

const POS = { start: 0, end: 0 };
const ONE_TO_ONE: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };

function selectorsIn(e: Expr, out: VectorSelector[] = []): VectorSelector[] {
  switch (e.kind) {
    case 'VectorSelector':
      out.push(e);
      break;
    case 'MatrixSelector':
      out.push(e.vector);
      break;
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      selectorsIn(e.expr, out);
      break;
    case 'Call':
      for (const a of e.args) selectorsIn(a, out);
      break;
    case 'AggregateExpr':
      if (e.param) selectorsIn(e.param, out);
      selectorsIn(e.expr, out);
      break;
    case 'BinaryExpr':
      selectorsIn(e.lhs, out);
      selectorsIn(e.rhs, out);
      break;
  }
  return out;
}

function agg(op: AggregateOp, expr: Expr, grouping: readonly string[], without: boolean, param?: Expr): AggregateExpr {
  return { kind: 'AggregateExpr', op, expr, grouping, without, ...(param ? { param } : {}), pos: POS };
}

function bin(op: BinaryExpr['op'], lhs: Expr, rhs: Expr, matching: VectorMatching = ONE_TO_ONE): BinaryExpr {
  const vectors = typeOf(lhs) === 'vector' && typeOf(rhs) === 'vector';
  return { kind: 'BinaryExpr', op, lhs, rhs, returnBool: false, ...(vectors ? { matching } : {}), pos: POS };
}

/**
 * `sum by (g) (x)` / `sum without (w, __canopy_part__) (x)` and friends: merges the partial
 * states of all leaves with the original grouping (so `by (__name__)` keeps the name), the part
 * label dropped.
 */
function merge(op: AggregateOp, x: Expr, grouping: readonly string[], without: boolean): AggregateExpr {
  return without ? agg(op, x, [...grouping, PART_LABEL], true) : agg(op, x, grouping, false);
}

class Splitter {
  readonly fragments: PlanFragment[] = [];
  private readonly rules: PlacementRules;

  constructor(private readonly opts: PushdownOptions) {
    this.rules = new PlacementRules(opts.targetLabels);
  }

  private remote(expr: Expr, variant: FragmentVariant, state: string, stepMs: number, merge?: MomentMerge, fold?: PartialFold): VectorSelector {
    const id = `f${this.fragments.length}`;
    const resolved = resolveQueryTime(expr, this.opts);
    this.fragments.push({ id, variant, state, expr: resolved, promql: formatExpr(resolved), selectors: selectorsIn(resolved), stepMs, ...(merge ? { merge } : {}), ...(fold ? { fold } : {}) });
    return fragmentSelector(id);
  }

  /**
   * avg/stddev/stdvar: one fragment answering per group its moment states, each a series
   * labelled `__canopy_state__` (`label_replace(count by (g) (X), "__canopy_state__", "count", "", "") or …`),
   * merged exactly by the gateway's runner.
   */
  private moments(op: MomentMerge, X: Expr, G: readonly string[], W: boolean, stepMs: number): VectorSelector {
    const states: [string, AggregateOp][] = [
      ['count', 'count'],
      ['mean', 'avg'],
    ];
    if (op !== 'avg') states.push(['stdvar', 'stdvar']);
    const str = (value: string): Expr => ({ kind: 'StringLiteral', value, pos: POS });
    const tagged = states.map(([name, a]): Expr => ({ kind: 'Call', func: 'label_replace', args: [agg(a, X, G, W), str(STATE_LABEL), str(name), str(''), str('')], pos: POS }));
    const expr = tagged.reduce((l, r) => bin('or', l, r, { card: 'many-to-many', on: false, labels: [], include: [] }));
    return this.remote(expr, 'partial', `${op} moments (${states.map((s) => s[0]).join(', ')})`, stepMs, op);
  }

  split(e: Expr, stepMs: number): Expr {
    const place = this.rules.of(e);
    if (place === 'const') return e;
    if (place === 'partitioned' && typeOf(e) === 'vector' && e.kind !== 'VectorSelector' && e.kind !== 'ParenExpr') {
      return this.remote(e, 'whole', 'series', stepMs);
    }
    switch (e.kind) {
      case 'VectorSelector':
      case 'MatrixSelector':
      case 'NumberLiteral':
      case 'StringLiteral':
        return e;
      case 'ParenExpr':
      case 'UnaryExpr':
        return { ...e, expr: this.split(e.expr, stepMs) };
      case 'SubqueryExpr': {
        const inner = e.step ? evalDuration(e.step, { stepMs: this.opts.stepMs, startMs: this.opts.startMs, endMs: this.opts.endMs }) : this.opts.defaultSubqueryStepMs;
        return { ...e, expr: this.split(e.expr, inner > 0 ? inner : this.opts.defaultSubqueryStepMs) };
      }
      case 'Call':
        return { ...e, args: e.args.map((a) => this.split(a, stepMs)) };
      case 'BinaryExpr':
        return { ...e, lhs: this.split(e.lhs, stepMs), rhs: this.split(e.rhs, stepMs) };
      case 'AggregateExpr':
        return this.aggregate(e, stepMs);
    }
  }

  private aggregate(e: AggregateExpr, stepMs: number): Expr {
    const paramConst = !e.param || this.rules.of(e.param) === 'const';
    if (!paramConst || this.rules.of(e.expr) !== 'partitioned') {
      return { ...e, expr: this.split(e.expr, stepMs), ...(e.param ? { param: this.split(e.param, stepMs) } : {}) };
    }
    const X = e.expr;
    const G = e.grouping;
    const W = e.without;
    const part = (op: AggregateOp, state: string, fold: PartialFold, param?: Expr): VectorSelector => this.remote(agg(op, X, G, W, param), 'partial', state, stepMs, undefined, fold);
    switch (e.op) {
      case 'sum':
      case 'count':
        return merge('sum', part(e.op, e.op, 'sum'), G, W);
      case 'min':
      case 'max':
      case 'group':
        return merge(e.op, part(e.op, e.op, e.op), G, W);
      case 'count_values': {
        // The value label joins the groups (count_values by (g) outputs g and the label).
        const label = e.param?.kind === 'StringLiteral' ? e.param.value : undefined;
        if (label === undefined) return { ...e, expr: this.split(X, stepMs) };
        return merge('sum', part('count_values', 'count_values', 'sum', e.param), W ? G.filter((g) => g !== label) : [...G.filter((g) => g !== label), label], W);
      }
      case 'avg':
      case 'stddev':
      case 'stdvar':
        return this.moments(e.op, X, G, W, stepMs);
      case 'topk':
      case 'bottomk': {
        const local = this.remote(agg(e.op, X, G, W, e.param), 'whole', `local ${e.op}`, stepMs);
        return agg(e.op, local, G, W, e.param);
      }
      default:
        // quantile, limitk, limit_ratio: not decomposable; their input is pushed or fetched.
        return { ...e, expr: this.split(X, stepMs) };
    }
  }
}

/** Splits a query into the gateway's expression and the fragments pushed to the leaves. */
export function optimizePushdown(expr: Expr, opts: PushdownOptions): PushdownResult {
  const s = new Splitter(opts);
  const root = s.split(expr, opts.stepMs);
  return { root, fragments: s.fragments };
}
