/**
 * The replica resolver: per range, rank its replicas and pick a primary with ordered fallbacks.
 * Pure: the inputs (replica states, reported time coverage, breaker states, latency and load)
 * are all arguments, so the ranking is table-tested.
 *
 * Ranking, most significant first (ties keep the assignment's order, which is stable):
 *  1. replica state: available, then initializing, then leaving (a last resort). An initializing
 *     replica is still copying its history, so it ranks before leaving ones only when it reports
 *     full coverage of the query window; with partial or unknown coverage it comes after them
 *     (a leaving replica still holds everything, a partial answer is worse);
 *  2. time coverage of the query window [start, end] from the leaf's reported min/max time and
 *     known gaps, in whole percent, higher first (unknown coverage counts as full: best-effort);
 *  3. breaker state: closed < halfOpen < open;
 *  4. slowness: a replica is "slow" when its latency-and-load score exceeds the best score of
 *     the range by more than `slowRatio` and `slowMarginMs`; non-slow replicas keep their
 *     order, slow ones follow by score. (A tolerance, not a strict sort on EWMA, so two healthy
 *     replicas do not swap on noise and ranges keep grouping onto the same leaves.)
 *
 * Score = EWMA latency (unknown → the best known EWMA of the range, so new leaves get tried)
 *         × (1 + loadWeight × calls in flight).
 */
import type { ReplicaState } from '../shard/index.js';
import type { BreakerState } from './breaker.js';
import type { HealthIssue } from './health.js';

/** A leaf's report of what it holds for a range (ms, inclusive). */
export interface TimeCoverage {
  minTime: number;
  maxTime: number;
  /** Known holes [start, end] inside [minTime, maxTime]. */
  gaps?: readonly { start: number; end: number }[];
}

export interface ReplicaInfo {
  leafId: string;
  state: ReplicaState;
  coverage?: TimeCoverage;
}

export interface RangeReplicas {
  rangeId: string;
  /** In assignment order. */
  replicas: readonly ReplicaInfo[];
}

export interface ResolverOptions {
  /** "Slow" threshold relative to the best score of the range. Default 1 (= 2× the best). */
  slowRatio?: number;
  /** …and at least this many ms above it. Default 5. */
  slowMarginMs?: number;
  /** Weight of each in-flight call in the score. Default 0.25. */
  loadWeight?: number;
}

export const DEFAULT_RESOLVER_OPTIONS: Required<ResolverOptions> = { slowRatio: 1, slowMarginMs: 5, loadWeight: 0.25 };

export interface ResolveContext {
  /** Query window, ms (start = end for an instant read). */
  start: number;
  end: number;
  breakerState?: (leafId: string) => BreakerState;
  ewma?: (leafId: string) => number | undefined;
  inflight?: (leafId: string) => number;
  options?: ResolverOptions;
}

export interface RankedReplica {
  leafId: string;
  state: ReplicaState;
  /** Fraction of the query window the replica holds (0..1). */
  coverage: number;
  breaker: BreakerState;
  /** Latency-and-load score, ms (undefined when no latency is known for the range). */
  score: number | undefined;
  slow: boolean;
}

export interface Resolution {
  rangeId: string;
  /** Undefined when the range has no replica at all. */
  primary: string | undefined;
  fallbacks: string[];
  /** Every replica, best first, with the facts that ranked it (for Explain). */
  ranked: RankedReplica[];
  /** The best replica does not cover the whole query window. */
  incompleteCoverage: boolean;
}

/** Tier of a replica state (see the ranking above); initializing depends on its coverage. */
function stateTier(state: ReplicaState, coverage: number, known: boolean): number {
  if (state === 'available') return 0;
  if (state === 'leaving') return 2;
  return known && coverage >= 0.995 ? 1 : 3;
}
const BREAKER_RANK: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

/** Fraction of [start, end] held according to `c` (1 when unknown). */
export function coverageOf(c: TimeCoverage | undefined, start: number, end: number): number {
  if (!c) return 1;
  if (c.minTime > c.maxTime) return 0; // holds nothing
  const lo = Math.min(start, end);
  const hi = Math.max(start, end);
  const inGap = (t: number): boolean => (c.gaps ?? []).some((g) => t >= g.start && t <= g.end);
  if (hi === lo) return lo >= c.minTime && lo <= c.maxTime && !inGap(lo) ? 1 : 0;
  const a = Math.max(lo, c.minTime);
  const b = Math.min(hi, c.maxTime);
  if (b <= a) return 0;
  let held = b - a;
  for (const g of c.gaps ?? []) {
    const ga = Math.max(a, g.start);
    const gb = Math.min(b, g.end);
    if (gb > ga) held -= gb - ga;
  }
  return Math.max(0, Math.min(1, held / (hi - lo)));
}

