import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { LeafClient, type ExecuteEvent } from '../src/rpc/index.js';
import { CanopyError, KeyEncoder, labelsFromRecord, type Series } from '../src/model/index.js';
import type { ExecuteRequest } from '../src/rpc/gen/canopy/v1/ExecuteRequest.js';

let leaf: LeafHandle;
let client: LeafClient;

async function collect(req: ExecuteRequest): Promise<{ series: Series[]; warnings: string[]; stats?: Extract<ExecuteEvent, { kind: 'stats' }>['stats']; batches: number }> {
  const out = { series: [] as Series[], warnings: [] as string[], stats: undefined as undefined | Extract<ExecuteEvent, { kind: 'stats' }>['stats'], batches: 0 };
  for await (const ev of client.execute(req, { deadlineMs: 10_000 })) {
    if (ev.kind === 'batch') {
      out.series.push(...ev.series);
      out.batches++;
    } else if (ev.kind === 'warning') out.warnings.push(ev.message);
    else out.stats = ev.stats;
  }
  return out;
}

const T0 = 1_700_000_000_000;

beforeAll(async () => {
  leaf = await startLeaf({ id: 'leaf-test' });
  client = new LeafClient(leaf.address);
  const series = [];
  for (const job of ['api', 'db']) {
    for (let i = 0; i < 3; i++) {
      const t = Array.from({ length: 60 }, (_, k) => T0 + k * 15_000);
      const v = t.map((_, k) => k + i * 100);
      series.push({ labels: labelsFromRecord({ __name__: 'req_total', job, instance: `h${i}:9090` }), t, v });
    }
  }
  const res = await client.write('acme', series);
  expect(res.acceptedSeries).toBe(6);
  expect(res.acceptedSamples).toBe(360);
  expect(res.rejections).toEqual([]);
});

afterAll(async () => {
  client?.close();
  await leaf?.stop();
});

describe('leaf over gRPC', () => {
  it('binds an ephemeral loopback port', () => {
    expect(leaf.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(leaf.address.endsWith(':0')).toBe(false);
  });

  it('executes a raw selector and streams arrow batches + stats', async () => {
    const r = await collect({
      tenant: 'acme',
      fragment: { selector: { matchers: [{ type: 'EQ', name: '__name__', value: 'req_total' }, { type: 'EQ', name: 'job', value: 'api' }], startMs: T0 + 15_000, endMs: T0 + 45_000, raw: true } },
    });
    expect(r.series.map((s) => s.labels.find((l) => l.name === 'instance')!.value)).toEqual(['h0:9090', 'h1:9090', 'h2:9090']);
    for (const s of r.series) expect(Array.from(s.t)).toEqual([T0 + 15_000, T0 + 30_000, T0 + 45_000]);
    expect(Array.from(r.series[1]!.v)).toEqual([101, 102, 103]);
    expect(r.stats).toMatchObject({ series: 3, samples: 9 });
    expect(r.stats!.bytes).toBeGreaterThan(0);
  });

  it('executes an instant selector at steps with lookback', async () => {
    const r = await collect({
      tenant: 'acme',
      fragment: {
        selector: { matchers: [{ type: 'EQ', name: 'job', value: 'db' }, { type: 'EQ', name: 'instance', value: 'h0:9090' }], startMs: T0 - 60_000, endMs: T0 + 30_000, stepMs: 30_000, lookbackMs: 20_000 },
      },
    });
    expect(r.series).toHaveLength(1);
    // steps T0-60s, T0-30s (no data), T0 (sample 0), T0+30s (sample 2)
    expect(Array.from(r.series[0]!.t)).toEqual([T0, T0 + 30_000]);
    expect(Array.from(r.series[0]!.v)).toEqual([0, 2]);
  });

  it('never returns series outside the requested key ranges', async () => {
    const keys = new KeyEncoder();
    const api = keys.spanFor('acme', new Map([['job', 'api']]));
    const r = await collect({
      tenant: 'acme',
      ranges: [{ id: 'r-api', start: api.start, end: api.end }],
      fragment: { selector: { matchers: [{ type: 'EQ', name: '__name__', value: 'req_total' }], startMs: 0, endMs: T0 + 3_600_000, raw: true } },
    });
    expect(r.series).toHaveLength(3);
    for (const s of r.series) expect(s.labels.find((l) => l.name === 'job')!.value).toBe('api');
    // Another tenant sees nothing.
    const other = await collect({ tenant: 'other', fragment: { selector: { matchers: [{ type: 'EQ', name: '__name__', value: 'req_total' }], startMs: 0, endMs: T0 + 3_600_000, raw: true } } });
    expect(other.series).toHaveLength(0);
    expect(other.stats).toMatchObject({ series: 0, samples: 0 });
  });

  it('reports bad fragments as INVALID_ARGUMENT', async () => {
    await expect(collect({ tenant: 'acme' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      collect({ tenant: 'acme', fragment: { selector: { matchers: [{ type: 'RE', name: 'job', value: '(' }], raw: true, endMs: 1 } } }),
    ).rejects.toBeInstanceOf(CanopyError);
  });
});
