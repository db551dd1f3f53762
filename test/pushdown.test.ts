/**
 * Pushdown through a real cluster (4 leaves, many ranges): the switch (QueryOptions
 * disable_pushdown) changes bytes moved, not answers; Explain shows the plan tree, each
 * fragment's grid, data window, ranges and leaves, and with analyze the actual series, samples,
 * bytes and milliseconds per fragment and per leaf.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiffCluster, type DiffCluster } from './differential-cluster.js';
import { compareNorm, fromResponse } from './differential-compare.js';
import { randomData, T0 } from './differential-gen.js';

describe('pushdown through the gateway', () => {
  let c: DiffCluster;
  beforeAll(async () => {
    c = await startDiffCluster(randomData(7));
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  const start = T0 + 10 * 60_000;
  const end = T0 + 30 * 60_000;

  it.each([
    'sum by (job) (rate(req_total[5m]))',
    'histogram_quantile(0.9, sum by (le, job) (rate(lat_bucket[5m])))',
    'avg by (mode) (temp)',
    'stddev(temp offset 2m)',
    'topk(3, rate(req_total[1m]))',
    'count_values("v", round(temp / 10))',
    'max_over_time(sum by (job) (rate(req_total[2m]))[10m:1m])',
  ])('%s: same answer with and without pushdown, fewer bytes with', async (q) => {
    const on = await c.client.range(q, start, end, 30_000);
    const off = await c.client.range(q, start, end, 30_000, { disablePushdown: true });
    expect(compareNorm(fromResponse(off), fromResponse(on), false)).toBeNull();
    expect(on.matrix.length).toBeGreaterThan(0);
    expect(Number(on.stats!.bytesFetched)).toBeLessThan(Number(off.stats!.bytesFetched));
  });

  it('Explain shows the plan tree, fragments, windows, ranges and leaves', async () => {
    const res = await c.client.explain('sum by (job) (rate(req_total{job=~"api|db"}[5m] offset 1m))', 0, { startMs: start, endMs: end, stepMs: 60_000 });
    const text = res.text;
    expect(text).toContain('Plan:\n  Merge sum by (job)\n    Remote partial f0 sum: sum by (job) (rate(req_total{job=~"api|db"}[5m] offset 1m))');
    expect(text).toContain(`Grid: [${new Date(start).toISOString()}, ${new Date(end).toISOString()}] step 60000ms`);
    // Window: range 5m + offset 1m before the first step, up to the last step minus the offset.
    expect(text).toContain(`Window: req_total{job=~"api|db"} [${new Date(start - 6 * 60_000 + 1).toISOString()}, ${new Date(end - 60_000).toISOString()}]`);
    expect(text).toMatch(/Fanout: targeted, \d+ ranges read, \d+ pruned by range/);
    expect(text).toMatch(/Leaves: leaf-\d \[r\d+/);
    expect(text).not.toContain('Analyze:');
    const json = JSON.parse(res.json) as { distributed: { plan: { root: { operator: string; variant: string } }; fragments: { id: string; leaves: unknown[] }[] } };
    expect(json.distributed.plan.root).toMatchObject({ operator: 'Merge', variant: 'sum' });
    expect(json.distributed.fragments[0]!.id).toBe('f0');
  });

  it('Explain --analyze reports actual series, samples, bytes and ms per fragment, per leaf and per stage', async () => {
    const res = await c.client.explain('avg by (job) (rate(req_total[5m])) / on (job) max by (job) (temp)', 0, { startMs: start, endMs: end, stepMs: 60_000, analyze: true });
    const text = res.text;
    expect(text).toContain('Merge avg moments');
    expect(text).toMatch(/Fragment f0 partial avg moments \(count, mean\)/);
    expect(text).toMatch(/Analyze: \d+ series, \d+ samples, \d+ bytes in [\d.]+ ms/);
    expect(text).toMatch(/ {4}leaf-\d \[[r\d, ]+\]: \d+ series, \d+ samples, \d+ bytes, [\d.]+ ms/);
    expect(text).toMatch(/Stages: plan [\d.]+ ms, fan-out \+ evaluation [\d.]+ ms/);
    const json = JSON.parse(res.json) as { distributed: { fragments: { analyze?: { bytes: number; leaves: unknown[] } }[] } };
    expect(json.distributed.fragments).toHaveLength(2);
    for (const f of json.distributed.fragments) expect(f.analyze!.bytes).toBeGreaterThan(0);
  });

  it('with pushdown disabled the plan fetches raw series', async () => {
    const res = await c.client.explain('sum by (job) (rate(req_total[5m]))', 0, { startMs: start, endMs: end, stepMs: 60_000, options: { disablePushdown: true } });
    expect(res.text).toContain('Plan:\n  Aggregate sum by (job)\n    Function rate\n      Selector range req_total[5m]');
    expect(res.text).toContain('Selector req_total (raw series)');
    expect(res.text).not.toContain('Remote');
  });
});
