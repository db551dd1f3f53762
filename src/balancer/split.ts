/**
 * Splitting a range is metadata only: the range keeps its id and replicas for [start, key) and a
 * new range with a new id and the same replicas takes [key, end). Both live on the same leaves,
 * which already hold both halves' data. The split key is a target key (so a target never
 * straddles two ranges), by default the median of the target keys the replicas reported in
 * their load (`keySamples`): about half the series on each side.
 */
import { compareKeys, formatKey, type Key } from '../model/index.js';
import type { AssignmentStore, LeafLoad, RangeAssignment } from '../shard/index.js';
import { MoveError } from './mover.js';

/** The next free range id `r<N>` (one past the largest number in use). */
export function nextRangeId(ranges: readonly RangeAssignment[]): string {
  let max = -1;
  for (const r of ranges) {
    const m = /^r(\d+)$/.exec(r.id);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return `r${max + 1}`;
}

function inside(r: RangeAssignment, k: Key): boolean {
  return compareKeys(k, r.start) > 0 && (r.end.length === 0 || compareKeys(k, r.end) < 0);
}

/** The median reported target key strictly inside the range, or undefined when there is none. */
export function splitKeyFromLoads(r: RangeAssignment, loads: readonly LeafLoad[]): Key | undefined {
  let best: readonly string[] = [];
  let bestSeries = -1;
  for (const l of loads) {
    for (const rl of l.ranges) {
      if (rl.rangeId === r.id && rl.series > bestSeries && rl.keySamples) {
        best = rl.keySamples;
        bestSeries = rl.series;
      }
    }
  }
  const keys = [...new Set(best)]
    .map((h) => new Uint8Array(Buffer.from(h, 'hex')))
    .filter((k) => inside(r, k))
    .sort(compareKeys);
  if (keys.length === 0) return undefined;
  return keys[Math.floor(keys.length / 2)];
}

export interface SplitOutcome {
  left: RangeAssignment;
  right: RangeAssignment;
}

export async function splitRange(store: AssignmentStore, rangeId: string, key?: Key): Promise<SplitOutcome> {
  for (let attempt = 0; ; attempt++) {
    const now = store.ranges();
    const r = now.find((x) => x.id === rangeId);
    if (!r) throw new MoveError(`no range ${rangeId}`);
    const k = key ?? splitKeyFromLoads(r, store.loads());
    if (!k) throw new MoveError(`range ${rangeId}: no split key (no load report with two or more targets in it yet)`);
    const newId = nextRangeId(now);
    let out: SplitOutcome | undefined;
    try {
      await store.updateRanges([rangeId, newId], (cur) => {
        const c = cur.get(rangeId);
        if (!c) throw new MoveError(`no range ${rangeId}`);
        if (cur.has(newId)) throw new IdTaken();
        if (!inside(c, k)) throw new MoveError(`split key ${formatKey(k)} is not strictly inside range ${rangeId}`);
        if (c.replicas.some((x) => x.state === 'initializing')) throw new MoveError(`range ${rangeId} is being moved; split it afterwards`);
        const epoch = c.epoch + 1;
        const left: RangeAssignment = { ...c, end: k, epoch };
        const right: RangeAssignment = { id: newId, start: k, end: c.end, replicas: c.replicas.map((x) => ({ ...x })), epoch };
        out = { left, right };
        return { put: [left, right] };
      });
      return out!;
    } catch (e) {
      if (e instanceof IdTaken && attempt < 5) continue;
      throw e;
    }
  }
}

class IdTaken extends Error {}
