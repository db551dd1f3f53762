/**
 * The move protocol: one replica of a range goes from leaf `from` to leaf `to` without losing a
 * sample (re-replication is the same with a dead `from`, or no `from` to add a replica).
 *
 *  1. add `to` as `initializing` (epoch+1): gateways start sending it the range's writes at once,
 *     reads never use it;
 *  2. wait until every live gateway acknowledges the assignment revision of step 1 (the gateway
 *     barrier: gateways publish the revision they route with, src/router/topology.ts), and at
 *     least `propagationMs`; from then on every acknowledged write reaches `to` as well;
 *  3. `to` pulls the range's history from an available live replica (Leaf.Transfer: chunked,
 *     resumable) and merges it with what arrived live (dedupe by timestamp);
 *  4. `to` becomes `available`, and `from` becomes `leaving` (or is removed if dead) (epoch+1);
 *  5. after the same barrier (reads in flight on `from` finish, gateways prefer `to`), a catch-up
 *     pass copies `from`'s samples of the last `catchUpWindowMs` into `to` again (merging is
 *     idempotent), then `from` is removed (epoch+1); `from` notices it no longer holds the span
 *     and deletes the data (src/leaf/registration.ts).
 * Every step is an `updateRanges` transaction checked against the current state: if the range
 * changed shape or lost `to` meanwhile, the move stops (rolling step 1 back when possible).
 *
 * Known limit: the barrier gives up after `barrierTimeoutMs` (a gateway cut off from etcd cannot
 * acknowledge; its lease lapses after its TTL and it leaves the barrier). Such a gateway may
 * still route writes without `to`; they land on `from` only. The catch-up pass of step 5 copies
 * them if their timestamps are recent (real-time writes); older backfill written only through
 * such a gateway would be lost at step 5.
 */
import type { Logger } from 'pino';
import { compareKeys } from '../model/index.js';
import type { AssignmentStore, RangeAssignment, ReplicaAssignment } from '../shard/index.js';
import { pullRangeInto } from './transfer-client.js';

export interface MoverDeps {
  store: AssignmentStore;
  logger?: Logger;
  /** Minimum wait after a change before relying on it, ms (default 250; the gateway barrier is what guarantees it, this also covers gateways that do not register). */
  propagationMs?: number;
  /** Longest wait for every gateway to acknowledge a change, ms (default 15 s). */
  barrierTimeoutMs?: number;
  /** Catch-up pass window before removing the old replica, ms (default 5 min; 0 = none). */
  catchUpWindowMs?: number;
  /** Transfer chunk size, bytes (default: the leaf's, 256 KiB). */
  chunkBytes?: number;
  signal?: AbortSignal;
}

export interface MoveRequest {
  rangeId: string;
  /** The replica to replace (omitted: only add a replica). May be a dead leaf. */
  from?: string;
  to: string;
}

export interface MoveOutcome {
  rangeId: string;
  from?: string;
  to: string;
  source: string;
  samples: number;
  merged: number;
  /** Samples the catch-up pass added (written to the old replica only). */
  caughtUp: number;
  /** Barrier waits that timed out (some gateway did not acknowledge). */
  barrierTimeouts: number;
  seconds: number;
}

export class MoveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoveError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves true once every live gateway reported an assignment revision ≥ `rev`, false after
 * `timeoutMs`. Gateways registering later start from a fresh copy, which includes `rev`.
 */
export async function gatewayBarrier(store: AssignmentStore, rev: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (store.gateways().every((g) => g.seen >= rev)) return true;
    if (Date.now() >= deadline || signal?.aborted) return false;
    await sleep(10);
  }
}

