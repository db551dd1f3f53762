/**
 * The gateway's Write and Admin services over real gRPC on loopback: routing by range to the
 * leaf that owns each target, rejection merging (gateway indexes), validation, replication.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanopyError, formatLabels, STALE_NAN, isStaleNaN } from '../src/model/index.js';
import { LeafClient } from '../src/rpc/index.js';
import { createGatewayMetrics, routeWrite, Topology } from '../src/router/index.js';
import { labelsOf, silent, startCluster, type Cluster, type SeriesIn } from './gateway-harness.js';

const T0 = 1_700_000_000_000;
const ts = [T0 - 60_000, T0 - 30_000, T0];

function up(job: string, instance: string, extra: Record<string, string> = {}, v = [1, 1, 1]): SeriesIn {
  return { labels: labelsOf({ __name__: 'up', job, instance, ...extra }), t: [...ts], v };
}

/** What each leaf holds, asked over its own Series RPC (no range scoping). */
async function holdings(c: Cluster, tenant = 'default'): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const leaf of c.leaves) {
    const lc = new LeafClient(leaf.address);
    try {
      const ls = await lc.series({ tenant, selectors: [{ matchers: [{ type: 'RE', name: '__name__', value: '.+' }] }] });
      out[leaf.id] = ls.map(formatLabels).sort();
    } finally {
      lc.close();
    }
  }
  return out;
}

describe('gateway Write (3 leaves, RF 1)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 3 });
  });
  afterAll(async () => {
    await c.stop();
  });

  it('routes each target to the leaf owning its range', async () => {
    const res = await c.client.write('', [up('api', 'a:1'), up('node', 'n:1'), up('web', 'w:1'), up('api', 'a:2'), { ...up('prometheus', 'p:1'), labels: labelsOf({ __name__: 'x', job: 'prometheus', instance: 'p:1' }) }]);
    expect(res.acceptedSeries).toBe(5);
    expect(res.acceptedSamples).toBe(15);
    expect(res.rejections).toEqual([]);
    expect(res.replicaErrors).toEqual([]);
    // r0 = [-∞, "j") → leaf-0; r1 = ["j", "r") → leaf-1; r2 = ["r", +∞) → leaf-2
    expect(await holdings(c)).toEqual({
      'leaf-0': ['up{instance="a:1", job="api"}', 'up{instance="a:2", job="api"}'],
      'leaf-1': ['up{instance="n:1", job="node"}', 'x{instance="p:1", job="prometheus"}'],
      'leaf-2': ['up{instance="w:1", job="web"}'],
    });
    // Status of the leaf agrees.
    const lc = new LeafClient(c.leaves[2]!.address);
    const st = await lc.status();
    lc.close();
    expect(st.series).toBe(1);
    expect(st.samples).toBe(3);
  });

  it('keeps tenants apart (another tenant lands in the first or last range)', async () => {
    const res = await c.client.write('acme', [up('web', 'w:9')]);
    expect(res.acceptedSeries).toBe(1);
    const h = await holdings(c, 'acme');
    expect(h).toEqual({ 'leaf-0': ['up{instance="w:9", job="web"}'], 'leaf-1': [], 'leaf-2': [] });
  });

  it('merges rejections of a mixed batch with the gateway request indexes', async () => {
    // Series 2 (job=node → leaf-1) goes back in time: the leaf rejects it as out_of_order,
    // at index 0 of its own batch; the gateway must report index 2.
    const old: SeriesIn = { labels: labelsOf({ __name__: 'up', job: 'node', instance: 'n:1' }), t: [T0 - 3_600_000], v: [5] };
    const res = await c.client.write('default', [
      up('api', 'a:3'),
      { labels: [{ name: '', value: 'x' }, { name: '__name__', value: 'up' }, { name: 'job', value: 'api' }], t: [T0], v: [1] }, // empty label name
      old,
      { labels: labelsOf({ __name__: 'up', job: 'web', instance: 'w:2' }), t: [T0, T0 + 1], v: [1, 1] },
      { labels: labelsOf({ __name__: 'up', job: 'web', instance: 'w:3' }), t: [T0, T0 + 1], v: [1] },
      { labels: [{ name: 'job', value: 'web' }, { name: '__name__', value: 'unsorted' }], t: [T0], v: [2] },
    ]);
    expect(res.rejections.map((r) => [r.seriesIndex, r.reason])).toEqual([
      [1, 'invalid_labels'],
      [2, 'out_of_order'],
      [4, 'mismatched_lengths'],
    ]);
    expect(res.rejections[1]!.series).toBe('up{instance="n:1", job="node"}');
    expect(res.acceptedSeries).toBe(3); // 0, 3, 5 (unsorted labels are sorted by the gateway)
    expect(res.acceptedSamples).toBe(3 + 2 + 1);
    expect(res.rejectedSamples).toBe(1 + 1 + 2);
    const metrics = await c.gateway.registry.getSingleMetricAsString('canopy_gateway_write_rejected_series_total');
    expect(metrics).toMatch(/reason="out_of_order"\} 1/);
    expect(metrics).toMatch(/reason="invalid_labels"\} 1/);
  });

  it('refuses an empty write, a write with nothing valid, and a bad tenant', async () => {
    await expect(c.client.write('default', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/empty write/) });
    const err = await c.client.write('default', [{ labels: labelsOf({ job: 'x' }), t: [T0], v: [1] }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanopyError);
    expect((err as CanopyError).code).toBe('INVALID_ARGUMENT');
    expect((err as CanopyError).message).toMatch(/series 0 \{job="x"\}: invalid_labels: series has no metric name/);
    await expect(c.client.write('bad tenant!', [up('api', 'a:1')])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/invalid tenant/) });
  });

  it('timestamps: negative ones rejected per sample by the leaf, non-integers by the router', async () => {
    const neg = await c.client.write('default', [
      up('web', 'w:4'),
      { labels: labelsOf({ __name__: 'up', job: 'web', instance: 'w:5' }), t: [-5, T0], v: [1, 1] },
    ]);
    expect(neg.rejections.map((r) => [r.seriesIndex, r.reason, r.rejectedSamples])).toEqual([[1, 'invalid_timestamp', 1]]);
    expect(neg.acceptedSamples).toBe(4);
    // In process (e.g. an HTTP ingest path): a fractional timestamp cannot go on the leaf wire.
    const topology = new Topology(c.store, undefined, silent);
    try {
      const res = await routeWrite({ topology, metrics: createGatewayMetrics(), logger: silent, leafTimeoutMs: 5000 }, 'default', [
        { labels: labelsOf({ __name__: 'up', job: 'api', instance: 'f:1' }), t: [T0 + 0.5], v: [1] },
        { labels: labelsOf({ __name__: 'up', job: 'api', instance: 'f:2' }), t: [T0], v: [1] },
      ]);
      expect(res.rejections.map((r) => [r.seriesIndex, r.reason])).toEqual([[0, 'invalid_timestamp']]);
      expect(res.acceptedSeries).toBe(1);
    } finally {
      topology.close();
    }
  });

  it('keeps the stale marker through the gateway', async () => {
    // A typed array: V8 may canonicalise NaN payloads stored in plain JS arrays.
    const res = await c.client.write('default', [{ labels: labelsOf({ __name__: 'stale_test', job: 'api', instance: 'a:1' }), t: [T0, T0 + 15_000], v: Float64Array.of(1, STALE_NAN) as unknown as number[] }]);
    expect(res.acceptedSamples).toBe(2);
    const s = c.leaves[0]!.store.tenant('default')!.selectSeries([{ type: '=', name: '__name__', value: 'stale_test' }], undefined, 0, Infinity, false);
    expect(s).toHaveLength(1);
    expect(isStaleNaN(s[0]!.v[1]!)).toBe(true);
  });

  it('Admin: leaves with a live probe and the ranges', async () => {
    const leaves = await c.client.leaves();
    expect(leaves.leaves.map((l) => [l.id, l.state])).toEqual([
      ['leaf-0', 'up'],
      ['leaf-1', 'up'],
      ['leaf-2', 'up'],
    ]);
    expect(leaves.leaves[0]!.series).toBeGreaterThan(0);
    const ranges = await c.client.rangesInfo();
    expect(ranges.ranges.map((r) => [r.id, r.startText, r.endText, r.replicas.map((x) => `${x.leafId}:${x.state}`).join(',')])).toEqual([
      ['r0', '-∞', '"default"/"j"', 'leaf-0:available'],
      ['r1', '"default"/"j"', '"default"/"r"', 'leaf-1:available'],
      ['r2', '"default"/"r"', '∞', 'leaf-2:available'],
    ]);
    expect(ranges.ranges[0]!.start.length).toBe(0);
  });
});

