import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { CHANNEL_OPTIONS, LeafClient, type ExecuteEvent } from '../src/rpc/index.js';
import { CanopyError, KeyEncoder, labelsFromRecord, type Series } from '../src/model/index.js';
import type { ExecuteRequest } from '../src/rpc/gen/canopy/v1/ExecuteRequest.js';

let leaf: LeafHandle;
let client: LeafClient;
/** A client with grpc's default 64 KiB flow-control window, so a large stream cannot be sent ahead. */
let slowClient: LeafClient;
const T0 = 1_700_000_000_000;
const BIG_SERIES = 400;
const BIG_SAMPLES = 2000; // 400 × 2000 × 16 B ≈ 12.8 MB → several arrow batches

const bigReq = (tenant = 'big'): ExecuteRequest => ({
  tenant,
  queryId: 'q-big',
  fragment: { selector: { matchers: [{ type: 'EQ', name: '__name__', value: 'big' }], startMs: 0, endMs: T0 * 2, raw: true } },
});

async function cancelledCount(): Promise<number> {
  const m = await leaf.metrics.registry.getSingleMetric('canopy_leaf_execute_cancelled_total')!.get();
  return m.values.reduce((a, x) => a + x.value, 0);
}

async function until(f: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not reached in time');
}

beforeAll(async () => {
  leaf = await startLeaf({ id: 'leaf-exec', zone: 'z1', batchTargetBytes: 64 * 1024 });
  client = new LeafClient(leaf.address);
  slowClient = new LeafClient(leaf.address, { ...CHANNEL_OPTIONS, 'grpc-node.flow_control_window': 65_535 });
  const t = new Float64Array(BIG_SAMPLES).map((_, k) => T0 + k * 15_000);
  const v = new Float64Array(BIG_SAMPLES).map((_, k) => k);
  const series = Array.from({ length: BIG_SERIES }, (_, i) => ({ labels: labelsFromRecord({ __name__: 'big', job: `j${i % 4}`, instance: `i${i}` }), t, v }));
  for (let i = 0; i < series.length; i += 100) await client.write('big', series.slice(i, i + 100));
  await client.write('small', [
    { labels: labelsFromRecord({ __name__: 'cpu', job: 'api', instance: 'a', mode: 'user' }), t: [T0, T0 + 60_000], v: [1, 2] },
    { labels: labelsFromRecord({ __name__: 'cpu', job: 'api', instance: 'b', mode: 'idle' }), t: [T0], v: [3] },
    { labels: labelsFromRecord({ __name__: 'mem', job: 'db', instance: 'c' }), t: [T0 + 120_000], v: [4] },
  ]);
});
afterAll(async () => {
  client?.close();
  slowClient?.close();
  await leaf?.stop();
});

