/**
 * Field-hint pruning end to end over real gRPC on loopback (leaves with durable stores, a
 * gateway following every leaf's Leaf.Hints stream):
 *  - a query whose metric lives on one leaf only, selected by non-target labels (range pruning
 *    cannot help), contacts only that leaf — leaf-side Execute counts and Explain say so — while
 *    the other leaves' hint streams are live; QueryHealth counts the pruned ranges by hint;
 *  - read-your-writes: a series written through the gateway is found by the very next query;
 *  - a down leaf that is pruned by hint does not make the answer partial;
 *  - time pruning: only leaves holding samples in the window (time hints) are contacted, and a
 *    backfill is seen by the next query;
 *  - a leaf restart (new hint epoch) → the gateway resyncs from a snapshot and prunes again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { formatLabels, KeyEncoder, spanContains } from '../src/model/index.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore, type RangeAssignment } from '../src/shard/index.js';
import { labelsOf, leafExecuteCount, silent, TestClient, type SeriesIn } from './gateway-harness.js';

const T0 = 1_700_000_000_000;
const N_LEAVES = 3;

function one(rec: Record<string, string>, v = 1): SeriesIn {
  return { labels: labelsOf(rec), t: [T0 - 30_000, T0], v: [v, v] };
}

interface Health {
  partial: boolean;
  expectedChildren: number;
  completedChildren: number;
  prunedByRange: number;
  prunedByHint: number;
  prunedByTime: number;
}

function vectorText(res: { vector: { labels: { name: string; value: string }[]; value: number }[] }): string[] {
  return res.vector.map((s) => `${formatLabels(s.labels)} ${s.value}`).sort();
}

async function until(what: string, f: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('hint pruning e2e: 3 durable leaves, one gateway', () => {
  const leaves: LeafHandle[] = [];
  const dirs: string[] = [];
  let ranges: RangeAssignment[];
  let store: MemoryAssignmentStore;
  let gateway: GatewayHandle;
  let client: TestClient;
  const enc = new KeyEncoder();
  /** Index of the leaf holding the target (job, instance). */
  const ownerOf = (job: string, instance: string): number => {
    const key = enc.keyOf('default', labelsOf({ __name__: 'x', job, instance }));
    const r = ranges.find((x) => spanContains({ start: x.start, end: x.end }, key))!;
    return leaves.findIndex((l) => l.id === r.replicas[0]!.leafId);
  };
  /** A target held by leaf `i`. */
  const targetOn = (i: number): { job: string; instance: string } => {
    for (let k = 0; k < 200; k++) {
      const t = { job: `${String.fromCharCode(97 + (k % 26))}job${k}`, instance: `i${k}:80` };
      if (ownerOf(t.job, t.instance) === i) return t;
    }
    throw new Error(`no target found on leaf ${i}`);
  };
  const counts = (): Promise<number[]> => Promise.all(leaves.map(leafExecuteCount));
  const startOne = async (i: number, listen = '127.0.0.1:0'): Promise<LeafHandle> => {
    const l = await startLeaf({ id: `leaf-${i}`, listen, logger: silent, dataDir: dirs[i]! });
    l.setRanges(ranges.filter((r) => r.replicas.some((x) => x.leafId === l.id)).map((r) => ({ id: r.id, start: r.start, end: r.end })));
    return l;
  };
  /** The gateway prunes `query` down to `leafCount` candidate leaves (hint streams in sync). */
  const prunedTo = async (query: string, candidates: number): Promise<boolean> => {
    const ex = await client.explain(query, T0);
    return ex.text.includes(`hint: ${candidates} candidate leaves`) && !/Prune: hint: .*\b0 pruned/.test(ex.text);
  };

  beforeAll(async () => {
    for (let i = 0; i < N_LEAVES; i++) dirs.push(await mkdtemp(join(tmpdir(), 'canopy-hint-e2e-')));
    ranges = initialRanges(
      Array.from({ length: N_LEAVES }, (_, i) => `leaf-${i}`),
      { replicationFactor: 1 },
    );
    for (let i = 0; i < N_LEAVES; i++) leaves.push(await startOne(i));
    store = new MemoryAssignmentStore({ leaves: leaves.map((l) => ({ id: l.id, address: l.address })), ranges });
    gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent, hints: { retryMs: 100, syncMs: 100 } });
    client = new TestClient(gateway.address);
    // Common metrics everywhere; `rare_metric` only on leaf 0's target.
    const data: SeriesIn[] = [];
    for (let i = 0; i < N_LEAVES; i++) {
      const t = targetOn(i);
      data.push(one({ __name__: 'up', ...t }), one({ __name__: 'common', ...t, zone: 'z' }));
    }
    const t0 = targetOn(0);
    data.push(one({ __name__: 'rare_metric', ...t0, kind: 'special' }, 42));
    const res = await client.write('default', data);
    expect(res.acceptedSeries).toBe(data.length);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await gateway?.stop();
    await Promise.all(leaves.map((l) => l.stop()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('a metric on one leaf only (non-target labels) contacts only that leaf; health counts it as pruned by hint', async () => {
    await until('hint streams in sync', () => prunedTo('rare_metric{kind="special"}', 1));
    const ex = await client.explain('rare_metric{kind="special"}', T0);
    expect(ex.text).toContain('Fanout: scatter');
    expect(ex.text).toMatch(/Prune: range: \d+ ranges of the tenant → \d+ kept/);
    expect(ex.text).toContain('__name__="rare_metric": value hint → 1 leaves');
    expect(ex.text).toContain(`Leaves: leaf-0 [`);
    expect(ex.text).not.toContain('leaf-1 [');
    const exJson = JSON.stringify(JSON.parse(ex.json));
    expect(exJson).toContain('"byHint":[');
    expect(exJson).toContain('hint: 1 candidate leaves');
    const before = await counts();
    const res = await client.instant('rare_metric{kind="special"}', T0);
    const after = await counts();
    expect(after.map((x, i) => x - before[i]!)).toEqual([1, 0, 0]);
    expect(vectorText(res)).toEqual([`rare_metric{instance="${targetOn(0).instance}", job="${targetOn(0).job}", kind="special"} 42`]);
    const h = res.health as unknown as Health;
    expect(h.partial).toBe(false);
    const leaf0Ranges = ranges.filter((r) => r.replicas[0]!.leafId === 'leaf-0').length;
    expect(h.expectedChildren).toBe(leaf0Ranges);
    expect(h.prunedByHint).toBe(ranges.length - leaf0Ranges);
    expect(h.prunedByRange).toBe(0);
    expect(h.prunedByTime).toBe(0);

    // A regex on a non-target label prunes too (trigrams); a negative matcher does not.
    await until('regex pruning', () => prunedTo('{kind=~"spec.*"}', 1));
    const neg = await client.instant('common{zone!="q"}', T0);
    expect((neg.health as unknown as Health).prunedByHint).toBe(0);
    expect(neg.vector.length).toBe(N_LEAVES);

    // A targeted query is pruned by range first; hints prune nothing more there.
    const t1 = targetOn(1);
    const tr = await client.instant(`up{job="${t1.job}"}`, T0);
    const th = tr.health as unknown as Health;
    expect(th.prunedByRange).toBeGreaterThan(0);
    expect(th.prunedByRange + th.prunedByHint + th.expectedChildren).toBe(ranges.length);
    expect(tr.vector.length).toBe(1);
  });

  it('read-your-writes: a new series is found by the very next query', async () => {
    for (let k = 0; k < 6; k++) {
      const t = targetOn(k % N_LEAVES);
      const name = `fresh_${k}`;
      const w = await client.write('default', [one({ __name__: name, ...t, kind: `new${k}` }, k)]);
      expect(w.acceptedSeries).toBe(1);
      const res = await client.instant(`${name}{kind="new${k}"}`, T0);
      expect(vectorText(res)).toEqual([`${name}{instance="${t.instance}", job="${t.job}", kind="new${k}"} ${k}`]);
      expect((res.health as unknown as Health).partial).toBe(false);
    }
  });

  it('time pruning: ranges whose leaves hold no samples in the window are skipped; a backfill is seen at once', async () => {
    const OLD = T0 - 30 * 86_400_000;
    const t1 = targetOn(1);
    const w = await client.write('default', [{ labels: labelsOf({ __name__: 'old_metric', ...t1 }), t: [OLD - 60_000, OLD], v: [5, 5] }]);
    expect(w.acceptedSeries).toBe(1);
    const raw = { disablePushdown: true };
    // `up` is on every leaf, but only leaf 1 holds samples 30 days ago.
    await until('time hints in sync', async () => {
      const r = await client.instant('up', OLD, raw);
      return (r.health as unknown as Health).prunedByTime > 0;
    });
    const ex = await client.explain('up', OLD, { options: raw });
    expect(ex.text).toMatch(/Prune: time \[.*\]: 1 hour buckets → 1 leaves with data/);
    const before = await counts();
    const r = await client.instant('up', OLD, raw);
    const after = await counts();
    expect(after.map((x, i) => x - before[i]!)).toEqual([0, 1, 0]);
    const h = r.health as unknown as Health;
    const onLeaf1 = ranges.filter((x) => x.replicas[0]!.leafId === 'leaf-1').length;
    expect(h).toMatchObject({ partial: false, expectedChildren: onLeaf1, prunedByTime: ranges.length - onLeaf1, prunedByHint: 0, prunedByRange: 0 });
    expect(r.vector.length).toBe(0);
    const old = await client.instant('old_metric', OLD, raw);
    expect(old.vector.map((v) => v.value)).toEqual([5]);
    // A backfill into another leaf's old window is found by the very next query (read-your-writes).
    const t2 = targetOn(2);
    // (a new series: its first samples may have any timestamp — why polled min times cannot prune)
    const bw = await client.write('default', [{ labels: labelsOf({ __name__: 'up', ...t2, backfill: 'yes' }), t: [OLD], v: [3] }]);
    expect(bw.acceptedSeries).toBe(1);
    const back = await client.instant('up', OLD, raw);
    expect(vectorText(back)).toEqual([`up{backfill="yes", instance="${t2.instance}", job="${t2.job}"} 3`]);
    expect((back.health as unknown as Health).partial).toBe(false);
  });

  it('a down leaf pruned by hint leaves the answer complete; a restarted leaf is resynced', async () => {
    await until('in sync', () => prunedTo('rare_metric', 1));
    const port2 = leaves[2]!.address.split(':').pop()!;
    await leaves[2]!.stop();
    // Leaf 2 is down: a query it cannot answer is complete; one it could answer is partial.
    await until('leaf 2 seen down', async () => {
      const r = await client.instant('up', T0, { partialResponse: 'WARN' }).catch(() => undefined);
      return r !== undefined && (r.health as unknown as Health).partial;
    });
    // Its stream cannot be reopened (connection refused): its last hints stand in again.
    await until('down leaf pruned by hint', () => prunedTo('rare_metric', 1));
    const res = await client.instant('rare_metric', T0);
    const h = res.health as unknown as Health;
    expect(h.partial).toBe(false);
    expect(res.vector.length).toBe(1);
    expect(h.prunedByHint).toBeGreaterThan(0);

    // Restart on the same port and data dir: new hint epoch → snapshot; its series are found.
    leaves[2] = await startOne(2, `127.0.0.1:${port2}`);
    const t2 = targetOn(2);
    await until('leaf 2 answers again', async () => {
      const r = await client.instant(`up{job="${t2.job}"}`, T0).catch(() => undefined);
      return r !== undefined && r.vector.length === 1 && !(r.health as unknown as Health).partial;
    });
    const w = await client.write('default', [one({ __name__: 'after_restart', ...t2 }, 7)]);
    expect(w.acceptedSeries).toBe(1);
    const ar = await client.instant('after_restart', T0);
    expect(ar.vector.length).toBe(1);
    // Resynced: the restarted leaf is pruned again for a metric it does not hold, and is the only
    // candidate for the one it does.
    await until('resync after restart', () => prunedTo('after_restart', 1));
    await until('rare pruned again', () => prunedTo('rare_metric', 1));
    const before = await counts();
    const ar2 = await client.instant('after_restart', T0);
    const after = await counts();
    expect(after.map((x, i) => x - before[i]!)).toEqual([0, 0, 1]);
    expect(vectorText(ar2)).toEqual([`after_restart{instance="${t2.instance}", job="${t2.job}"} 7`]);
  }, 60_000);
});
