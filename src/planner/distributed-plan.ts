/**
 * The distributed plan of a query: the optimizers run as a list over the parsed expression
 * (today: the pushdown split, which also resolves query-time references inside fragments), then
 * the plan tree for Explain. Pure: same query and options, same plan.
 */
import type { Expr } from '../promql/index.js';
import type { DistributedPlan as DistributedPlanProto } from '../rpc/gen/canopy/v1/DistributedPlan.js';
import { describeTree, fragmentToProto, planNodeToProto, planTree, type PlanNode } from './logical-plan.js';
import { optimizePushdown, type PushdownOptions } from './optimize-pushdown.js';
import type { PlanFragment } from './plan-fragment.js';

export interface DistributedPlan {
  readonly query: string;
  /** The gateway's expression, with remote nodes for the fragments. */
  readonly root: Expr;
  readonly fragments: readonly PlanFragment[];
  readonly tree: PlanNode;
}

/** A plan that pushes nothing: the gateway evaluates the query over raw series. */
export function localPlan(query: string, expr: Expr): DistributedPlan {
  return { query, root: expr, fragments: [], tree: planTree(expr, []) };
}

export function planDistributed(query: string, expr: Expr, opts: PushdownOptions): DistributedPlan {
  const { root, fragments } = optimizePushdown(expr, opts);
  return { query, root, fragments, tree: planTree(root, fragments) };
}

/** The plan as indented text: the tree, then one line per fragment. */
export function describeDistributed(p: DistributedPlan): string {
  const lines = describeTree(p.tree);
  for (const f of p.fragments) lines.push(`Fragment ${f.id} ${f.variant} ${f.state} step ${f.stepMs}ms: ${f.promql}`);
  return lines.join('\n');
}

export function distributedPlanToProto(p: DistributedPlan): DistributedPlanProto {
  return { query: p.query, root: planNodeToProto(p.tree), fragments: p.fragments.map(fragmentToProto) };
}
