/**
 * Which replicas of a range serve reads and writes.
 *
 *  - Reads: `available` replicas first, then `leaving` ones (they still hold everything) as last
 *    fallbacks; never `initializing` (their history is still being copied). Within a state, the
 *    assignment's order is kept, so the first listed available replica is the primary.
 *  - Writes: every replica, `initializing` included, so a move loses nothing.
 *  - Write quorum: a majority of the voting replicas (`available` and `leaving`); initializing
 *    replicas receive the write but do not vote. A range with only initializing replicas needs
 *    a majority of them.
 */
import type { RangeAssignment, ReplicaAssignment } from './assignment-store.js';

const READ_RANK: Record<string, number> = { available: 0, leaving: 1 };

/** Leaf ids to read the range from, best first (primary, then ordered fallbacks). */
export function readReplicas(r: RangeAssignment): string[] {
  const ranked: { leafId: string; rank: number; order: number }[] = [];
  r.replicas.forEach((x, order) => {
    const rank = READ_RANK[x.state];
    if (rank !== undefined) ranked.push({ leafId: x.leafId, rank, order });
  });
  ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return dedupe(ranked.map((x) => x.leafId));
}

/** Leaf ids every write to the range goes to. */
export function writeReplicas(r: RangeAssignment): string[] {
  return dedupe(r.replicas.map((x) => x.leafId));
}

export function isVoting(x: ReplicaAssignment): boolean {
  return x.state !== 'initializing';
}

/** Successful voting replicas needed to acknowledge a write to the range. */
export function writeQuorum(r: RangeAssignment): number {
  const voters = dedupe(r.replicas.filter(isVoting).map((x) => x.leafId)).length;
  const n = voters > 0 ? voters : writeReplicas(r).length;
  return Math.floor(n / 2) + 1;
}

/** Whether a write succeeded on enough replicas, given the leaf ids that have it. */
export function quorumReached(r: RangeAssignment, succeeded: ReadonlySet<string>): boolean {
  const voters = dedupe(r.replicas.filter(isVoting).map((x) => x.leafId));
  const pool = voters.length > 0 ? voters : writeReplicas(r);
  let ok = 0;
  for (const id of pool) if (succeeded.has(id)) ok++;
  return ok >= Math.floor(pool.length / 2) + 1;
}

function dedupe(ids: string[]): string[] {
  return [...new Set(ids)];
}
