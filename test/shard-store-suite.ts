/**
 * The acceptance suite of the AssignmentStore contract (src/shard/assignment-store.ts): every
 * implementation (in-memory now, etcd later) must pass it. Call it from a test file with a
 * factory that returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { encodeTuple } from '../src/model/index.js';
import { initialRanges, RangeTable, type AssignmentStore, type LeafLoad } from '../src/shard/index.js';

/** Resolves after the store's watchers have had a chance to run (stores notify asynchronously). */
async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` until true or `ms` elapse. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await settle(20);
  }
  return cond();
}

export function assignmentStoreAcceptance(name: string, make: () => Promise<AssignmentStore>, settleMs = 50): void {
  describe(`AssignmentStore acceptance: ${name}`, () => {
    it('stores, replaces and removes leaves', async () => {
      const s = await make();
      try {
        await s.putLeaf({ id: 'b', address: '127.0.0.1:2' });
        await s.putLeaf({ id: 'a', address: '127.0.0.1:1', zone: 'z1' });
        await s.putLeaf({ id: 'b', address: '127.0.0.1:3' });
        await settle(settleMs);
        const leaves = s.leaves().sort((x, y) => (x.id < y.id ? -1 : 1));
        expect(leaves).toEqual([
          { id: 'a', address: '127.0.0.1:1', zone: 'z1' },
          { id: 'b', address: '127.0.0.1:3' },
        ]);
        await s.removeLeaf('a');
        await s.removeLeaf('nope');
        await settle(settleMs);
        expect(s.leaves().map((l) => l.id)).toEqual(['b']);
      } finally {
        await s.close();
      }
    });

    it('stores ranges sorted by start, byte-exact keys, and keeps the tiling', async () => {
      const s = await make();
      try {
        const ranges = initialRanges(['x', 'y', 'z'], { replicationFactor: 2, splitKeys: [encodeTuple(['default', 'm\u0000\u00ff']), encodeTuple(['default', 'c'])] });
        for (const r of [...ranges].reverse()) await s.putRange(r);
        await settle(settleMs);
        const got = s.ranges();
        expect(got.map((r) => r.id)).toEqual(['r0', 'r1', 'r2']);
        expect(got.map((r) => Buffer.from(r.end).toString('hex'))).toEqual(ranges.map((r) => Buffer.from(r.end).toString('hex')));
        expect(got[1]!.replicas).toEqual(ranges[1]!.replicas);
        expect(new RangeTable(got).validate()).toEqual([]);
      } finally {
        await s.close();
      }
    });

    it('bumps epochs forward only and notifies watchers until unsubscribed', async () => {
      const s = await make();
      try {
        let calls = 0;
        const stop = s.watch(() => calls++);
        const [r0] = initialRanges(['x']);
        await s.putRange(r0!);
        await settle(settleMs);
        expect(calls).toBeGreaterThanOrEqual(1);
        await s.putRange({ ...r0!, epoch: 2, replicas: [{ leafId: 'x', state: 'available' }, { leafId: 'y', state: 'initializing' }] });
        await expect(s.putRange({ ...r0!, epoch: 1 })).rejects.toThrow(/stale epoch/);
        await settle(settleMs);
        expect(s.ranges()[0]!.epoch).toBe(2);
        expect(s.ranges()[0]!.replicas.map((x) => x.state)).toEqual(['available', 'initializing']);
        const before = calls;
        stop();
        await s.putLeaf({ id: 'q', address: '127.0.0.1:9' });
        await settle(settleMs);
        expect(calls).toBe(before);
      } finally {
        await s.close();
      }
    });

    it('registers leaves under a lease: load reports, clean revoke, expiry after release', async () => {
      const s = await make();
      try {
        const a = await s.registerLeaf({ id: 'la', address: '127.0.0.1:11', capacity: 2 }, { ttlMs: 2_000 });
        const b = await s.registerLeaf({ id: 'lb', address: '127.0.0.1:12' }, { ttlMs: 2_000 });
        const load: LeafLoad = { leafId: 'la', at: 1, series: 10, samples: 100, bytes: 1000, writeRate: 5, ranges: [{ rangeId: 'r0', series: 10, samples: 100, bytes: 1000, writeRate: 5, keySamples: ['00ff'] }] };
        await a.reportLoad(load);
        expect(await until(() => s.leaves().length === 2 && s.loads().length === 1, 2_000)).toBe(true);
        expect(s.leaves().find((l) => l.id === 'la')).toEqual({ id: 'la', address: '127.0.0.1:11', capacity: 2 });
        expect(s.loads()[0]).toEqual(load);
        await b.revoke();
        expect(await until(() => s.leaves().map((l) => l.id).join() === 'la', 2_000)).toBe(true);
        // A released lease is no longer kept alive: the leaf and its load expire after the TTL.
        const t0 = Date.now();
        a.release();
        await settle(500);
        expect(s.leaves().map((l) => l.id)).toEqual(['la']);
        expect(await until(() => s.leaves().length === 0 && s.loads().length === 0, 8_000)).toBe(true);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
      } finally {
        await s.close();
      }
    });

    it('updateRanges: atomic multi-range change from current values, epochs must grow', async () => {
      const s = await make();
      try {
        const [r0] = initialRanges(['x']);
        // Create-if-absent (a bootstrap): the second attempt sees r0 and does nothing.
        expect(await s.updateRanges(['r0'], (cur) => (cur.size ? undefined : { put: [r0!] }))).toBeDefined();
        expect(await s.updateRanges(['r0'], (cur) => (cur.size ? undefined : { put: [r0!] }))).toBeUndefined();
        // A split: r0 shrinks, r1 appears, in one change.
        const mid = encodeTuple(['default', 'm']);
        await s.updateRanges(['r0', 'r1'], (cur) => {
          const c = cur.get('r0')!;
          expect(cur.has('r1')).toBe(false);
          return { put: [{ ...c, end: mid, epoch: c.epoch + 1 }, { ...c, id: 'r1', start: mid, epoch: 1 }] };
        });
        await settle(settleMs);
        expect(s.ranges().map((r) => `${r.id}@${r.epoch}`)).toEqual(['r0@2', 'r1@1']);
        expect(new RangeTable(s.ranges()).validate()).toEqual([]);
        // Not bumping the epoch is refused; touching an unread range is refused.
        await expect(s.updateRanges(['r0'], (cur) => ({ put: [cur.get('r0')!] }))).rejects.toThrow(/stale epoch/);
        await expect(s.updateRanges(['r0'], (cur) => ({ put: [{ ...cur.get('r0')!, id: 'r9', epoch: 5 }] }))).rejects.toThrow(/did not read/);
        // Removal.
        await s.updateRanges(['r0', 'r1'], (cur) => ({ put: [{ ...cur.get('r0')!, end: new Uint8Array(), epoch: 3 }], remove: ['r1'] }));
        await settle(settleMs);
        expect(s.ranges().map((r) => `${r.id}@${r.epoch}`)).toEqual(['r0@3']);
        // Concurrent read-modify-write cycles all land (each retried on conflict): 5 bumps.
        await Promise.all([1, 2, 3, 4, 5].map(() => s.updateRanges(['r0'], (cur) => ({ put: [{ ...cur.get('r0')!, epoch: cur.get('r0')!.epoch + 1 }] }))));
        await settle(settleMs);
        expect(s.ranges()[0]!.epoch).toBe(8);
      } finally {
        await s.close();
      }
    });

    it('elects one balancer leader and hands over on resign', async () => {
      const s = await make();
      try {
        const a = s.campaign('a');
        expect(await until(() => a.isLeader(), 5_000)).toBe(true);
        const b = s.campaign('b');
        let bLeads = false;
        b.onChange((v) => (bLeads = v));
        await settle(300);
        expect(b.isLeader()).toBe(false);
        await a.resign();
        expect(await until(() => bLeads && b.isLeader(), 5_000)).toBe(true);
        expect(a.isLeader()).toBe(false);
        await b.resign();
      } finally {
        await s.close();
      }
    });

    it('gateways acknowledge assignment revisions that grow with every change', async () => {
      const s = await make();
      try {
        const g = await s.registerGateway('g1', { ttlMs: 2_000 });
        await until(() => s.gateways().length === 1, 2_000);
        expect(s.gateways()).toEqual([{ id: 'g1', seen: 0 }]);
        const before = s.assignmentRevision();
        const [r0] = initialRanges(['x']);
        await s.updateRanges(['r0'], () => ({ put: [r0!] }));
        const rev = s.assignmentRevision();
        expect(rev).toBeGreaterThan(before);
        await s.putLeaf({ id: 'x', address: '127.0.0.1:1' });
        expect(s.assignmentRevision()).toBeGreaterThan(rev);
        await g.reportSeen(rev);
        expect(await until(() => s.gateways()[0]?.seen === rev, 2_000)).toBe(true);
        await g.reportSeen(rev - 1); // never goes back
        await settle(settleMs);
        expect(s.gateways()[0]!.seen).toBe(rev);
        await g.revoke();
        expect(await until(() => s.gateways().length === 0, 2_000)).toBe(true);
      } finally {
        await s.close();
      }
    });
  });
}
