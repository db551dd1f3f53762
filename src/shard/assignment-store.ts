/**
 * The range-assignment contract: which leaves exist and which leaves hold which key ranges.
 *
 * Two implementations sit behind this one interface: `MemoryAssignmentStore` (embedded mode,
 * tests) and an etcd-backed store (production; keys `leaves/<id>` and `ranges/<id>` under
 * `/canopy/v1/`). Gateways read a consistent local copy synchronously (`leaves()`, `ranges()`)
 * and rebuild their routing table when `watch` fires; they keep serving from the last copy if
 * the backing store becomes unreachable.
 *
 * Invariants the readers rely on (writers — the CLI, the balancer — must keep them):
 *  - The ranges of a store tile the whole key space: sorted by `start`, the first starts at the
 *    empty key (−∞), each `end` is the next range's `start`, and the last `end` is empty (+∞).
 *    No gaps, no overlaps. So every key of every tenant maps to exactly one range.
 *  - Keys are target keys (src/model/target-key.ts): tuple-encoded (tenant, target label values…),
 *    compared bytewise.
 *  - A range's `epoch` only grows; every change to a range (replicas, bounds) bumps it. Readers may
 *    use it to detect stale plans.
 *  - Replica states: `initializing` replicas are being filled by a move — they receive writes but
 *    are never read; `available` replicas serve reads and writes; `leaving` replicas still hold all
 *    data (read only as a fallback, still written) until they are removed.
 *
 * The store is tenant-independent: one store per cluster.
 *
 * Membership and load (the control plane): a leaf daemon registers itself with `registerLeaf`,
 * under a lease (etcd) or a TTL (in memory) that its registration keeps alive; a leaf whose lease
 * expires disappears from `leaves()` — it is dead. Through its registration it reports load
 * (`LeafLoad`), readable by everyone with `loads()`. Leaves registered with `putLeaf` (static
 * configuration) never expire.
 *
 * Changes to ranges go through `updateRanges`: the change is computed from the *current* stored
 * values (read fresh from the backing store, not from the local copy) and committed only if none
 * of those values changed meanwhile (etcd: a transaction comparing mod revisions); on a conflict
 * it re-reads and recomputes, a bounded number of times. So concurrent writers (two balancers,
 * an operator's `canopy move`) never overwrite each other's work.
 */
import type { Key } from '../model/index.js';

export type ReplicaState = 'initializing' | 'available' | 'leaving';

export const REPLICA_STATES: readonly ReplicaState[] = ['initializing', 'available', 'leaving'];

/** A leaf daemon as registered in the store. */
export interface LeafRecord {
  readonly id: string;
  /** host:port of its gRPC server. */
  readonly address: string;
  /** Location label (e.g. availability zone); optional. */
  readonly zone?: string;
  /** Relative capacity (default 1): a leaf with capacity 2 is given twice the load. */
  readonly capacity?: number;
}

/** Load of one range on one leaf, as the leaf reports it. */
export interface RangeLoad {
  readonly rangeId: string;
  readonly series: number;
  readonly samples: number;
  /** Approximate bytes held. */
  readonly bytes: number;
  /** Appended samples per second over the last report interval. */
  readonly writeRate: number;
  /**
   * A sample of the target keys held in the range (hex, sorted), evenly spread over its series:
   * metadata the balancer picks split keys from. Never sample data.
   */
  readonly keySamples?: readonly string[];
}

/** A leaf's load report (`load/<leaf>`). */
export interface LeafLoad {
  readonly leafId: string;
  /** ms since epoch of the report. */
  readonly at: number;
  readonly series: number;
  readonly samples: number;
  readonly bytes: number;
  /** Samples per second, all ranges. */
  readonly writeRate: number;
  readonly ranges: readonly RangeLoad[];
}

/** An atomic change of the range assignment: ranges created or replaced, and ranges removed. */
export interface RangeChange {
  readonly put: readonly RangeAssignment[];
  readonly remove?: readonly string[];
}

/** A leaf's live registration (lease). */
export interface LeafRegistration {
  readonly leafId: string;
  /** Publishes a load report (held under the same lease: it vanishes with the leaf). */
  reportLoad(load: LeafLoad): Promise<void>;
  /** Stops keeping the lease alive: the leaf expires after its TTL (a simulated crash). */
  release(): void;
  /** Ends the registration now (clean shutdown): the leaf disappears at once. */
  revoke(): Promise<void>;
}

export interface RegisterOptions {
  /** Lease TTL, ms (default 10 s; etcd's minimum is about 1.5 s, rounded up to whole seconds). */
  ttlMs?: number;
}

/** A gateway's acknowledgement of the assignment it routes with (`gateways/<id>`). */
export interface GatewayRecord {
  readonly id: string;
  /** The `assignmentRevision()` of the gateway's copy when it last rebuilt its routing table. */
  readonly seen: number;
}

