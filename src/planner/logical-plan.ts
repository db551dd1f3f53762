/**
 * The logical plan of a distributed query: immutable plan nodes over the gateway's expression,
 * with the pushed fragments as `Remote` leaves. Each node has stable operator and variant names
 * (Explain, logs, golden tests) and serialises to `canopy.v1.PlanNode` (proto/canopy/v1/plan.proto).
 *
 * Operators: `Remote` (whole | partial), `Merge` (sum | min | max | group: merges the partial
 * states of all leaves by the aggregation above; avg | stdvar | stddev `moments`: merged by the
 * gateway's fragment runner), `Aggregate` (op), `Binary` (op), `Function` (name), `Subquery`,
 * `Selector` (instant | range: raw series fetched from the leaves), `Number`, `String`, `Unary`.
 */
import type { Expr } from '../promql/index.js';
import { formatDurationExpr, formatExpr, formatLabelName } from '../promql/index.js';
import type { PlanNode as PlanNodeProto } from '../rpc/gen/canopy/v1/PlanNode.js';
import type { PlanFragment as PlanFragmentProto } from '../rpc/gen/canopy/v1/PlanFragment.js';
import { fragmentIdOf, type PlanFragment } from './plan-fragment.js';

export interface PlanNode {
  readonly operator: string;
  readonly variant: string;
  /** Operator arguments as PromQL (grouping, matching, parameters, ranges); may be empty. */
  readonly detail: string;
  readonly children: readonly PlanNode[];
  /** For `Remote`: the fragment it runs. */
  readonly fragmentId?: string;
}

function node(operator: string, variant: string, detail: string, children: PlanNode[] = [], fragmentId?: string): PlanNode {
  return { operator, variant, detail, children, ...(fragmentId !== undefined ? { fragmentId } : {}) };
}

function grouping(g: readonly string[], without: boolean): string {
  if (!without && g.length === 0) return '';
  return `${without ? 'without' : 'by'} (${g.map(formatLabelName).join(', ')})`;
}

/** Builds the plan tree of the gateway's expression (fragments resolved by id). */
export function planTree(e: Expr, fragments: readonly PlanFragment[]): PlanNode {
  const byId = new Map(fragments.map((f) => [f.id, f]));
  const isPartial = (x: Expr): boolean => {
    const id = x.kind === 'VectorSelector' ? fragmentIdOf(x.matchers) : undefined;
    return id !== undefined && byId.get(id)?.variant === 'partial';
  };
  const build = (x: Expr): PlanNode => {
    switch (x.kind) {
      case 'NumberLiteral':
        return node('Number', 'literal', formatExpr(x));
      case 'StringLiteral':
        return node('String', 'literal', formatExpr(x));
      case 'VectorSelector': {
        const id = fragmentIdOf(x.matchers);
        const f = id === undefined ? undefined : byId.get(id);
        if (f?.merge) return node('Merge', f.merge, 'moments', [node('Remote', f.variant, `${f.state}: ${f.promql}`, [], f.id)]);
        if (f) return node('Remote', f.variant, `${f.state}: ${f.promql}`, [], f.id);
        return node('Selector', 'instant', formatExpr(x));
      }
      case 'MatrixSelector':
        return node('Selector', 'range', formatExpr(x));
      case 'SubqueryExpr':
        return node('Subquery', 'grid', `[${formatDurationExpr(x.range)}:${x.step ? formatDurationExpr(x.step) : ''}]`, [build(x.expr)]);
      case 'ParenExpr':
        return build(x.expr);
      case 'UnaryExpr':
        return node('Unary', x.op, '', [build(x.expr)]);
      case 'Call':
        return node('Function', x.func, '', x.args.map(build));
      case 'AggregateExpr': {
        const detail = [grouping(x.grouping, x.without), x.param ? `param ${formatExpr(x.param)}` : ''].filter((s) => s !== '').join(' ');
        if (isPartial(x.expr)) return node('Merge', x.op, detail, [build(x.expr)]);
        return node('Aggregate', x.op, detail, [build(x.expr)]);
      }
      case 'BinaryExpr': {
        const m = x.matching;
        const parts: string[] = [];
        if (x.returnBool) parts.push('bool');
        if (m && (m.on || m.labels.length > 0)) parts.push(`${m.on ? 'on' : 'ignoring'} (${m.labels.map(formatLabelName).join(', ')})`);
        if (m && m.card === 'many-to-one') parts.push(`group_left (${m.include.join(', ')})`);
        if (m && m.card === 'one-to-many') parts.push(`group_right (${m.include.join(', ')})`);
        return node('Binary', x.op, parts.join(' '), [build(x.lhs), build(x.rhs)]);
      }
    }
  };
  return build(e);
}

/** Indented text, one node per line: `Merge sum`, `  Remote partial sum: sum by (job) (…)`. */
export function describeTree(n: PlanNode, indent = ''): string[] {
  const head = `${indent}${n.operator} ${n.variant}${n.fragmentId ? ` ${n.fragmentId}` : ''}${n.detail ? ` ${n.detail}` : ''}`;
  return [head, ...n.children.flatMap((c) => describeTree(c, indent + '  '))];
}

export function planNodeToProto(n: PlanNode): PlanNodeProto {
  return { operator: n.operator, variant: n.variant, detail: n.detail, fragmentId: n.fragmentId ?? '', children: n.children.map(planNodeToProto) };
}

export function planNodeFromProto(p: PlanNodeProto): PlanNode {
  return node(p.operator ?? '', p.variant ?? '', p.detail ?? '', (p.children ?? []).map(planNodeFromProto), p.fragmentId ? p.fragmentId : undefined);
}

export function fragmentToProto(f: PlanFragment): PlanFragmentProto {
  return { id: f.id, variant: f.variant, state: f.state, promql: f.promql, stepMs: f.stepMs, selectors: f.selectors.map((s) => formatExpr(s)) };
}