describe('leaf Execute streaming', () => {
  it('splits a large result into bounded arrow batches and reports stats', async () => {
    let batches = 0;
    let series = 0;
    let samples = 0;
    let maxBytes = 0;
    let stats: Extract<ExecuteEvent, { kind: 'stats' }>['stats'] | undefined;
    for await (const ev of client.execute(bigReq(), { deadlineMs: 30_000 })) {
      if (ev.kind === 'batch') {
        batches++;
        series += ev.series.length;
        for (const s of ev.series) samples += s.t.length;
        maxBytes = Math.max(maxBytes, ev.bytes);
      } else if (ev.kind === 'stats') stats = ev.stats;
    }
    expect(series).toBe(BIG_SERIES);
    expect(samples).toBe(BIG_SERIES * BIG_SAMPLES);
    expect(batches).toBeGreaterThan(50);
    expect(maxBytes).toBeLessThan(256 * 1024);
    expect(stats).toMatchObject({ series: BIG_SERIES, samples: BIG_SERIES * BIG_SAMPLES });
  });

  it('stops streaming when the caller aborts', async () => {
    const before = await cancelledCount();
    const ac = new AbortController();
    let batches = 0;
    const err = await (async () => {
      for await (const ev of slowClient.execute(bigReq(), { signal: ac.signal })) {
        if (ev.kind === 'batch' && ++batches === 1) ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanopyError);
    expect((err as CanopyError).code).toBe('CANCELLED');
    expect(batches).toBeLessThan(20);
    await until(async () => (await cancelledCount()) > before);
  });

  it('cancels the call when the consumer leaves the loop early', async () => {
    const before = await cancelledCount();
    for await (const ev of slowClient.execute(bigReq())) if (ev.kind === 'batch') break;
    await until(async () => (await cancelledCount()) > before);
  });

  it('fails with DEADLINE_EXCEEDED when the deadline passes', async () => {
    const err = await (async () => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      for await (const _ of client.execute(bigReq(), { deadlineMs: 1 })) {
        await new Promise((r) => setTimeout(r, 5));
      }
    })().catch((e: unknown) => e);
    expect((err as CanopyError).code).toBe('DEADLINE_EXCEEDED');
  });

  it('refuses results over max_samples with RESOURCE_EXHAUSTED', async () => {
    const err = await (async () => {
      for await (const _ of client.execute({ ...bigReq(), maxSamples: 1000 })) void _;
    })().catch((e: unknown) => e);
    expect((err as CanopyError).code).toBe('RESOURCE_EXHAUSTED');
  });

  it('evaluates a range selector at steps (raw samples in the windows)', async () => {
    const out: Series[] = [];
    const req: ExecuteRequest = {
      tenant: 'big',
      fragment: { selector: { matchers: [{ type: 'EQ', name: 'instance', value: 'i7' }], startMs: T0 + 60_000, endMs: T0 + 120_000, stepMs: 60_000, rangeMs: 30_000 } },
    };
    for await (const ev of client.execute(req)) if (ev.kind === 'batch') out.push(...ev.series);
    expect(out).toHaveLength(1);
    // windows (T0+30s, T0+60s] and (T0+90s, T0+120s]
    expect(Array.from(out[0]!.t).map((t) => (t - T0) / 1000)).toEqual([45, 60, 105, 120]);
  });

  it('pushes down a PromQL expression fragment to the engine', async () => {
    const out: Series[] = [];
    const warnings: string[] = [];
    const req: ExecuteRequest = { tenant: 'small', fragment: { expr: { promql: 'sum by (job) (cpu)', startMs: T0 + 60_000, endMs: T0 + 60_000 } } };
    for await (const ev of client.execute(req)) {
      if (ev.kind === 'batch') out.push(...ev.series);
      if (ev.kind === 'warning') warnings.push(ev.message);
    }
    expect(out).toHaveLength(1);
    expect(out[0]!.labels).toEqual([{ name: 'job', value: 'api' }]);
    expect(Array.from(out[0]!.t)).toEqual([T0 + 60_000]);
    expect(Array.from(out[0]!.v)).toEqual([5]);
    // A range expression: matrix result over steps, scoped to one key range.
    const apiA = new KeyEncoder().spanFor('small', new Map([['job', 'api'], ['instance', 'a']]));
    const r2: Series[] = [];
    for await (const ev of client.execute({
      tenant: 'small',
      ranges: [{ id: 'a', start: apiA.start, end: apiA.end }],
      fragment: { expr: { promql: 'count(cpu)', startMs: T0, endMs: T0 + 60_000, stepMs: 30_000 } },
    })) if (ev.kind === 'batch') r2.push(...ev.series);
    expect(r2).toHaveLength(1);
    expect(Array.from(r2[0]!.v)).toEqual([1, 1, 1]);
    // Annotations travel as warning frames; a scalar is one series without labels.
    const w: string[] = [];
    const r3: Series[] = [];
    for await (const ev of client.execute({ tenant: 'small', fragment: { expr: { promql: 'scalar(sum(rate(cpu[5m])))', startMs: T0 + 60_000, endMs: T0 + 60_000 } } })) {
      if (ev.kind === 'warning') w.push(ev.message);
      if (ev.kind === 'batch') r3.push(...ev.series);
    }
    expect(w.join('\n')).toMatch(/might not be a counter/);
    expect(r3).toHaveLength(1);
    expect(r3[0]!.labels).toEqual([]);
    await expect(
      (async () => {
        for await (const _ of client.execute({ tenant: 'small', fragment: { expr: { promql: 'sum(', endMs: T0 } } })) void _;
      })(),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('leaf Series, labels and Status', () => {
  const sel = (name: string) => ({ matchers: [{ type: 'EQ' as const, name: '__name__', value: name }] });

  it('Series returns label sets of any selector, scoped and limited', async () => {
    const all = await client.series({ tenant: 'small', selectors: [sel('cpu'), sel('mem')] });
    expect(all.map((l) => l.find((x) => x.name === 'instance')!.value)).toEqual(['a', 'b', 'c']);
    const api = new KeyEncoder().spanFor('small', new Map([['job', 'api']]));
    const scoped = await client.series({ tenant: 'small', selectors: [sel('cpu'), sel('mem')], ranges: [{ id: 'r1', start: api.start, end: api.end }] });
    expect(scoped).toHaveLength(2);
    expect(await client.series({ tenant: 'small', selectors: [sel('cpu')], limit: 1 })).toHaveLength(1);
    // Time window: mem has its only sample at T0+120s.
    expect(await client.series({ tenant: 'small', selectors: [sel('mem')], startMs: T0, endMs: T0 + 60_000 })).toHaveLength(0);
    await expect(client.series({ tenant: 'small', selectors: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('LabelNames and LabelValues', async () => {
    expect(await client.labelNames({ tenant: 'small' })).toEqual(['__name__', 'instance', 'job', 'mode']);
    expect(await client.labelNames({ tenant: 'small', selectors: [sel('mem')] })).toEqual(['__name__', 'instance', 'job']);
    expect(await client.labelValues({ tenant: 'small', name: 'instance' })).toEqual(['a', 'b', 'c']);
    expect(await client.labelValues({ tenant: 'small', name: 'mode', selectors: [sel('cpu')], limit: 1 })).toEqual(['idle']);
    expect(await client.labelValues({ tenant: 'nobody', name: 'instance' })).toEqual([]);
    await expect(client.labelValues({ tenant: 'small', name: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('Status reports identity, totals and per-range stats', async () => {
    const st = await client.status();
    expect(st).toMatchObject({ leafId: 'leaf-exec', address: leaf.address, zone: 'z1' });
    expect(st.tenants).toEqual(['big', 'small']);
    expect(st.series).toBe(BIG_SERIES + 3);
    expect(st.samples).toBe(BIG_SERIES * BIG_SAMPLES + 4);
    const small = st.ranges.find((r) => r.rangeId === '' && r.tenant === 'small')!;
    expect(small).toMatchObject({ series: 3, samples: 4, minTimeMs: T0, maxTimeMs: T0 + 120_000 });
    // r1 (job=api of tenant small) was named by an earlier request.
    expect(st.ranges.find((r) => r.rangeId === 'r1')).toMatchObject({ tenant: 'small', series: 2, samples: 3 });
    leaf.setRanges([{ id: 'all-small', ...new KeyEncoder().tenantSpan('small'), tenant: 'small' }]);
    const st2 = await client.status();
    expect(st2.ranges.filter((r) => r.rangeId !== '')).toEqual([expect.objectContaining({ rangeId: 'all-small', series: 3 })]);
  });
});
