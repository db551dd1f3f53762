/**
 * The acceptance suite of the AssignmentStore contract (src/shard/assignment-store.ts): every
 * implementation (in-memory now, etcd later) must pass it. Call it from a test file with a
 * factory that returns a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { encodeTuple } from '../src/model/index.js';
import { initialRanges, RangeTable, type AssignmentStore } from '../src/shard/index.js';

/** Resolves after the store's watchers have had a chance to run (stores notify asynchronously). */
async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export function assignmentStoreAcceptance(name: string, make: () => Promise<AssignmentStore & { close?(): Promise<void> }>, settleMs = 50): void {
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
        await s.close?.();
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
        await s.close?.();
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
        await s.close?.();
      }
    });
  });
}
