/**
 * End to end over real gRPC on loopback: writes through the gateway land on the leaves owning
 * their ranges; queries fan out only where the series can be (asserted via Explain and via the
 * leaves' own Execute counts); answers equal the single-node engine's; health reports missing
 * children under WARN and fails under ABORT.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/index.js';
import { startLeaf } from '../src/leaf/index.js';
import { CanopyError, formatLabels, MemoryQuerier } from '../src/model/index.js';
import { leafExecuteCount, labelsOf, silent, startCluster, type Cluster, type SeriesIn } from './gateway-harness.js';

const T0 = 1_700_000_000_000;
const STEP = 15_000;
const N = 41; // 10 minutes of samples

function series(rec: Record<string, string>, f: (i: number) => number): SeriesIn {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < N; i++) {
    t.push(T0 - (N - 1 - i) * STEP);
    v.push(f(i));
  }
  return { labels: labelsOf(rec), t, v };
}

const DATA: SeriesIn[] = [
  series({ __name__: 'up', job: 'api', instance: 'a:1' }, () => 1),
  series({ __name__: 'up', job: 'api', instance: 'a:2' }, () => 0),
  series({ __name__: 'up', job: 'node', instance: 'n:1' }, () => 1),
  series({ __name__: 'up', job: 'web', instance: 'w:1' }, () => 1),
  series({ __name__: 'http_requests_total', job: 'api', instance: 'a:1', code: '200' }, (i) => i * 10),
  series({ __name__: 'http_requests_total', job: 'node', instance: 'n:1', code: '200' }, (i) => i * 3 + (i > 20 ? 0 : 100)),
  series({ __name__: 'http_requests_total', job: 'web', instance: 'w:1', code: '500' }, (i) => i * i),
];

function vectorText(res: { vector: { labels: { name: string; value: string }[]; value: number }[] }): string[] {
  return res.vector.map((s) => `${formatLabels(s.labels)} ${s.value}`).sort();
}

async function executeCounts(c: Cluster): Promise<number[]> {
  return Promise.all(c.leaves.map(leafExecuteCount));
}

describe('e2e: 3 leaves behind a gateway', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 3 });
    const res = await c.client.write('default', DATA);
    expect(res.acceptedSeries).toBe(DATA.length);
  });
  afterAll(async () => {
    await c.stop();
  });

  it('a broad instant query reads every leaf and is complete', async () => {
    const before = await executeCounts(c);
    const res = await c.client.instant('up', T0);
    expect(res.resultType).toBe('vector');
    expect(vectorText(res)).toEqual([
      'up{instance="a:1", job="api"} 1',
      'up{instance="a:2", job="api"} 0',
      'up{instance="n:1", job="node"} 1',
      'up{instance="w:1", job="web"} 1',
    ]);
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, completeness: 1, partial: false, issues: [], prunedByRange: 0 });
    const after = await executeCounts(c);
    expect(after.map((x, i) => x - before[i]!)).toEqual([1, 1, 1]);
    expect(res.stats!.seriesFetched).toBe(4);
  });

  it('a selective query contacts only the leaf holding its target', async () => {
    const explain = await c.client.explain('sum(up{job="node"})', T0);
    expect(explain.text).toContain('Fanout: targeted');
    expect(explain.text).toContain('Why: job="node" → key prefix "default"/"node"');
    expect(explain.text).toContain('Leaves: leaf-1 [r1]');
    expect(JSON.parse(explain.json)).toMatchObject({ fanout: 'targeted', leaves: ['leaf-1'], expectedChildren: 1 });
    const before = await executeCounts(c);
    const res = await c.client.instant('sum(up{job="node"})', T0);
    expect(vectorText(res)).toEqual(['{} 1']);
    expect(res.health).toMatchObject({ expectedChildren: 1, completedChildren: 1, partial: false, prunedByRange: 2 });
    const after = await executeCounts(c);
    expect(after.map((x, i) => x - before[i]!)).toEqual([0, 1, 0]);
  });

  it('Explain analyze executes and reports stats and health', async () => {
    const ex = await c.client.explain('sum(rate(http_requests_total{job="api"}[2m]))', T0, { analyze: true });
    expect(ex.text).toMatch(/Analyze: 1 series, \d+ samples, \d+ bytes fetched/);
    expect(ex.text).toContain('Health: 1/1 children complete, 2 pruned by range');
    const j = JSON.parse(ex.json);
    expect(j.analyze.health).toMatchObject({ expectedChildren: 1, completedChildren: 1 });
  });

  it('a scatter query is explained as such', async () => {
    const explain = await c.client.explain('rate(http_requests_total[5m])', 0, { startMs: T0 - 300_000, endMs: T0, stepMs: 60_000 });
    expect(explain.text).toContain('Fanout: scatter');
    expect(explain.text).toContain('Why: no equality matcher on job');
    expect(explain.text).toContain('Evaluation: range');
  });

  it('range and aggregation queries equal the single-node engine', async () => {
    const local = MemoryQuerier.fromSamples(DATA);
    const engine = new Engine();
    for (const q of ['rate(http_requests_total[2m])', 'sum by (code) (rate(http_requests_total[2m]))', 'up == 1', 'count(up) by (job)', 'http_requests_total / on(job, instance) group_left up', 'topk(1, http_requests_total)']) {
      const want = await engine.range(local, q, T0 - 300_000, T0, 30_000);
      const got = await c.client.range(q, T0 - 300_000, T0, 30_000);
      expect(got.resultType, q).toBe('matrix');
      const norm = (rows: { labels: string; t: number[]; v: number[] }[]) => rows.sort((a, b) => (a.labels < b.labels ? -1 : 1));
      expect(norm(got.matrix.map((s) => ({ labels: formatLabels(s.labels), t: s.timestampsMs.map(Number), v: s.values })))).toEqual(
        norm(want.value.resultType === 'matrix' ? want.value.series.map((s) => ({ labels: formatLabels(s.labels), t: Array.from(s.t), v: Array.from(s.v) })) : []),
      );
      expect(got.health!.partial).toBe(false);
    }
  });

  it('scalars, strings and unknown metrics', async () => {
    const s = await c.client.instant('1 + 1', T0);
    expect(s).toMatchObject({ resultType: 'scalar', scalarValue: 2, scalarTimestampMs: T0 });
    expect(s.health).toMatchObject({ expectedChildren: 0, completeness: 1, partial: false });
    const str = await c.client.instant('"hello"', T0);
    expect(str).toMatchObject({ resultType: 'string', stringValue: 'hello' });
    const none = await c.client.instant('no_such_metric', T0);
    expect(none.resultType).toBe('vector');
    expect(none.vector).toEqual([]);
    expect(none.health!.partial).toBe(false);
  });

  it('Series, LabelNames, LabelValues', async () => {
    const s = await c.client.series(['up{job=~"api|web"}', 'http_requests_total{code="500"}']);
    expect(s.series.map((x) => formatLabels(x.labels))).toEqual([
      'http_requests_total{code="500", instance="w:1", job="web"}',
      'up{instance="a:1", job="api"}',
      'up{instance="a:2", job="api"}',
      'up{instance="w:1", job="web"}',
    ]);
    // the second selector scatters: all 3 ranges are children, except those pruned by hint
    // (code="500" lives on one leaf; how many are pruned depends on the hint streams being in sync)
    expect(s.health).toMatchObject({ partial: false });
    expect(s.health!.expectedChildren + s.health!.prunedByHint).toBe(3);
    expect(s.health!.completedChildren).toBe(s.health!.expectedChildren);
    const targeted = await c.client.series(['up{job=~"api|web"}']);
    expect(targeted.series).toHaveLength(3);
    expect(targeted.health).toMatchObject({ expectedChildren: 2, completedChildren: 2, prunedByRange: 1 });
    const names = await c.client.labelNames();
    expect(names.values).toEqual(['__name__', 'code', 'instance', 'job']);
    const jobs = await c.client.labelValues('job');
    expect(jobs.values).toEqual(['api', 'node', 'web']);
    const apiInstances = await c.client.labelValues('instance', ['up{job="api"}']);
    expect(apiInstances.values).toEqual(['a:1', 'a:2']);
    expect(apiInstances.health!.expectedChildren).toBe(1);
    await expect(c.client.series([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('bad input: malformed PromQL with line:column, bad range parameters, bad tenant', async () => {
    const err = (await c.client.instant('sum(up', T0).catch((e: unknown) => e)) as CanopyError;
    expect(err).toBeInstanceOf(CanopyError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/line 1, column \d+/);
    const err2 = (await c.client.instant('up{job="a"}\n  + rate(x[5m]', T0).catch((e: unknown) => e)) as CanopyError;
    expect(err2.message).toMatch(/line 2, column \d+/);
    await expect(c.client.range('up', T0, T0 - 1, 1000)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(c.client.range('up', T0, T0 + 1000, 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(c.client.range('up', 0, 1e9, 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/11000 points/) });
    await expect(c.client.instant('up', T0, { tenant: 'no spaces' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(c.client.explain('sum(', T0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('the sample limit bounds what a leaf returns (RESOURCE_EXHAUSTED, not a partial answer)', async () => {
    const err = (await c.client.instant('max_over_time(http_requests_total[10m])', T0, { maxSamples: 20 }).catch((e: unknown) => e)) as CanopyError;
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.message).toMatch(/from this leaf, more than the limit of 20/);
    const ok = await c.client.instant('max_over_time(http_requests_total[10m])', T0, { maxSamples: 1000 });
    expect(ok.vector).toHaveLength(3);
  });

  it('tenants are isolated on the query path', async () => {
    const res = await c.client.instant('up', T0, { tenant: 'other' });
    expect(res.vector).toEqual([]);
  });
});

describe('e2e: failures and partial responses', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 3 });
    await c.client.write('default', DATA);
    await c.leaves[1]!.stop(); // leaf-1 holds r1 (job=node)
  });
  afterAll(async () => {
    await c.stop();
  });

  it('WARN (default): partial answer with unavailable for the stopped leaf’s range', async () => {
    const res = await c.client.instant('up', T0);
    expect(vectorText(res)).toEqual(['up{instance="a:1", job="api"} 1', 'up{instance="a:2", job="api"} 0', 'up{instance="w:1", job="web"} 1']);
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 2, partial: true });
    expect(res.health!.completeness).toBeCloseTo(2 / 3);
    expect(res.health!.issues).toEqual([expect.objectContaining({ kind: 'unavailable', rangeId: 'r1', leafId: 'leaf-1' })]);
    expect(res.warnings.join('\n')).toMatch(/partial response: 1 of 3 ranges missing/);
  });

  it('ABORT: UNAVAILABLE carrying the health', async () => {
    const err = (await c.client.instant('up', T0, { partialResponse: 'ABORT' }).catch((e: unknown) => e)) as CanopyError;
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/partial response aborted: range r1/);
    expect((err.detail as { health: { partial: boolean; issues: { rangeId: string }[] } }).health).toMatchObject({ partial: true, issues: [{ rangeId: 'r1' }] });
  });

  it('queries not touching the stopped leaf are complete under ABORT', async () => {
    const res = await c.client.instant('up{job="web"}', T0, { partialResponse: 'ABORT' });
    expect(res.health).toMatchObject({ expectedChildren: 1, completedChildren: 1, partial: false });
  });

  it('all children failing is an error whatever the strategy', async () => {
    await expect(c.client.instant('up{job="node"}', T0)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/all 1 children failed/) });
    await expect(c.client.labelValues('instance', ['up{job="node"}'])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('metadata calls are partial too', async () => {
    const jobs = await c.client.labelValues('job');
    expect(jobs.values).toEqual(['api', 'web']);
    expect(jobs.health).toMatchObject({ partial: true, expectedChildren: 3, completedChildren: 2 });
  });

  it('Admin reports the stopped leaf down', async () => {
    const leaves = await c.client.leaves();
    expect(leaves.leaves.map((l) => l.state)).toEqual(['up', 'down', 'up']);
  });

  it('a leaf re-registered at a new address is used at once', async () => {
    const fresh = await startLeaf({ id: 'leaf-1', listen: '127.0.0.1:0', logger: silent });
    c.leaves[1] = fresh; // stopped by the cluster's stop()
    await c.store.putLeaf({ id: 'leaf-1', address: fresh.address });
    await new Promise((r) => setTimeout(r, 10));
    const w = await c.client.write('default', DATA.filter((s) => s.labels.some((l) => l.name === 'job' && l.value === 'node')));
    expect(w.acceptedSeries).toBe(2);
    const res = await c.client.instant('up', T0, { partialResponse: 'ABORT' });
    expect(res.vector).toHaveLength(4);
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
  });
});

describe('e2e: replicas and deadlines', () => {
  let c: Cluster;
  let blackHole: net.Server;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    c = await startCluster({ leaves: 3, replicationFactor: 2 });
    await c.client.write('default', DATA);
    // A "leaf" that accepts TCP connections and never answers: calls to it hang until the deadline.
    blackHole = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    blackHole.close();
    await c.stop();
  });

  it('a failed primary falls back to the next replica (complete, fallback_used)', async () => {
    await c.leaves[0]!.stop(); // primary of r0, follower of r2
    const res = await c.client.instant('up', T0);
    expect(vectorText(res)).toHaveLength(4);
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
    expect(res.health!.issues).toEqual([expect.objectContaining({ kind: 'fallback_used', rangeId: 'r0', leafId: 'leaf-1' })]);
  });

  it('a hanging replica times out: partial with `timeout` under WARN', async () => {
    const addr = blackHole.address() as net.AddressInfo;
    await c.store.putLeaf({ id: 'hang', address: `127.0.0.1:${addr.port}` });
    const r2 = c.store.ranges().find((r) => r.id === 'r2')!;
    await c.store.putRange({ ...r2, epoch: r2.epoch + 1, replicas: [{ leafId: 'hang', state: 'available' }] });
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    const res = await c.client.instant('up', T0, { timeoutMs: 700 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 2, partial: true });
    expect(res.health!.issues).toContainEqual(expect.objectContaining({ kind: 'timeout', rangeId: 'r2', leafId: 'hang' }));
    await expect(c.client.instant('up{job="web"}', T0, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
