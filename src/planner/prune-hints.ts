/**
 * Hint pruning stage of a selector's fan-out: after range pruning, a range is kept when any of
 * its read replicas is a field-hint candidate for the selector (src/hint `candidateLeaves`:
 * false positives only, unsynced or unknown leaves always candidates). A range without read
 * replicas is kept (it is reported unavailable, never silently dropped).
 */
import type { Matcher } from '../model/index.js';

type Candidates = { readonly all: boolean; has(leafId: string): boolean; readonly count: number; readonly explain: string[] };

/** What the planner needs of the gateway's hint index (src/router/hint-state.ts). */
export interface HintPruner {
  /** undefined = no pruning (disabled). */
  candidates(tenant: string, matchers: readonly Matcher[]): Candidates | undefined;
  /** Leaves that may hold samples of the tenant in [startMs, endMs] (time hints); undefined = no pruning. */
  timeCandidates(tenant: string, startMs: number, endMs: number): Candidates | undefined;
}

export interface HintPruneResult<R> {
  kept: R[];
  /** Range ids pruned by hint. */
  pruned: string[];
  /** Explain lines: per matcher, and the ranges left. */
  explain: string[];
}

export function pruneByHint<R extends { rangeId: string; replicas: readonly string[] }>(ranges: readonly R[], tenant: string, matchers: readonly Matcher[], hints: HintPruner): HintPruneResult<R> {
  return pruneBy(ranges, hints.candidates(tenant, matchers), 'hint');
}

/**
 * Time stage (after the hint stage): a range is kept when any read replica may hold samples in
 * the selector's data window `[startMs, endMs]` (src/hint/time-hints.ts explains why time hints
 * and not the polled Status min/max: those cannot bound writes made after the poll).
 */
export function pruneByTime<R extends { rangeId: string; replicas: readonly string[] }>(ranges: readonly R[], tenant: string, window: { startMs: number; endMs: number }, hints: HintPruner): HintPruneResult<R> {
  return pruneBy(ranges, hints.timeCandidates(tenant, window.startMs, window.endMs), 'time');
}

function pruneBy<R extends { rangeId: string; replicas: readonly string[] }>(ranges: readonly R[], c: Candidates | undefined, stage: string): HintPruneResult<R> {
  if (!c || c.all) return { kept: [...ranges], pruned: [], explain: c ? [...c.explain, `${stage}: no pruning, ${ranges.length} ranges`] : [] };
  const kept: R[] = [];
  const pruned: string[] = [];
  for (const r of ranges) {
    if (r.replicas.length === 0 || r.replicas.some((id) => c.has(id))) kept.push(r);
    else pruned.push(r.rangeId);
  }
  return { kept, pruned, explain: [...c.explain, `${stage}: ${c.count} candidate leaves → ${kept.length} ranges kept, ${pruned.length} pruned`] };
}