/** A gateway's live registration (lease). */
export interface GatewayRegistration {
  /** Publishes the assignment revision the gateway now routes with. */
  reportSeen(revision: number): Promise<void>;
  revoke(): Promise<void>;
}

/** One candidate in the balancer leader election. */
export interface LeaderCampaign {
  isLeader(): boolean;
  /** Called with true when this candidate is elected, false when it loses leadership. */
  onChange(cb: (leading: boolean) => void): () => void;
  /** Leaves the election (and the leadership, if held). */
  resign(): Promise<void>;
}

/** A committed change lost to a concurrent writer too many times, or a refused change. */
export class AssignmentConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssignmentConflictError';
  }
}

/** Default lease TTL of a leaf registration, ms. */
export const DEFAULT_LEAF_TTL_MS = 10_000;

export interface ReplicaAssignment {
  readonly leafId: string;
  readonly state: ReplicaState;
}

/** A half-open range [start, end) of target keys and the leaves holding it. */
export interface RangeAssignment {
  /** Stable id (e.g. `r0`), used in health issues, Explain and leaf requests. */
  readonly id: string;
  readonly start: Key;
  /** Exclusive end; empty = +∞. */
  readonly end: Key;
  /** Replica set, in preference order (the first available replica is the primary for reads). */
  readonly replicas: readonly ReplicaAssignment[];
  readonly epoch: number;
}

export interface AssignmentStore {
  /** Registered leaves (a snapshot; callers must not mutate it). */
  leaves(): LeafRecord[];
  /** All ranges, sorted by start (a snapshot; callers must not mutate it). */
  ranges(): RangeAssignment[];
  /** Registers or updates a leaf. */
  putLeaf(l: LeafRecord): Promise<void>;
  /** Unregisters a leaf. Its replicas stay in the ranges until the balancer moves them. */
  removeLeaf(id: string): Promise<void>;
  /** Creates or replaces the range with this id. A stale epoch (lower than stored) is refused. */
  putRange(r: RangeAssignment): Promise<void>;
  /**
   * Calls `cb` after every change (asynchronously, possibly coalesced); returns an unsubscribe
   * function. `cb` should re-read `leaves()`/`ranges()`.
   */
  watch(cb: () => void): () => void;

  /** The latest load report of each live registered leaf (a snapshot). */
  loads(): LeafLoad[];
  /** Registers a leaf under a lease kept alive until `release`/`revoke` (see the file comment). */
  registerLeaf(l: LeafRecord, opts?: RegisterOptions): Promise<LeafRegistration>;
  /**
   * Atomically applies `fn(current)` to the ranges `ids` (current = the stored ranges among
   * `ids`, fresh from the backing store). `fn` returns the change (only ranges among `ids` may be
   * put or removed) or undefined for none; it may throw to abort. Every put of an existing range
   * must bump its epoch. Returns the committed change. Throws AssignmentConflictError when
   * concurrent writers win every retry.
   */
  updateRanges(ids: readonly string[], fn: (current: ReadonlyMap<string, RangeAssignment>) => RangeChange | undefined): Promise<RangeChange | undefined>;
  /**
   * Revision of the assignment (leaves and ranges, not load reports) in the local copy: it grows
   * with every change this copy has seen. After a committed `updateRanges`, the committing copy's
   * revision includes the change; a gateway whose reported `seen` is at least that revision
   * routes with it (the move protocol's barrier).
   */
  assignmentRevision(): number;
  /** Live gateways and the assignment revision each last reported. */
  gateways(): GatewayRecord[];
  /** Registers a gateway under a lease (see GatewayRecord). */
  registerGateway(id: string, opts?: RegisterOptions): Promise<GatewayRegistration>;
  /** Joins the balancer leader election as `candidate`. */
  campaign(candidate: string): LeaderCampaign;
  /** Releases connections, watches and timers (registrations are revoked). */
  close(): Promise<void>;
}

/** Checks a change against the ids it may touch and the epochs it must bump. */
export function checkRangeChange(ids: readonly string[], current: ReadonlyMap<string, RangeAssignment>, change: RangeChange): void {
  const allowed = new Set(ids);
  for (const r of change.put) {
    if (!allowed.has(r.id)) throw new AssignmentConflictError(`range change touches ${r.id}, which it did not read`);
    const prev = current.get(r.id);
    if (prev && r.epoch <= prev.epoch) throw new AssignmentConflictError(`range ${r.id}: stale epoch ${r.epoch} (stored epoch is ${prev.epoch})`);
  }
  for (const id of change.remove ?? []) if (!allowed.has(id)) throw new AssignmentConflictError(`range change removes ${id}, which it did not read`);
}
