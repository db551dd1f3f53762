/**
 * Hint pruning stage of a selector's fan-out: after range pruning, a range is kept when any of
 * its read replicas is a field-hint candidate for the selector (src/hint `candidateLeaves`:
 * false positives only, unsynced or unknown leaves always candidates). A range without read
 * replicas is kept (it is reported unavailable, never silently dropped).
 */
import type { Matcher } from '../model/index.js';

/** What the planner needs of the gateway's hint index (src/router/hint-state.ts). */
export interface HintPruner {
  /** undefined = no pruning (disabled). */
  candidates(tenant: string, matchers: readonly Matcher[]): { readonly all: boolean; has(leafId: string): boolean; readonly count: number; readonly explain: string[] } | undefined;
}

export interface HintPruneResult<R> {
  kept: R[];
  /** Range ids pruned by hint. */
  pruned: string[];
  /** Explain lines: per matcher, and the ranges left. */
  explain: string[];
}

export function pruneByHint<R extends { rangeId: string; replicas: readonly string[] }>(ranges: readonly R[], tenant: string, matchers: readonly Matcher[], hints: HintPruner): HintPruneResult<R> {
  const c = hints.candidates(tenant, matchers);
  if (!c || c.all) return { kept: [...ranges], pruned: [], explain: c ? [...c.explain, `hint: no pruning, ${ranges.length} ranges`] : [] };
  const kept: R[] = [];
  const pruned: string[] = [];
  for (const r of ranges) {
    if (r.replicas.length === 0 || r.replicas.some((id) => c.has(id))) kept.push(r);
    else pruned.push(r.rangeId);
  }
  return { kept, pruned, explain: [...c.explain, `hint: ${c.count} candidate leaves → ${kept.length} ranges kept, ${pruned.length} pruned`] };
}
