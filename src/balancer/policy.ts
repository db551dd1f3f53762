/**
 * The balancer's decisions, as a pure function of the cluster state (ranges, live leaves, load
 * reports) so they can be tested as tables. In priority order:
 *  1. re-replicate: a replica on a dead leaf is replaced by a live leaf (restores the factor);
 *  2. drain: replicas on draining leaves move away;
 *  3. split: a range over the size/load thresholds is split at a reported key (metadata only);
 *  4. rebalance: one range moves from the most to the least loaded leaf when the gap exceeds
 *     `moveThreshold` of the mean, choosing the largest range that narrows the gap.
 * Moves (1, 2, 4) are limited to `maxConcurrentMoves` in flight; a range with an action in flight
 * (or an initializing replica) gets no other.
 *
 * Load score of a leaf = Σ over its replicas (series + rateWeight × write rate) ÷ capacity.
 */
import type { Key } from '../model/index.js';
import type { LeafLoad, LeafRecord, RangeAssignment, RangeLoad } from '../shard/index.js';
import { splitKeyFromLoads } from './split.js';

export interface BalancerPolicy {
  /** Split a range holding more series than this (default 100,000). */
  splitSeries?: number;
  /** … or more samples (default 50,000,000). */
  splitSamples?: number;
  /** … or receiving more samples/s (default 200,000). */
  splitWriteRate?: number;
  /** Rebalance when (max − min) score exceeds this fraction of the mean (default 0.25). */
  moveThreshold?: number;
  /** Series-equivalents of one sample/s of write rate in the load score (default 10). */
  rateWeight?: number;
  /** Moves in flight at once (default 1). */
  maxConcurrentMoves?: number;
  /** Turn rebalancing moves off (re-replication and drains still run). */
  rebalance?: boolean;
}

export type Action =
  | { kind: 'replace'; rangeId: string; from: string; to: string }
  | { kind: 'move'; rangeId: string; from: string; to: string; reason: 'drain' | 'rebalance' }
  | { kind: 'split'; rangeId: string; key: Key };

export interface ClusterState {
  ranges: readonly RangeAssignment[];
  leaves: readonly LeafRecord[];
  loads: readonly LeafLoad[];
  /** Leaves missing long enough to be dead (replicas on them get replaced). */
  dead: ReadonlySet<string>;
  draining: ReadonlySet<string>;
  /** Ranges with an action in flight. */
  busy: ReadonlySet<string>;
  movesInFlight: number;
}

export const DEFAULT_POLICY: Required<BalancerPolicy> = {
  splitSeries: 100_000,
  splitSamples: 50_000_000,
  splitWriteRate: 200_000,
  moveThreshold: 0.25,
  rateWeight: 10,
  maxConcurrentMoves: 1,
  rebalance: true,
};

/** The load of each range: the largest report among its replicas. */
export function rangeLoads(loads: readonly LeafLoad[]): Map<string, RangeLoad> {
  const out = new Map<string, RangeLoad>();
  for (const l of loads) {
    for (const r of l.ranges) {
      const prev = out.get(r.rangeId);
      if (!prev || r.series > prev.series) out.set(r.rangeId, r);
    }
  }
  return out;
}

export function leafScores(state: ClusterState, policy: Required<BalancerPolicy>): Map<string, number> {
  const rl = rangeLoads(state.loads);
  const score = new Map<string, number>();
  for (const l of state.leaves) score.set(l.id, 0);
  for (const r of state.ranges) {
    const load = rl.get(r.id);
    const s = load ? load.series + policy.rateWeight * load.writeRate : 0;
    for (const x of r.replicas) if (score.has(x.leafId)) score.set(x.leafId, score.get(x.leafId)! + s);
  }
  for (const l of state.leaves) score.set(l.id, score.get(l.id)! / Math.max(1e-9, l.capacity ?? 1));
  return score;
}