export async function moveReplica(deps: MoverDeps, req: MoveRequest): Promise<MoveOutcome> {
  const { store } = deps;
  const started = performance.now();
  const propagation = deps.propagationMs ?? 250;
  const live = (): Map<string, string> => new Map(store.leaves().map((l) => [l.id, l.address]));
  if (req.from === req.to) throw new MoveError(`range ${req.rangeId}: from and to are the same leaf ${req.to}`);
  if (!live().has(req.to)) throw new MoveError(`leaf ${req.to} is not registered (or dead)`);

  // 1. Add `to` as initializing.
  let shape: { start: Uint8Array; end: Uint8Array } | undefined;
  await store.updateRanges([req.rangeId], (cur) => {
    const r = cur.get(req.rangeId);
    if (!r) throw new MoveError(`no range ${req.rangeId}`);
    shape = { start: r.start, end: r.end };
    if (req.from !== undefined && !r.replicas.some((x) => x.leafId === req.from)) throw new MoveError(`leaf ${req.from} holds no replica of ${req.rangeId}`);
    const existing = r.replicas.find((x) => x.leafId === req.to);
    if (existing && existing.state !== 'initializing') throw new MoveError(`leaf ${req.to} already holds ${req.rangeId} (${existing.state})`);
    if (existing) return undefined; // resuming an interrupted move
    return { put: [{ ...r, replicas: [...r.replicas, { leafId: req.to, state: 'initializing' }], epoch: r.epoch + 1 }] };
  });
  deps.logger?.info({ range: req.rangeId, from: req.from, to: req.to }, 'move: new replica initializing');

  const sameShape = (r: RangeAssignment): boolean => compareKeys(r.start, shape!.start) === 0 && compareKeys(r.end, shape!.end) === 0;
  const rollback = async (why: unknown): Promise<never> => {
    await store
      .updateRanges([req.rangeId], (cur) => {
        const r = cur.get(req.rangeId);
        if (!r || !r.replicas.some((x) => x.leafId === req.to && x.state === 'initializing')) return undefined;
        return { put: [{ ...r, replicas: r.replicas.filter((x) => x.leafId !== req.to), epoch: r.epoch + 1 }] };
      })
      .catch((e: unknown) => deps.logger?.warn({ err: (e as Error).message, range: req.rangeId }, 'move: rollback failed'));
    deps.logger?.warn({ range: req.rangeId, to: req.to, err: (why as Error).message }, 'move failed; rolled back');
    throw why;
  };

  let barrierTimeouts = 0;
  const barrier = async (what: string): Promise<void> => {
    const rev = store.assignmentRevision();
    const [ok] = await Promise.all([gatewayBarrier(store, rev, deps.barrierTimeoutMs ?? 15_000, deps.signal), sleep(propagation)]);
    if (!ok) {
      barrierTimeouts++;
      const late = store.gateways().filter((g) => g.seen < rev).map((g) => g.id);
      deps.logger?.warn({ range: req.rangeId, step: what, rev, gateways: late }, 'move: gateways did not acknowledge in time; continuing');
    }
  };

  let source = '';
  let res;
  try {
    // 2. Let every gateway see the initializing replica.
    await barrier('initializing');
    if (deps.signal?.aborted) throw new MoveError('move cancelled');
    // 3. Pull the history from an available, live replica (prefer `from`).
    const addrs = live();
    const r = store.ranges().find((x) => x.id === req.rangeId);
    if (!r || !sameShape(r)) throw new MoveError(`range ${req.rangeId} changed during the move`);
    const candidates = r.replicas.filter((x) => x.state === 'available' && x.leafId !== req.to && addrs.has(x.leafId));
    const src = candidates.find((x) => x.leafId === req.from) ?? candidates[0];
    if (!src) throw new MoveError(`range ${req.rangeId} has no available live replica to copy from`);
    source = src.leafId;
    res = await pullRangeInto({
      destAddress: addrs.get(req.to)!,
      sourceAddress: addrs.get(src.leafId)!,
      range: { id: r.id, start: r.start, end: r.end },
      ...(deps.chunkBytes ? { chunkBytes: deps.chunkBytes } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (e) {
    return rollback(e);
  }

  // 4. `to` available; `from` leaving (or removed when dead / absent).
  let fromLeaving = false;
  try {
    await store.updateRanges([req.rangeId], (cur) => {
      const r = cur.get(req.rangeId);
      if (!r || !sameShape(r)) throw new MoveError(`range ${req.rangeId} changed during the move`);
      if (!r.replicas.some((x) => x.leafId === req.to && x.state === 'initializing')) throw new MoveError(`range ${req.rangeId} no longer has ${req.to} initializing`);
      const alive = live();
      fromLeaving = req.from !== undefined && alive.has(req.from);
      const replicas: ReplicaAssignment[] = [];
      for (const x of r.replicas) {
        if (x.leafId === req.to) replicas.push({ leafId: x.leafId, state: 'available' });
        else if (x.leafId === req.from) {
          if (fromLeaving) replicas.push({ leafId: x.leafId, state: 'leaving' });
        } else replicas.push(x);
      }
      return { put: [{ ...r, replicas, epoch: r.epoch + 1 }] };
    });
  } catch (e) {
    return rollback(e);
  }

  // 5. Catch up, then remove the leaving replica once reads have moved off it.
  let caughtUp = 0;
  if (fromLeaving) {
    await barrier('leaving');
    const window = deps.catchUpWindowMs ?? 300_000;
    const addrs = live();
    if (window > 0 && addrs.has(req.from!) && addrs.has(req.to)) {
      try {
        const c = await pullRangeInto({
          destAddress: addrs.get(req.to)!,
          sourceAddress: addrs.get(req.from!)!,
          range: { id: req.rangeId, ...shape! },
          minTimeMs: Date.now() - window,
          ...(deps.chunkBytes ? { chunkBytes: deps.chunkBytes } : {}),
        });
        caughtUp = c.merged;
        if (caughtUp > 0) deps.logger?.warn({ range: req.rangeId, from: req.from, to: req.to, samples: caughtUp }, 'move: catch-up copied samples only the old replica had (a gateway saw the move late)');
      } catch (e) {
        // Keep the old replica (leaving, still written and readable as a fallback): retry later.
        throw new MoveError(`range ${req.rangeId}: catch-up from ${req.from} failed, old replica kept as leaving: ${(e as Error).message}`);
      }
    }
    await store.updateRanges([req.rangeId], (cur) => {
      const r = cur.get(req.rangeId);
      if (!r || !r.replicas.some((x) => x.leafId === req.from && x.state === 'leaving')) return undefined;
      return { put: [{ ...r, replicas: r.replicas.filter((x) => x.leafId !== req.from), epoch: r.epoch + 1 }] };
    });
  }
  const seconds = (performance.now() - started) / 1000;
  deps.logger?.info({ range: req.rangeId, from: req.from, to: req.to, source, samples: res.samples, merged: res.merged, seconds }, 'move done');
  return { rangeId: req.rangeId, ...(req.from !== undefined ? { from: req.from } : {}), to: req.to, source, samples: res.samples, merged: res.merged, caughtUp, barrierTimeouts, seconds };
}
