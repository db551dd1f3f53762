/**
 * The balancer end to end on the in-memory store with real leaves and gateway: it splits a range
 * that grew past the threshold at a key taken from the leaves' load reports, then moves a half to
 * the least loaded leaf, all under continuous writes (every acknowledged sample present exactly
 * once afterwards); and the operator commands (canopy ranges/split/move/drain through the Admin
 * service) do what they say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Balancer } from '../src/balancer/index.js';
import { drainCommand, moveCommand, rangesCommand, splitCommand } from '../src/cli/cmd-admin.js';
import type { Io } from '../src/cli/io.js';
import { encodeTuple, formatKey } from '../src/model/index.js';
import { initialRanges, MemoryAssignmentStore } from '../src/shard/index.js';
import { AckedWriter, checkExactlyOnce, silent, startCpCluster, testSeries, waitFor, type CpCluster } from './helpers/etcd-cluster.js';
import { gatewayCount } from './helpers/etcd-scenarios.js';

let cluster: CpCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

function captureIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => void lines.push(l), err: (l) => void errors.push(l) };
}

describe('balancer', () => {
  it('splits a grown range at a reported key and moves a half off the hot leaf, under writes', async () => {
    const shared = new MemoryAssignmentStore();
    const c = (cluster = await startCpCluster({ makeStore: async () => shared, shared: true, leaves: 3, loadEveryMs: 150 }));
    // 16 targets, all in r0 (jobs a…i sort before the first split at "j"), on leaf-1.
    const series = testSeries(26, 1).filter((l) => l.find((x) => x.name === 'job')!.value < 'j');
    expect(series.length).toBeGreaterThanOrEqual(8);
    const w = new AckedWriter(series, () => c.client);
    await w.round(300);
    const r0 = c.store.ranges()[0]!;
    const hot = r0.replicas[0]!.leafId;

    const balancer = new Balancer({ store: c.store, logger: silent, intervalMs: 100, propagationMs: 200, splitSeries: series.length - 1, cooldownMs: 1_000, candidate: 'b1' });
    let done = false;
    const writing = w.loop(5_000, 5, () => done);
    balancer.start();
    try {
      await waitFor(() => c.store.ranges().length === 4, 10_000, 'auto split');
      const [left, right] = c.store.ranges().filter((r) => r.id === 'r0' || r.id === 'r3');
      expect(formatKey(left!.end)).toBe(formatKey(right!.start));
      // The split key is one of the targets (a reported key), strictly inside r0.
      expect(series.some((l) => formatKey(encodeTuple(['default', l.find((x) => x.name === 'job')!.value, l.find((x) => x.name === 'instance')!.value])) === formatKey(right!.start))).toBe(true);
      // Then one half leaves the hot leaf for an idle one.
      await waitFor(
        () => c.store.ranges().some((r) => (r.id === 'r0' || r.id === 'r3') && r.replicas.length === 1 && r.replicas[0]!.leafId !== hot && r.replicas[0]!.state === 'available'),
        15_000,
        'rebalancing move',
      );
    } finally {
      await balancer.stop();
      done = true;
      await writing;
    }
    expect(w.failures).toBe(0);
    expect(await checkExactlyOnce(c, w)).toEqual({ checked: w.total, lost: 0, duplicated: 0 });
    expect(await gatewayCount(c, w)).toBe(w.total);
  });

  it('canopy ranges, split, move and drain through the Admin service', async () => {
    const shared = new MemoryAssignmentStore();
    const c = (cluster = await startCpCluster({ makeStore: async () => shared, shared: true, leaves: 3, loadEveryMs: 100 }));
    const w = new AckedWriter(testSeries(12, 2), () => c.client);
    await w.round(200);
    const addr = ['--addr', c.gateway.address];

    await waitFor(() => c.store.loads().length === 3 && c.store.loads().every((l) => l.series > 0), 5_000, 'load reports');
    let io = captureIo();
    expect(await rangesCommand([...addr, '--json'], io)).toBe(0);
    const ranges = JSON.parse(io.lines[0]!) as { id: string; series: number; samples: number; replicas: { leafId: string }[] }[];
    expect(ranges.map((r) => r.id)).toEqual(['r0', 'r1', 'r2']);
    expect(ranges.reduce((s, r) => s + r.series, 0)).toBe(24);
    expect(ranges.reduce((s, r) => s + r.samples, 0)).toBe(w.total);

    io = captureIo();
    expect(await splitCommand(['r1', 'ljob11', ...addr], io)).toBe(0);
    expect(io.lines.join('\n')).toMatch(/r1 .*ljob11[\s\S]*r3 .*ljob11/);
    io = captureIo();
    expect(await splitCommand(['r9', ...addr], io).catch((e: Error) => e.message)).toMatch(/no range r9/);

    io = captureIo();
    expect(await moveCommand(['r2', 'leaf-3', 'leaf-1', ...addr], io)).toBe(0);
    expect(io.lines[0]).toMatch(/range r2: leaf-3 → leaf-1 done in .* samples copied from leaf-3/);
    expect(c.store.ranges().find((r) => r.id === 'r2')!.replicas).toEqual([{ leafId: 'leaf-1', state: 'available' }]);

    io = captureIo();
    expect(await drainCommand(['leaf-1', ...addr], io)).toBe(0);
    expect(io.lines[io.lines.length - 1]).toMatch(/leaf leaf-1 drained \(2 moves\)/);
    expect(c.store.ranges().every((r) => r.replicas.every((x) => x.leafId !== 'leaf-1'))).toBe(true);
    expect(await checkExactlyOnce(c, w)).toEqual({ checked: w.total, lost: 0, duplicated: 0 });
    await waitFor(() => c.leaves.get('leaf-1')!.handle.store.stats('default').samples === 0, 5_000, 'drained leaf drops its data');
    expect(await gatewayCount(c, w)).toBe(w.total);
  });
});

describe('balancer recovery', () => {
  it('removes an initializing replica left behind by a crashed mover, then plans the range again', async () => {
    const store = new MemoryAssignmentStore({ ranges: initialRanges(['a', 'b']) });
    await store.registerLeaf({ id: 'a', address: '127.0.0.1:1' });
    await store.registerLeaf({ id: 'b', address: '127.0.0.1:2' });
    // A mover crashed after step 1: b is initializing in r0 and nothing fills it.
    await store.updateRanges(['r0'], (cur) => ({ put: [{ ...cur.get('r0')!, replicas: [...cur.get('r0')!.replicas, { leafId: 'b', state: 'initializing' }], epoch: 2 }] }));
    const b = new Balancer({ store, logger: silent, staleInitializingMs: 200, rebalance: false });
    await b.tick();
    expect(store.ranges()[0]!.replicas.map((x) => x.state)).toEqual(['available', 'initializing']);
    await new Promise((r) => setTimeout(r, 250));
    await b.tick();
    expect(store.ranges()[0]!.replicas).toEqual([{ leafId: 'a', state: 'available' }]);
    expect(store.ranges()[0]!.epoch).toBe(3);
    await store.close();
  });
});
