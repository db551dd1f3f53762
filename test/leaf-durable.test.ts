/**
 * The leaf daemon with a data dir (startLeaf in-process, real gRPC on loopback, real files):
 * the admission window through Write (insert inside, out_of_order outside, duplicate_sample),
 * late data below the persisted blocks, too_old beyond the retention, Status bytes = bytes
 * actually held, storage gauges, and restarts on the same directory serving the same answers.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { labelsFromRecord, type Labels, type Series } from '../src/model/index.js';
import { LeafClient } from '../src/rpc/index.js';

const quiet = pino({ level: 'silent' });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-leaf-durable-'));
const leaves: LeafHandle[] = [];
afterAll(async () => {
  for (const l of leaves) await l.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;
const L = (instance: string): Labels => labelsFromRecord({ __name__: 'd', job: 'dur', instance });

async function start(dir: string): Promise<{ leaf: LeafHandle; client: LeafClient }> {
  // Small blocks (1 min) and chunks so blocks and the persisted floor appear quickly.
  const leaf = await startLeaf({ id: 'dur', dataDir: dir, fsync: 'always', oooWindowMs: 60_000, blockMs: 60_000, chunkSamples: 8, snapshotIntervalMs: 0, logger: quiet });
  leaves.push(leaf);
  return { leaf, client: new LeafClient(leaf.address) };
}

async function raw(client: LeafClient, instance: string): Promise<Series | undefined> {
  for await (const ev of client.execute({ tenant: 'd', fragment: { selector: { matchers: [{ type: 'EQ', name: 'instance', value: instance }], startMs: 1, endMs: 1e13, raw: true } } })) {
    if (ev.kind === 'batch' && ev.series.length > 0) return ev.series[0];
  }
  return undefined;
}

describe('durable leaf (startLeaf with dataDir)', () => {
  it('applies the admission window through Write and survives a restart', async () => {
    const dir = path.join(root, 'a');
    let { leaf, client } = await start(dir);
    const ts = Array.from({ length: 40 }, (_, i) => T0 + i * 15_000);
    const even = ts.filter((_, i) => i % 2 === 0);
    expect((await client.write('d', [{ labels: L('a'), t: even, v: even.map((t) => (t - T0) / 1000) }])).acceptedSamples).toBe(20);
    const last = even.at(-1)!;
    // Older samples: inside the window inserted; outside rejected; same value ignored; other value refused.
    const odd = ts.filter((_, i) => i % 2 === 1 && ts[i]! < last);
    const res = await client.write('d', [
      { labels: L('a'), t: [...odd, even[19]!, even[18]!], v: [...odd.map((t) => (t - T0) / 1000), (even[19]! - T0) / 1000, -1] },
    ]);
    const inside = odd.filter((t) => last - t <= 60_000);
    expect(res.acceptedSamples).toBe(inside.length + 1);
    const reasons = Object.fromEntries(res.rejections.map((r) => [r.reason, Number(r.rejectedSamples)]));
    expect(reasons).toEqual({ out_of_order: odd.length - inside.length, duplicate_sample: 1 });
    const want = [...even, ...inside].sort((a, b) => a - b);
    const check = async (c: LeafClient): Promise<void> => {
      const s = await raw(c, 'a');
      expect(Array.from(s!.t)).toEqual(want);
      expect(Array.from(s!.v)).toEqual(want.map((t) => (t - T0) / 1000));
    };
    await check(client);
    const st = await client.status();
    expect(Number(st.samples)).toBe(want.length);
    expect(Number(st.bytes)).toBeGreaterThan(0);
    const metrics = await leaf.metrics.registry.metrics();
    expect(metrics).toMatch(/canopy_leaf_storage_bytes\{leaf="dur"\} \d+/);
    expect(metrics).toContain(`canopy_leaf_storage_inserted_samples{leaf="dur"} ${inside.length}`);
    expect(inside.length).toBeGreaterThanOrEqual(2);
    expect(metrics).toMatch(/canopy_leaf_wal_corruptions\{leaf="dur"\} 0/);

    // Restart on the same directory: same answer.
    client.close();
    await leaf.stop();
    ({ leaf, client } = await start(dir));
    await check(client);
    expect(Number((await client.status()).samples)).toBe(want.length);
    client.close();
  });

  it('admits late data below the persisted blocks (window rules, kept across restarts and flushes); too_old = older than the retention', async () => {
    const dir = path.join(root, 'b');
    let { leaf, client } = await start(dir);
    const ts = Array.from({ length: 40 }, (_, i) => T0 + i * 15_000); // 10 min: blocks of 1 min
    await client.write('d', [{ labels: L('b'), t: ts, v: ts.map((_, i) => i) }]);
    await leaf.store.snapshot();
    expect(leaf.store.storageStats().blocks).toBeGreaterThan(0);
    const old = T0 + 7_500; // between the first two samples, below the persisted floor
    // An existing series: the window still applies (old is ~10 min before its last sample).
    await expect(client.write('d', [{ labels: L('b'), t: [old], v: [0.5] }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/out_of_order/) });
    // A new series below the floor (a late target): admitted; a repeat of a block sample is ignored.
    const late = [T0, T0 + 15_000, T0 + 30_000];
    const r2 = await client.write('d', [{ labels: L('c'), t: late, v: [1, 2, 3] }, { labels: L('b'), t: [ts[1]!], v: [1] }]);
    expect(r2).toMatchObject({ acceptedSamples: 4, rejectedSamples: 0 });
    // A different value at a timestamp a block holds: duplicate_sample.
    const r3 = await client.write('d', [{ labels: L('b'), t: [ts[1]!, ts[39]! + 15_000], v: [99, 40] }]);
    expect(r3.rejections.map((r) => r.reason)).toEqual(['duplicate_sample']);
    // The transfer insert path has no window: kept.
    expect(leaf.store.insert('d', L('b'), [old], [0.5])).toEqual({ merged: 1, present: 0, tooOld: 0 });
    await leaf.store.commit();
    const wantB = [...ts, old, ts.at(-1)! + 15_000].sort((a, b) => a - b);
    const check = async (c: LeafClient): Promise<void> => {
      const b = (await raw(c, 'b'))!;
      expect(Array.from(b.t)).toEqual(wantB);
      expect(b.v[1]).toBe(0.5);
      expect(b.v[2]).toBe(1);
      expect(Array.from((await raw(c, 'c'))!.t)).toEqual(late);
    };
    await check(client);
    client.close();
    await leaf.stop();
    ({ leaf, client } = await start(dir)); // from the WAL: late samples not in blocks merged
    await check(client);
    await leaf.store.snapshot(); // late data into extra blocks
    await check(client);
    client.close();
    await leaf.stop();
    ({ leaf, client } = await start(dir));
    await check(client);
    client.close();

    // With a retention, samples older than it are too_old.
    const dir2 = path.join(root, 'c');
    const keep = await startLeaf({ id: 'ret', dataDir: dir2, retentionMs: 120_000, snapshotIntervalMs: 0, logger: quiet });
    leaves.push(keep);
    const kc = new LeafClient(keep.address);
    await kc.write('d', [{ labels: L('r'), t: ts, v: ts.map((_, i) => i) }]);
    const r4 = await kc.write('d', [{ labels: L('new'), t: [T0, ts.at(-1)!], v: [1, 2] }]);
    expect(r4.rejections.map((r) => [r.reason, Number(r.rejectedSamples)])).toEqual([['too_old', 1]]);
    const rejected = await keep.metrics.registry.getSingleMetric('canopy_leaf_rejected_samples_total')!.get();
    expect(rejected.values.find((x) => x.labels.reason === 'too_old')?.value).toBe(1);
    kc.close();
  });
});
