/**
 * The move protocol and a split under continuous writes, on the in-memory store (the same
 * scenario runs against a real etcd in etcd-control-plane.test.ts): every acknowledged sample is
 * present exactly once on every available replica, the old replica deletes its data, and the
 * gateway's full count equals the acknowledged samples.
 */
import { afterEach, describe, it } from 'vitest';
import { MemoryAssignmentStore } from '../src/shard/index.js';
import { startCpCluster, type CpCluster } from './helpers/etcd-cluster.js';
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
