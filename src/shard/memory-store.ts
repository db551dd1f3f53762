/**
 * The in-memory assignment store: embedded mode (`canopy dev` without --etcd) and tests. Leases
 * are timers in this process; the leader election is a queue of candidates in this process.
 */
import { compareKeys } from '../model/index.js';
import {
  checkRangeChange,
  DEFAULT_LEAF_TTL_MS,
  type AssignmentStore,
  type GatewayRecord,
  type GatewayRegistration,
  type LeaderCampaign,
  type LeafLoad,
  type LeafRecord,
  type LeafRegistration,
  type RangeAssignment,
  type RangeChange,
  type RegisterOptions,
} from './assignment-store.js';

export interface MemoryAssignmentStoreInit {
  leaves?: readonly LeafRecord[];
  ranges?: readonly RangeAssignment[];
}

interface MemoryLease {
  token: object;
  timer?: NodeJS.Timeout;
}

export class MemoryAssignmentStore implements AssignmentStore {
  private readonly leafMap = new Map<string, LeafRecord>();
  private readonly rangeMap = new Map<string, RangeAssignment>();
  private readonly loadMap = new Map<string, LeafLoad>();
  private readonly leases = new Map<string, MemoryLease>();
  private readonly watchers = new Set<() => void>();
  private readonly candidates: { name: string; cbs: Set<(leading: boolean) => void> }[] = [];
  private notifyScheduled = false;
  private revision = 0;
  private readonly gatewayMap = new Map<string, { seen: number; token: object }>();

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

  loads(): LeafLoad[] {
    return [...this.loadMap.values()];
  }

  assignmentRevision(): number {
    return this.revision;
  }

  gateways(): GatewayRecord[] {
    return [...this.gatewayMap.entries()].map(([id, g]) => ({ id, seen: g.seen }));
  }

  async registerGateway(id: string): Promise<GatewayRegistration> {
    const entry = { seen: 0, token: {} };
    this.gatewayMap.set(id, entry);
    const mine = (): boolean => this.gatewayMap.get(id) === entry;
    return {
      reportSeen: async (rev) => {
        if (mine() && rev > entry.seen) entry.seen = rev;
      },
      revoke: async () => {
        if (mine()) this.gatewayMap.delete(id);
      },
    };
  }

  async putLeaf(l: LeafRecord): Promise<void> {
    this.leafMap.set(l.id, { ...l });
    this.changed();
  }

  async removeLeaf(id: string): Promise<void> {
    this.dropLease(id);
    const a = this.leafMap.delete(id);
    const b = this.loadMap.delete(id);
    if (a || b) this.changed();
  }

  async putRange(r: RangeAssignment): Promise<void> {
    const prev = this.rangeMap.get(r.id);
    if (prev && r.epoch < prev.epoch) {
      throw new Error(`range ${r.id}: stale epoch ${r.epoch} (stored epoch is ${prev.epoch})`);
    }
    this.rangeMap.set(r.id, cloneRange(r));
    this.changed();
  }

  /** Removes a range (merges); the tiling invariant is the caller's. */
  async removeRange(id: string): Promise<void> {
    if (this.rangeMap.delete(id)) this.changed();
  }

  async updateRanges(ids: readonly string[], fn: (current: ReadonlyMap<string, RangeAssignment>) => RangeChange | undefined): Promise<RangeChange | undefined> {
    const current = new Map<string, RangeAssignment>();
    for (const id of ids) {
      const r = this.rangeMap.get(id);
      if (r) current.set(id, cloneRange(r));
    }
    const change = fn(current);
    if (!change) return undefined;
    checkRangeChange(ids, current, change);
    for (const id of change.remove ?? []) this.rangeMap.delete(id);
    for (const r of change.put) this.rangeMap.set(r.id, cloneRange(r));
    this.changed();
    return change;
  }

  async registerLeaf(l: LeafRecord, opts: RegisterOptions = {}): Promise<LeafRegistration> {
    const ttl = opts.ttlMs ?? DEFAULT_LEAF_TTL_MS;
    this.dropLease(l.id);
    const lease: MemoryLease = { token: {} };
    this.leases.set(l.id, lease);
    this.leafMap.set(l.id, { ...l });
    this.changed();
    const mine = (): boolean => this.leases.get(l.id) === lease;
    return {
      leafId: l.id,
      reportLoad: async (load) => {
        if (!mine()) return;
        this.loadMap.set(l.id, load);
        this.changed(false);
      },
      release: () => {
        if (!mine() || lease.timer) return;
        lease.timer = setTimeout(() => {
          if (mine()) void this.removeLeaf(l.id);
        }, ttl);
        lease.timer.unref();
      },
      revoke: async () => {
        if (mine()) await this.removeLeaf(l.id);
      },
    };
  }

  campaign(candidate: string): LeaderCampaign {
    const entry = { name: candidate, cbs: new Set<(leading: boolean) => void>() };
    this.candidates.push(entry);
    const leading = (): boolean => this.candidates[0] === entry;
    return {
      isLeader: leading,
      onChange: (cb) => {
        entry.cbs.add(cb);
        if (leading()) queueMicrotask(() => entry.cbs.has(cb) && cb(true));
        return () => entry.cbs.delete(cb);
      },
      resign: async () => {
        const i = this.candidates.indexOf(entry);
        if (i < 0) return;
        this.candidates.splice(i, 1);
        if (i === 0) {
          for (const cb of entry.cbs) cb(false);
          const next = this.candidates[0];
          if (next) for (const cb of next.cbs) cb(true);
        }
      },
    };
  }

  watch(cb: () => void): () => void {
    this.watchers.add(cb);
    return () => {
      this.watchers.delete(cb);
    };
  }

  async close(): Promise<void> {
    for (const id of [...this.leases.keys()]) this.dropLease(id);
    this.watchers.clear();
  }

  private dropLease(id: string): void {
    const lease = this.leases.get(id);
    if (lease?.timer) clearTimeout(lease.timer);
    this.leases.delete(id);
  }

  /** Coalesces a burst of changes into one notification on the next microtask. */
  private changed(assignment = true): void {
    if (assignment) this.revision++;
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const cb of [...this.watchers]) cb();
    });
  }
}

export function cloneRange(r: RangeAssignment): RangeAssignment {
  return {
    id: r.id,
    start: Uint8Array.from(r.start),
    end: Uint8Array.from(r.end),
    replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
    epoch: r.epoch,
  };
}
