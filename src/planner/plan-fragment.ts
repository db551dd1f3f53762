/**
 * Plan fragments: the sub-expressions cut off by the pushdown split and evaluated by the leaves,
 * each over the series of its key ranges only. In the gateway's expression a fragment is
 * referenced by a synthetic vector selector `{__canopy_fragment__="f0"}` (a "remote" leaf of the
 * plan): the gateway's querier recognises the matcher and answers it by running the fragment on
 * the leaves instead of fetching raw series.
 *
 * Variants (stable names, used by Explain and golden tests):
 *  - `whole`: the leaves' answers are disjoint series; their union is the fragment's value;
 *  - `partial`: every leaf answers a partial state per group (a partial sum, count, min…); each
 *    answer's series are tagged with `__canopy_part__` (the ids of the ranges it covers) so the
 *    operator above the remote node (at the gateway) merges them — or, for moment states
 *    (`merge` set: avg, stddev, stdvar), the gateway's fragment runner merges them itself.
 */
import type { Expr, VectorSelector } from '../promql/index.js';

export const FRAGMENT_LABEL = '__canopy_fragment__';
/** Distinguishes the partial states of different leaf answers (dropped by the merging operator). */
export const PART_LABEL = '__canopy_part__';

/** Names the state a series of a moments fragment carries (`count`, `mean`, `stdvar`). */
export const STATE_LABEL = '__canopy_state__';

export type FragmentVariant = 'whole' | 'partial';

/**
 * Partial states merged by the gateway's fragment runner itself (not by an operator above):
 * per group `count` and `mean` (and `stdvar`), merged exactly (src/router/merge-moments.ts).
 */
export type MomentMerge = 'avg' | 'stdvar' | 'stddev';

/**
 * How the gateway's runner may pre-fold the partial states of a `partial` fragment as the
 * leaves' answers arrive (same op as the merging aggregation above it), so that memory holds
 * one series per group whatever the number of leaves (src/router/merge-partials.ts).
 */
export type PartialFold = 'sum' | 'min' | 'max' | 'group';

/** The partial state a fragment computes, for Explain (`sum`, `count`, `avg.count`, `topk`…). */
export type PartialState = string;

export interface PlanFragment {
  /** `f0`, `f1`… in order of appearance (depth first, left to right). */
  readonly id: string;
  readonly variant: FragmentVariant;
  /** What the fragment computes: `series` for whole per-series fragments, else the partial state. */
  readonly state: PartialState;
  /** The expression the leaves evaluate (query-time references already resolved). */
  readonly expr: Expr;
  /** `expr` as canonical PromQL (what is sent). */
  readonly promql: string;
  /** The selectors inside (their ranges are the fragment's fan-out). */
  readonly selectors: readonly VectorSelector[];
  /**
   * Step of the grid the fragment is evaluated on, ms: the query step at top level (0 for an
   * instant query), the subquery's step inside a subquery.
   */
  readonly stepMs: number;
  /** Set for moment states: the runner merges the leaves' answers into the final value. */
  readonly merge?: MomentMerge;
  /** Set for simple partial states: the runner folds the leaves' answers per group. */
  readonly fold?: PartialFold;
}

/**
 * The remote node: a selector `{__canopy_fragment__=~"f0"}`. A regex matcher (of a plain
 * literal) rather than an equality, so that `absent(…)` around it derives no labels from it
 * (absent() takes labels from equality matchers only), exactly as over the original expression.
 */
export function fragmentSelector(id: string): VectorSelector {
  return { kind: 'VectorSelector', matchers: [{ type: '=~', name: FRAGMENT_LABEL, value: id }], pos: { start: 0, end: 0 } };
}

/** The fragment id a selector refers to, or undefined for an ordinary selector. */
export function fragmentIdOf(matchers: readonly { type: string; name: string; value: string }[]): string | undefined {
  for (const m of matchers) if (m.name === FRAGMENT_LABEL && m.type === '=~') return m.value;
  return undefined;
}