export function resolveRange(r: RangeReplicas, ctx: ResolveContext): Resolution {
  const o = { ...DEFAULT_RESOLVER_OPTIONS, ...Object.fromEntries(Object.entries(ctx.options ?? {}).filter(([, v]) => v !== undefined)) } as Required<ResolverOptions>;
  const known = r.replicas.map((x) => ctx.ewma?.(x.leafId)).filter((v): v is number => v !== undefined);
  const neutral = known.length > 0 ? Math.min(...known) : undefined;
  const rows = r.replicas.map((x, i) => {
    const lat = ctx.ewma?.(x.leafId) ?? neutral;
    const score = lat === undefined ? undefined : lat * (1 + o.loadWeight * (ctx.inflight?.(x.leafId) ?? 0));
    return {
      i,
      tier: stateTier(x.state, coverageOf(x.coverage, ctx.start, ctx.end), x.coverage !== undefined),
      r: { leafId: x.leafId, state: x.state, coverage: coverageOf(x.coverage, ctx.start, ctx.end), breaker: ctx.breakerState?.(x.leafId) ?? 'closed', score, slow: false } as RankedReplica,
    };
  });
  const scores = rows.map((x) => x.r.score).filter((v): v is number => v !== undefined);
  const best = scores.length > 0 ? Math.min(...scores) : undefined;
  for (const x of rows) x.r.slow = best !== undefined && x.r.score !== undefined && x.r.score > best * (1 + o.slowRatio) + o.slowMarginMs;
  rows.sort(
    (a, b) =>
      a.tier - b.tier ||
      Math.round(b.r.coverage * 100) - Math.round(a.r.coverage * 100) ||
      BREAKER_RANK[a.r.breaker] - BREAKER_RANK[b.r.breaker] ||
      Number(a.r.slow) - Number(b.r.slow) ||
      (a.r.slow && b.r.slow ? a.r.score! - b.r.score! : 0) ||
      a.i - b.i,
  );
  const ranked = rows.map((x) => x.r);
  return {
    rangeId: r.rangeId,
    primary: ranked[0]?.leafId,
    fallbacks: ranked.slice(1).map((x) => x.leafId),
    ranked,
    incompleteCoverage: ranked.length > 0 && ranked[0]!.coverage < 0.995,
  };
}

export function resolveRanges(rs: readonly RangeReplicas[], ctx: ResolveContext): Resolution[] {
  return rs.map((r) => resolveRange(r, ctx));
}

/** `incomplete_coverage` notes for ranges whose best replica misses part of the window. */
export function coverageIssues(res: readonly Resolution[]): HealthIssue[] {
  return res
    .filter((r) => r.incompleteCoverage)
    .map((r) => ({
      kind: 'incomplete_coverage' as const,
      rangeId: r.rangeId,
      leafId: r.primary ?? '',
      message: `best replica ${r.primary} holds ${Math.round(r.ranked[0]!.coverage * 100)}% of the query window`,
    }));
}

/**
 * From the assignment's ranges to the executor's children: resolves each range's replicas
 * (coverage from `coverage(leafId, rangeId)` when leaves have reported it) and collects the
 * `incomplete_coverage` notes. Ranges without any replica become children with no replicas
 * (the executor reports them `unavailable`).
 */
export function planChildren(
  ranges: readonly { id: string; replicas: readonly { leafId: string; state: ReplicaState }[] }[],
  ctx: ResolveContext & { coverage?: (leafId: string, rangeId: string) => TimeCoverage | undefined },
): { children: { id: string; replicas: string[] }[]; resolutions: Resolution[]; issues: HealthIssue[] } {
  const resolutions = ranges.map((r) =>
    resolveRange({ rangeId: r.id, replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state, coverage: ctx.coverage?.(x.leafId, r.id) })) }, ctx),
  );
  return { children: resolutions.map((r) => ({ id: r.rangeId, replicas: replicaOrder(r) })), resolutions, issues: coverageIssues(resolutions) };
}

/** The ordered leaf ids (primary first) — what the executor takes per child. */
export function replicaOrder(r: Resolution): string[] {
  return r.primary === undefined ? [] : [r.primary, ...r.fallbacks];
}