describe('gateway Write with replication (3 leaves, RF 2)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 3, replicationFactor: 2 });
  });
  afterAll(async () => {
    await c.stop();
  });

  it('sends every series to all replicas of its range', async () => {
    const res = await c.client.write('default', [up('api', 'a:1'), up('web', 'w:1')]);
    expect(res.acceptedSeries).toBe(2);
    // r0 → leaf-0, leaf-1; r2 → leaf-2, leaf-0
    expect(await holdings(c)).toEqual({
      'leaf-0': ['up{instance="a:1", job="api"}', 'up{instance="w:1", job="web"}'],
      'leaf-1': ['up{instance="a:1", job="api"}'],
      'leaf-2': ['up{instance="w:1", job="web"}'],
    });
  });

  it('acknowledges at majority and reports replica errors; without quorum the series is rejected', async () => {
    // initializing replica on a dead address: receives writes, does not vote.
    const r0 = c.store.ranges()[0]!;
    await c.store.putLeaf({ id: 'ghost', address: '127.0.0.1:1' });
    await c.store.putRange({ ...r0, epoch: r0.epoch + 1, replicas: [...r0.replicas, { leafId: 'ghost', state: 'initializing' }] });
    await new Promise((r) => setTimeout(r, 10));
    const res = await c.client.write('default', [up('api', 'a:5')]);
    expect(res.acceptedSeries).toBe(1);
    expect(res.replicaErrors).toHaveLength(1);
    expect(res.replicaErrors[0]).toMatch(/^leaf ghost: /);
    // Make ghost a voting replica, and drop leaf-1: 1 of 2 voters has it → no quorum.
    await c.store.putRange({ ...r0, epoch: r0.epoch + 2, replicas: [r0.replicas[0]!, { leafId: 'ghost', state: 'available' }] });
    await new Promise((r) => setTimeout(r, 10));
    const err = await c.client.write('default', [up('api', 'a:6')]).catch((e: unknown) => e as CanopyError);
    expect((err as CanopyError).code).toBe('UNAVAILABLE');
    expect((err as CanopyError).message).toMatch(/no replica quorum/);
    const mixed = await c.client.write('default', [up('api', 'a:7'), up('web', 'w:7')]);
    expect(mixed.acceptedSeries).toBe(1);
    expect(mixed.rejections.map((r) => [r.seriesIndex, r.reason])).toEqual([[0, 'replica_failure']]);
    await c.store.putRange({ ...r0, epoch: r0.epoch + 3 });
  });
});
