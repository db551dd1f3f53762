/**
 * The move protocol and a split under continuous writes, on the in-memory store (the same
 * scenario runs against a real etcd in etcd-control-plane.test.ts): every acknowledged sample is
 * present exactly once on every available replica, the old replica deletes its data, and the
 * gateway's full count equals the acknowledged samples.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Balancer } from '../src/balancer/index.js';
import { MemoryAssignmentStore } from '../src/shard/index.js';
import { silent, startCpCluster, waitFor, type CpCluster } from './helpers/etcd-cluster.js';
import { moveAndSplitUnderWrites } from './helpers/etcd-scenarios.js';

let cluster: CpCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('move and split under writes (memory store)', () => {
  it('loses and duplicates nothing', async () => {
    const shared = new MemoryAssignmentStore();
    cluster = await startCpCluster({ makeStore: async () => shared, shared: true, leaves: 3 });
    await moveAndSplitUnderWrites(cluster);
  });
});

describe('move catch-up', () => {
  it('copies real-time samples a stale gateway wrote only to the old replica', async () => {
    const shared = new MemoryAssignmentStore();
    const c = (cluster = await startCpCluster({ makeStore: async () => shared, shared: true, leaves: 3 }));
    // A second gateway whose assignment never learns of the move (cut off from the control plane).
    const { startGateway } = await import('../src/router/index.js');
    const { GatewayClient } = await import('../src/cli/index.js');
    const stale = new MemoryAssignmentStore({ leaves: c.store.leaves(), ranges: c.store.ranges() });
    const gw2 = await startGateway({ listen: '127.0.0.1:0', assignment: stale, logger: silent });
    const client2 = new GatewayClient(gw2.address);
    try {
      const r0 = c.store.ranges()[0]!;
      const from = r0.replicas[0]!.leafId;
      const to = [...c.leaves.keys()].find((id) => id !== from)!;
      const labels = [{ name: '__name__', value: 'stale_w' }, { name: 'job', value: 'alpha' }];
      const balancer = new Balancer({ store: c.store, logger: silent, propagationMs: 600 });
      const moving = balancer.move(r0.id, from, to);
      // After the history copy (step 4 committed: `to` available, `from` leaving) and before the
      // catch-up pass, the stale gateway writes to `from` only.
      await waitFor(() => c.store.ranges()[0]!.replicas.some((x) => x.leafId === to && x.state === 'available'), 10_000, 'step 4');
      const now = Date.now();
      const t = Array.from({ length: 50 }, (_, i) => now - 50_000 + i * 1000);
      const res = await client2.write('', [{ labels, t, v: t.map((_, i) => i) }]);
      expect(res.acceptedSamples).toBe(50);
      const out = await moving;
      expect(out.caughtUp).toBe(50);
      const got = await c.leaves.get(to)!.handle.store.querier('default').select(labels.map((l) => ({ type: '=' as const, ...l })), { start: -Infinity, end: Infinity });
      expect([...got[0]!.t]).toEqual(t);
    } finally {
      client2.close();
      await gw2.stop();
    }
  });
});

describe('move gateway barrier', () => {
  it('waits for a gateway that does not acknowledge, up to the timeout, then goes on', async () => {
    const shared = new MemoryAssignmentStore();
    const c = (cluster = await startCpCluster({ makeStore: async () => shared, shared: true, leaves: 2 }));
    await shared.registerGateway('cut-off'); // registered, never reports
    const r0 = c.store.ranges()[0]!;
    const from = r0.replicas[0]!.leafId;
    const to = [...c.leaves.keys()].find((id) => id !== from)!;
    const started = Date.now();
    const out = await new Balancer({ store: c.store, logger: silent, propagationMs: 50, barrierTimeoutMs: 400 }).move(r0.id, from, to);
    expect(out.barrierTimeouts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(c.store.ranges()[0]!.replicas).toEqual([{ leafId: to, state: 'available' }]);
  });
});
