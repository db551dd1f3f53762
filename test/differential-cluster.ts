/**
 * The distributed side of the differential tests: 4 real leaves + a gateway on loopback, the
 * tenant's key space cut into many ranges (splits inside jobs, between instances), data written
 * through the gateway's Write service; and the single-node reference: the same engine over a
 * MemoryQuerier holding the union of the data.
 */
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { DEFAULT_TENANT, encodeTuple, MemoryQuerier, type Series } from '../src/model/index.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore, type RangeAssignment } from '../src/shard/index.js';
import { silent, TestClient } from './gateway-harness.js';
import { INSTANCES, JOBS } from './differential-gen.js';

export interface DiffCluster {
  leaves: LeafHandle[];
  ranges: RangeAssignment[];
  gateway: GatewayHandle;
  client: TestClient;
  reference: MemoryQuerier;
  stop(): Promise<void>;
}

/** Split keys: before each job, and inside every other job between instances. */
export function diffSplitKeys(): Uint8Array[] {
  const keys: Uint8Array[] = [];
  JOBS.forEach((job, i) => {
    keys.push(encodeTuple([DEFAULT_TENANT, job]));
    if (i % 2 === 0) keys.push(encodeTuple([DEFAULT_TENANT, job, INSTANCES[2]!]));
    if (i % 3 === 0) keys.push(encodeTuple([DEFAULT_TENANT, job, INSTANCES[4]!]));
  });
  return keys;
}

export async function startDiffCluster(data: readonly Series[], nLeaves = 4): Promise<DiffCluster> {
  const leaves: LeafHandle[] = [];
  for (let i = 0; i < nLeaves; i++) leaves.push(await startLeaf({ id: `leaf-${i}`, listen: '127.0.0.1:0', logger: silent }));
  const ranges = initialRanges(
    leaves.map((l) => l.id),
    { splitKeys: diffSplitKeys() },
  );
  for (const leaf of leaves) {
    leaf.setRanges(ranges.filter((r) => r.replicas.some((x) => x.leafId === leaf.id)).map((r) => ({ id: r.id, start: r.start, end: r.end })));
  }
  const store = new MemoryAssignmentStore({ leaves: leaves.map((l) => ({ id: l.id, address: l.address })), ranges });
  const gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent });
  const client = new TestClient(gateway.address);
  for (let i = 0; i < data.length; i += 50) {
    const res = await client.write(DEFAULT_TENANT, data.slice(i, i + 50).map((s) => ({ labels: s.labels, t: Array.from(s.t), v: Array.from(s.v) })));
    if (Number(res.rejectedSamples) > 0) throw new Error(`write rejected ${res.rejectedSamples} samples`);
  }
  return {
    leaves,
    ranges,
    gateway,
    client,
    reference: new MemoryQuerier(data),
    async stop() {
      client.close();
      await gateway.stop();
      await Promise.all(leaves.map((l) => l.stop()));
    },
  };
}
