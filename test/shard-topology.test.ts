/**
 * The gateway's Topology over a store with leases: a leaf whose registration lapses stays
 * routable for a grace period while ranges still name it (a lease can lapse around an etcd outage
 * and be re-granted), is replaced at once when it registers again, and is dropped after the grace
 * period or at once when no range names it.
 */
import { describe, expect, it } from 'vitest';
import { Topology } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore } from '../src/shard/index.js';
import { silent, waitFor } from './helpers/etcd-cluster.js';

describe('Topology leaf grace', () => {
  it('keeps a lapsed leaf named by ranges routable for the grace period', async () => {
    const store = new MemoryAssignmentStore({ ranges: initialRanges(['a', 'b']) });
    const a = await store.registerLeaf({ id: 'a', address: '127.0.0.1:1' });
    await store.registerLeaf({ id: 'b', address: '127.0.0.1:2' });
    const c = await store.registerLeaf({ id: 'c', address: '127.0.0.1:3' }); // named by no range
    const topo = new Topology(store, undefined, silent, { leafGraceMs: 400 });
    try {
      await waitFor(() => topo.table.leaves().length === 3, 1_000, 'three leaves');
      await a.revoke();
      await c.revoke();
      await waitFor(() => topo.table.leaf('c') === undefined, 1_000, 'unnamed leaf dropped at once');
      expect(topo.table.leaf('a')?.address).toBe('127.0.0.1:1');
      expect(topo.client('a')).toBeDefined();
      // Registered again (new lease, new address): used at once.
      await store.registerLeaf({ id: 'a', address: '127.0.0.1:9' });
      await waitFor(() => topo.table.leaf('a')?.address === '127.0.0.1:9', 1_000, 're-registration');
      // Gone for good: dropped after the grace period, without any further store change.
      await store.removeLeaf('a');
      await new Promise((r) => setTimeout(r, 100));
      expect(topo.table.leaf('a')).toBeDefined();
      await waitFor(() => topo.table.leaf('a') === undefined, 2_000, 'grace expiry');
      expect(topo.table.leaves().map((l) => l.id)).toEqual(['b']);
    } finally {
      topo.close();
      await store.close();
    }
  });
});
