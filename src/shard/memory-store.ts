/** The in-memory assignment store: embedded mode (`canopy dev`) and tests. */
import { compareKeys } from '../model/index.js';
import type { AssignmentStore, LeafRecord, RangeAssignment } from './assignment-store.js';

export interface MemoryAssignmentStoreInit {
  leaves?: readonly LeafRecord[];
  ranges?: readonly RangeAssignment[];
}

export class MemoryAssignmentStore implements AssignmentStore {
  private readonly leafMap = new Map<string, LeafRecord>();
  private readonly rangeMap = new Map<string, RangeAssignment>();
  private readonly watchers = new Set<() => void>();
  private notifyScheduled = false;

  constructor(init: MemoryAssignmentStoreInit = {}) {
    for (const l of init.leaves ?? []) this.leafMap.set(l.id, { ...l });
    for (const r of init.ranges ?? []) this.rangeMap.set(r.id, cloneRange(r));
  }

  leaves(): LeafRecord[] {
    return [...this.leafMap.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  ranges(): RangeAssignment[] {
    return [...this.rangeMap.values()].sort((a, b) => compareKeys(a.start, b.start));
  }

  async putLeaf(l: LeafRecord): Promise<void> {
    this.leafMap.set(l.id, { ...l });
    this.changed();
  }

  async removeLeaf(id: string): Promise<void> {
    if (this.leafMap.delete(id)) this.changed();
  }

  async putRange(r: RangeAssignment): Promise<void> {
    const prev = this.rangeMap.get(r.id);
    if (prev && r.epoch < prev.epoch) {
      throw new Error(`range ${r.id}: stale epoch ${r.epoch} (stored epoch is ${prev.epoch})`);
    }
    this.rangeMap.set(r.id, cloneRange(r));
    this.changed();
  }

  /** Removes a range (merges); not part of the contract, the tiling invariant is the caller's. */
  async removeRange(id: string): Promise<void> {
    if (this.rangeMap.delete(id)) this.changed();
  }

  watch(cb: () => void): () => void {
    this.watchers.add(cb);
    return () => {
      this.watchers.delete(cb);
    };
  }

  /** Coalesces a burst of changes into one notification on the next microtask. */
  private changed(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const cb of [...this.watchers]) cb();
    });
  }
}

function cloneRange(r: RangeAssignment): RangeAssignment {
  return {
    id: r.id,
    start: Uint8Array.from(r.start),
    end: Uint8Array.from(r.end),
    replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
    epoch: r.epoch,
  };
}
