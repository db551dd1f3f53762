/**
 * Replica time coverage in the gateway's read order: a replica whose history starts later than
 * its peer's (here: the old samples were written to one replica only, as after a restart of a
 * memory-only leaf or a catch-up) is read second, so a query over the old window gets the old
 * samples; Explain shows the order. Real leaves and gateway over gRPC on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { KeyEncoder } from '../src/model/index.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { LeafClient } from '../src/rpc/index.js';
import { initialRanges, MemoryAssignmentStore, RangeTable } from '../src/shard/index.js';
import { labelsOf, silent, TestClient } from './gateway-harness.js';

const NOW = Date.now();
const OLD = NOW - 3_600_000; // an hour ago: only on the second replica
const RECENT = NOW - 60_000;

describe('replica time coverage (Leaf Status) in the read order', () => {
  let leaves: LeafHandle[];
  let gw: GatewayHandle;
  let client: TestClient;
  let rangeId: string;
  let primary: string;
  let second: string;
  const labels = labelsOf({ __name__: 'cov_metric', job: 'api', instance: 'a:1' });

  beforeAll(async () => {
    leaves = [await startLeaf({ id: 'leaf-0', listen: '127.0.0.1:0', logger: silent }), await startLeaf({ id: 'leaf-1', listen: '127.0.0.1:0', logger: silent })];
    const ranges = initialRanges(['leaf-0', 'leaf-1'], { replicationFactor: 2 });
    for (const l of leaves) l.setRanges(ranges.map((r) => ({ id: r.id, start: r.start, end: r.end })));
    const store = new MemoryAssignmentStore({ leaves: leaves.map((l) => ({ id: l.id, address: l.address })), ranges });
    const range = new RangeTable(ranges).rangeOf(new KeyEncoder().keyOf('default', labels))!;
    rangeId = range.id;
    [primary, second] = range.replicas.map((x) => x.leafId) as [string, string];
    // Old samples on the second replica only; recent ones through the gateway to both.
    const direct = new LeafClient(leaves.find((l) => l.id === second)!.address);
    await direct.write('default', [{ labels, t: [OLD], v: [1] }]);
    direct.close();
    gw = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent, reliability: { coveragePollMs: 100, hedge: false } });
    client = new TestClient(gw.address);
    const w = await client.write('default', [{ labels, t: [RECENT], v: [2] }]);
    expect(w.acceptedSeries).toBe(1);
  });

  afterAll(async () => {
    client?.close();
    await gw?.stop();
    await Promise.all(leaves.map((l) => l.stop()));
  });

  it('reads the range from the replica holding its whole history once the leaves reported it', async () => {
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = (await client.explain('cov_metric', NOW)).text;
      if (text.includes(`range ${rangeId}: primary=${second}`)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toContain(`range ${rangeId}: primary=${second} fallbacks=[${primary}]`);
    const res = await client.range('cov_metric', OLD, RECENT, 60_000);
    expect(res.health).toMatchObject({ expectedChildren: 2, completedChildren: 2, partial: false });
    expect(res.health!.issues).toEqual([]);
    const ts = res.matrix.flatMap((s) => s.timestampsMs.map(Number));
    expect(Math.min(...ts)).toBeLessThanOrEqual(OLD + 60_000); // the old sample is in the answer
  });

  it('an answer from the replica with the shorter history is noted incomplete_coverage', async () => {
    await leaves.find((l) => l.id === second)!.stop();
    const res = await client.range('cov_metric', OLD, RECENT, 60_000);
    expect(res.health).toMatchObject({ partial: false });
    expect(res.health!.issues.filter((i) => i.rangeId === rangeId).map((i) => [i.kind, i.leafId])).toEqual([
      ['fallback_used', primary],
      ['incomplete_coverage', primary],
    ]);
  });
});
