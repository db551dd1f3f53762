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
}

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
}
