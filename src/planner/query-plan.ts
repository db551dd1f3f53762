/**
 * The fan-out plan of a whole query: one `SelectorFanout` per distinct selector of the parsed
 * expression, plus the union of ranges and leaves it touches. First version: selectors are
 * fetched raw and evaluated at the gateway; a later version cuts pushdown fragments here.
 */
import type { Expr, VectorSelector } from '../promql/index.js';
import { walk } from '../promql/index.js';
import { planSelector, type FanoutContext, type FanoutKind, type SelectorFanout } from './fanout.js';

export interface QueryPlan {
  readonly query: string;
  readonly tenant: string;
  /** Query-level kind: `none` if every selector is none, `scatter` if any is, else `targeted`. */
  readonly kind: FanoutKind;
  readonly selectors: readonly SelectorFanout[];
  /** Distinct ranges read by any selector: the expected children of the answer. */
  readonly rangeIds: readonly string[];
  /** Distinct primary leaves contacted. */
  readonly leafIds: readonly string[];
  /** Total ranges of the tenant (for "n of m"). */
  readonly tenantRanges: number;
}

/** The vector selectors of an expression (matrix selectors' inner selectors included), in source order. */
export function selectorsOf(expr: Expr): VectorSelector[] {
  const out: VectorSelector[] = [];
  walk(expr, (n) => {
    if (n.kind === 'VectorSelector') out.push(n);
  });
  return out;
}

export function planQuery(query: string, expr: Expr, ctx: FanoutContext): QueryPlan {
  const seen = new Map<string, SelectorFanout>();
  for (const sel of selectorsOf(expr)) {
    const f = planSelector(sel.matchers, ctx);
    if (!seen.has(f.selector)) seen.set(f.selector, f);
  }
  const selectors = [...seen.values()];
  const rangeIds = new Set<string>();
  const leafIds = new Set<string>();
  for (const s of selectors) {
    for (const r of s.ranges) rangeIds.add(r.rangeId);
    for (const g of s.groups) leafIds.add(g.leafId);
  }
  const kinds = selectors.map((s) => s.kind);
  const kind: FanoutKind = kinds.includes('scatter') ? 'scatter' : kinds.includes('targeted') ? 'targeted' : 'none';
  const tenantRanges = ctx.table.overlapping(ctx.encoder.tenantSpan(ctx.tenant)).length;
  return { query, tenant: ctx.tenant, kind, selectors, rangeIds: [...rangeIds], leafIds: [...leafIds], tenantRanges };
}