export function planActions(state: ClusterState, policyIn: BalancerPolicy = {}): Action[] {
  const policy = { ...DEFAULT_POLICY, ...policyIn };
  const actions: Action[] = [];
  const busy = new Set(state.busy);
  let moves = state.movesInFlight;
  const live = new Set(state.leaves.map((l) => l.id));
  const score = leafScores(state, policy);
  const rl = rangeLoads(state.loads);
  const rangeScore = (id: string): number => {
    const l = rl.get(id);
    return l ? l.series + policy.rateWeight * l.writeRate : 0;
  };
  const targets = (r: RangeAssignment): string[] =>
    [...score.entries()]
      .filter(([id]) => live.has(id) && !state.draining.has(id) && !r.replicas.some((x) => x.leafId === id))
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .map(([id]) => id);
  const movable = (r: RangeAssignment): boolean => !busy.has(r.id) && !r.replicas.some((x) => x.state === 'initializing');
  const plan = (a: Action & { to: string }): void => {
    actions.push(a);
    busy.add(a.rangeId);
    moves++;
    // Account for the move at once so the next choice sees it.
    const s = rangeScore(a.rangeId);
    score.set(a.to, (score.get(a.to) ?? 0) + s);
    if (a.kind === 'move') score.set(a.from, (score.get(a.from) ?? 0) - s);
  };

  // 1. Re-replication.
  for (const r of state.ranges) {
    if (moves >= policy.maxConcurrentMoves) break;
    if (!movable(r)) continue;
    const deadReplica = r.replicas.find((x) => state.dead.has(x.leafId) && !live.has(x.leafId));
    if (!deadReplica) continue;
    // Nothing to copy from (every available replica is gone): the range's data is lost until a
    // leaf holding it comes back; do not churn on it.
    if (!r.replicas.some((x) => x.state === 'available' && live.has(x.leafId))) continue;
    const to = targets(r)[0];
    if (to) plan({ kind: 'replace', rangeId: r.id, from: deadReplica.leafId, to });
  }
  // 2. Drains.
  for (const r of state.ranges) {
    if (moves >= policy.maxConcurrentMoves) break;
    if (!movable(r)) continue;
    const x = r.replicas.find((y) => state.draining.has(y.leafId));
    if (!x) continue;
    const to = targets(r)[0];
    if (to) plan({ kind: 'move', rangeId: r.id, from: x.leafId, to, reason: 'drain' });
  }
  // 3. Splits (metadata only: no move budget).
  for (const r of state.ranges) {
    if (!movable(r)) continue;
    const l = rl.get(r.id);
    if (!l || !(l.series > policy.splitSeries || l.samples > policy.splitSamples || l.writeRate > policy.splitWriteRate)) continue;
    const key = splitKeyFromLoads(r, state.loads);
    if (!key) continue;
    actions.push({ kind: 'split', rangeId: r.id, key });
    busy.add(r.id);
  }
  // 4. Rebalance.
  if (policy.rebalance && moves < policy.maxConcurrentMoves) {
    const eligible = [...score.entries()].filter(([id]) => live.has(id) && !state.draining.has(id));
    if (eligible.length >= 2) {
      eligible.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
      const [minId, minS] = eligible[0]!;
      const [maxId, maxS] = eligible[eligible.length - 1]!;
      const mean = eligible.reduce((s, e) => s + e[1], 0) / eligible.length;
      const gap = maxS - minS;
      if (gap > 0 && gap > policy.moveThreshold * mean) {
        let best: { r: RangeAssignment; s: number } | undefined;
        for (const r of state.ranges) {
          if (!movable(r)) continue;
          if (!r.replicas.some((x) => x.leafId === maxId && x.state === 'available')) continue;
          if (r.replicas.some((x) => x.leafId === minId)) continue;
          const s = rangeScore(r.id);
          if (s <= 0 || s >= gap) continue; // moving it must narrow the gap
          if (!best || Math.abs(gap / 2 - s) < Math.abs(gap / 2 - best.s)) best = { r, s };
        }
        if (best) plan({ kind: 'move', rangeId: best.r.id, from: maxId, to: minId, reason: 'rebalance' });
      }
    }
  }
  return actions;
}
