/**
 * The control plane against a real etcd (started on free loopback ports with a temp data dir,
 * stopped by PID): watches and resync, lease expiry → dead leaf → re-replication, a move and a
 * split under continuous writes, an etcd outage while writes and queries continue on the cached
 * assignment, and a gateway restart that rebuilds everything from etcd and the leaves. Each case
 * uses its own key prefix.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Balancer } from '../src/balancer/index.js';
import { encodeTuple } from '../src/model/index.js';
import { EtcdAssignmentStore, RangeTable } from '../src/shard/index.js';
import { AckedWriter, checkExactlyOnce, silent, startCpCluster, STEP_MS, T0, testSeries, waitFor, type CpCluster } from './helpers/etcd-cluster.js';
import { startEtcd, type EtcdHandle } from './helpers/etcd.js';
import { gatewayCount, moveAndSplitUnderWrites } from './helpers/etcd-scenarios.js';

let etcd: EtcdHandle;
let prefixNo = 0;
let cluster: CpCluster | undefined;
const opened: EtcdAssignmentStore[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
});
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  for (const s of opened.splice(0)) await s.close();
});
afterAll(async () => {
  await etcd?.close();
});

function connector(): () => Promise<EtcdAssignmentStore> {
  const prefix = `/cp${prefixNo++}/canopy/v1/`;
  return () => EtcdAssignmentStore.connect({ endpoints: etcd.url, prefix, logger: silent, resyncEveryMs: 0 });
}

describe('etcd control plane', () => {
  it('watches deliver changes; after an etcd restart the copy is kept, then resynced', async () => {
    const make = connector();
    const a = await make();
    const b = await make();
    opened.push(a, b);
    await a.putLeaf({ id: 'l1', address: '127.0.0.1:1' });
    await waitFor(() => b.leaves().length === 1, 3_000, 'watch delivers the put');
    const resyncs = b.resyncs;
    await etcd.stop();
    await waitFor(() => !b.connected, 10_000, 'watch notices the outage');
    expect(b.leaves().map((l) => l.id)).toEqual(['l1']); // serving the last copy
    await etcd.restart();
    await waitFor(() => b.resyncs > resyncs, 15_000, 'resync after reconnect');
    expect(b.connected).toBe(true);
    await a.putLeaf({ id: 'l2', address: '127.0.0.1:2' });
    await a.removeLeaf('l1');
    await waitFor(() => b.leaves().map((l) => l.id).join() === 'l2', 5_000, 'watch delivers after reconnect');
  });

  it('moves and splits under continuous writes without losing or duplicating a sample', async () => {
    cluster = await startCpCluster({ makeStore: connector(), leaves: 3 });
    await moveAndSplitUnderWrites(cluster);
  });

  it('a leaf whose lease expires is dead and its ranges are re-replicated', async () => {
    const c = (cluster = await startCpCluster({ makeStore: connector(), leaves: 3, replicationFactor: 2, ttlMs: 2_000 }));
    const w = new AckedWriter(testSeries(12, 2), () => c.client);
    for (let i = 0; i < 3; i++) await w.round(400);
    expect(w.failures).toBe(0);
    const before = c.store.ranges();
    expect(before.filter((r) => r.replicas.some((x) => x.leafId === 'leaf-3')).length).toBe(2);

    const balancer = new Balancer({ store: c.store, logger: silent, intervalMs: 200, deadAfterMs: 300, propagationMs: 300, rebalance: false, maxConcurrentMoves: 2, candidate: 'test' });
    balancer.start();
    try {
      const crashedAt = Date.now();
      await c.crashLeaf('leaf-3');
      await waitFor(() => !c.store.leaves().some((l) => l.id === 'leaf-3'), 10_000, 'lease expiry');
      expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(1_000); // expired by TTL, not revoked
      await waitFor(
        () => c.store.ranges().every((r) => r.replicas.length === 2 && r.replicas.every((x) => x.state === 'available' && x.leafId !== 'leaf-3')),
        15_000,
        're-replication',
      );
    } finally {
      await balancer.stop();
    }
    c.leaves.delete('leaf-3');
    const res = await checkExactlyOnce(c, w);
    expect(res).toEqual({ checked: w.total * 2, lost: 0, duplicated: 0 });
    expect(await gatewayCount(c, w)).toBe(w.total);
    // Writes are acknowledged again by both replicas of every range.
    await w.round(10);
    expect(w.failures).toBe(0);
  });

  it('keeps writing and querying on the cached assignment while etcd is down, then resyncs', async () => {
    const c = (cluster = await startCpCluster({ makeStore: connector(), leaves: 3, ttlMs: 2_000 }));
    const w = new AckedWriter(testSeries(12, 2), () => c.client);
    await w.round(200);
    // 8 s of outage, not 30: it is four times the leases' TTL and longer than the etcd client's
    // call timeout and host breaker, so every failure path (watch disconnect, keepalive failures,
    // lease loss and re-registration, calls refused) is exercised; 30 s would only add waiting.
    const OUTAGE_MS = 8_000;
    let done = false;
    let queries = 0;
    let queryFailures = 0;
    const querying = (async () => {
      for (let i = 0; i < 10_000 && !done; i++) {
        try {
          const last = T0 + (w.next - 1) * STEP_MS;
          const q = await c.client.instant({ query: 'count(cp_test)', timeMs: last });
          if (q.vector[0]?.value !== 24) queryFailures++;
          queries++;
        } catch {
          queryFailures++;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const writing = w.loop(100_000, 20, () => done);
    const resyncs = (c.store as EtcdAssignmentStore).resyncs;
    await etcd.stop();
    const stoppedAt = Date.now();
    const atStop = { rounds: w.next, queries };
    await waitFor(() => !(c.store as EtcdAssignmentStore).connected, 10_000, 'gateway store notices');
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    const during = { rounds: w.next - atStop.rounds, queries: queries - atStop.queries };
    await etcd.restart();
    await waitFor(() => (c.store as EtcdAssignmentStore).resyncs > resyncs, 20_000, 'gateway resync');
    await waitFor(() => c.store.leaves().length === 3, 10_000, 'leaves registered after the outage');
    done = true;
    await Promise.all([writing, querying]);
    // Writes and queries went on during the outage (counts are low bounds: the machine may be
    // busy), and none failed, before, during or after.
    expect(during.rounds).toBeGreaterThan(10);
    expect(during.queries).toBeGreaterThan(5);
    expect(w.failures).toBe(0);
    expect(queryFailures).toBe(0);
    // The control plane works again: a split is committed and seen by the gateway.
    const r = c.store.ranges()[1]!;
    const ops = new Balancer({ store: c.store, logger: silent });
    await ops.split(r.id, encodeTuple(['default', 'q']));
    await waitFor(() => c.store.ranges().length === 4, 5_000, 'split visible');
    expect(await checkExactlyOnce(c, w)).toEqual({ checked: w.total, lost: 0, duplicated: 0 });
    expect(await gatewayCount(c, w)).toBe(w.total);
  });

  it('a restarted gateway rebuilds everything from etcd and the leaves', async () => {
    const c = (cluster = await startCpCluster({ makeStore: connector(), leaves: 3, replicationFactor: 2 }));
    const w = new AckedWriter(testSeries(12, 2), () => c.client);
    for (let i = 0; i < 3; i++) await w.round(300);
    await new Balancer({ store: c.store, logger: silent }).split(c.store.ranges()[2]!.id, encodeTuple(['default', 'x']));
    const before = (await c.client.ranges()).ranges.map((r) => ({ id: r.id, start: r.startText, end: r.endText, replicas: r.replicas, epoch: r.epoch }));
    expect(before.length).toBe(4);
    await c.restartGateway();
    const after = (await c.client.ranges()).ranges.map((r) => ({ id: r.id, start: r.startText, end: r.endText, replicas: r.replicas, epoch: r.epoch }));
    expect(after).toEqual(before);
    expect(new RangeTable(c.store.ranges()).validate()).toEqual([]);
    expect((await c.client.leaves()).leaves.map((l) => `${l.id}:${l.state}`)).toEqual(['leaf-1:up', 'leaf-2:up', 'leaf-3:up']);
    expect(await gatewayCount(c, w)).toBe(w.total);
    await w.round(10);
    expect(w.failures).toBe(0);
    expect(await checkExactlyOnce(c, w)).toEqual({ checked: w.total * 2, lost: 0, duplicated: 0 });
  });
});
