import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyWrite, createLeafMetrics, LeafStore, startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { canopyProto, decodeWriteRequest, encodeWriteRequest, LeafClient, type TimeSeriesIn } from '../src/rpc/index.js';
import { CanopyError, isStaleNaN, labelsFromRecord, STALE_NAN, type Series } from '../src/model/index.js';

let leaf: LeafHandle;
let client: LeafClient;

const up = (instance: string): TimeSeriesIn['labels'] => labelsFromRecord({ __name__: 'up', job: 'api', instance });
const ser = (labels: TimeSeriesIn['labels'], t: number[], v: number[]): TimeSeriesIn => ({ labels, t, v });

async function raw(tenant: string, instance: string): Promise<Series[]> {
  const out: Series[] = [];
  for await (const ev of client.execute({ tenant, fragment: { selector: { matchers: [{ type: 'EQ', name: 'instance', value: instance }], startMs: 0, endMs: 1e13, raw: true } } })) {
    if (ev.kind === 'batch') out.push(...ev.series);
  }
  return out;
}

async function counter(name: string, reason: string): Promise<number> {
  const m = await leaf.metrics.registry.getSingleMetric(name)!.get();
  return m.values.find((x) => x.labels.reason === reason)?.value ?? 0;
}

beforeAll(async () => {
  leaf = await startLeaf({ id: 'leaf-write', maxReceiveMessageBytes: 256 * 1024, oooWindowMs: 0 }); // strict order: out-of-order rejection is the subject here
  client = new LeafClient(leaf.address);
});
afterAll(async () => {
  client?.close();
  await leaf?.stop();
});

describe('leaf Write over gRPC', () => {
  it('writes a mixed batch: good series written, each bad one listed and counted', async () => {
    const before = await counter('canopy_leaf_rejected_samples_total', 'invalid_labels');
    const res = await client.write('w1', [
      ser(up('good'), [1000, 2000], [1, 2]),
      ser([{ name: '__name__', value: 'up' }, { name: '', value: 'x' }], [1000], [1]),
      ser([{ name: 'job', value: 'x' }], [1000], [1]), // no metric name
      ser(labelsFromRecord({ __name__: 'm', job: 'x', bad: '\ud800' }), [1000], [1]), // lone surrogate → invalid UTF-8 on the wire? replaced by U+FFFD
      ser(up('neg'), [-5, 1000], [1, 2]),
      ser(up('ooo'), [3000, 2000, 4000], [1, 2, 3]),
      ser(up('mismatch'), [1, 2], [1]),
    ]);
    expect(res.acceptedSeries).toBe(4);
    const byIndex = Object.fromEntries(res.rejections.map((r) => [r.seriesIndex, r]));
    expect(byIndex[1]).toMatchObject({ reason: 'invalid_labels', rejectedSamples: 1 });
    expect(byIndex[1]!.message).toMatch(/empty label name/);
    expect(byIndex[2]).toMatchObject({ reason: 'invalid_labels' });
    expect(byIndex[2]!.message).toMatch(/no metric name/);
    expect(byIndex[4]).toMatchObject({ reason: 'invalid_timestamp', rejectedSamples: 1, series: 'up{instance="neg", job="api"}' });
    expect(byIndex[4]!.message).toMatch(/negative/);
    expect(byIndex[5]).toMatchObject({ reason: 'out_of_order', rejectedSamples: 1 });
    expect(byIndex[6]).toMatchObject({ reason: 'mismatched_lengths', rejectedSamples: 2 });
    expect(res.acceptedSamples).toBe(2 + 1 + 1 + 2);
    expect(res.rejectedSamples).toBe(1 + 1 + 1 + 1 + 2);
    expect(await counter('canopy_leaf_rejected_samples_total', 'invalid_labels')).toBe(before + 2);
    expect(await counter('canopy_leaf_rejected_series_total', 'mismatched_lengths')).toBeGreaterThanOrEqual(1);
    expect(Array.from((await raw('w1', 'ooo'))[0]!.t)).toEqual([3000, 4000]);
  });

  it('fails a request with nothing valid with INVALID_ARGUMENT listing the reasons', async () => {
    await client.write('w2', [ser(up('a'), [5000], [1])]);
    const err = await client.write('w2', [ser(up('a'), [4000], [1]), ser(up('a'), [5000], [2]), ser([{ name: 'Bad', value: 'x' }], [1], [1])]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanopyError);
    expect((err as CanopyError).code).toBe('INVALID_ARGUMENT');
    expect((err as CanopyError).message).toMatch(/out_of_order/);
    expect((err as CanopyError).message).toMatch(/duplicate_sample/);
    expect((err as CanopyError).message).toMatch(/invalid_labels/);
    expect((err as CanopyError).detail).toMatchObject({ rejections: [{ seriesIndex: 0 }, { seriesIndex: 1 }, { seriesIndex: 2 }] });
    expect(await counter('canopy_leaf_rejected_samples_total', 'duplicate_sample')).toBeGreaterThanOrEqual(1);
  });

  it('ignores an identical re-send (idempotent retry) and accepts it', async () => {
    const s = ser(up('idem'), [1000, 2000], [1, 2]);
    await client.write('w3', [s]);
    const again = await client.write('w3', [s]);
    expect(again).toMatchObject({ acceptedSeries: 1, acceptedSamples: 2, rejectedSamples: 0 });
    expect((await raw('w3', 'idem'))[0]!.t.length).toBe(2);
  });

  it('rejects an empty write', async () => {
    await expect(client.write('w4', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'empty write request' });
    await expect(client.write('w4', [ser(up('x'), [], [])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'empty write request' });
  });

  it('validates the tenant; empty means default; unknown tenants read nothing', async () => {
    await expect(client.write('bad tenant/..', [ser(up('x'), [1], [1])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await client.write('', [ser(up('deflt'), [1], [1])]);
    expect(await raw('default', 'deflt')).toHaveLength(1);
    expect(await raw('never-written', 'deflt')).toHaveLength(0);
    await expect(raw('bad tenant', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('keeps stale markers bit-exact through Write and Execute', async () => {
    const v = new Float64Array([1, 0, 3]);
    v[1] = STALE_NAN;
    await client.write('w5', [{ labels: up('stale'), t: new Float64Array([1000, 2000, 3000]), v }]);
    const got = (await raw('w5', 'stale'))[0]!.v;
    expect(got[0]).toBe(1);
    expect(isStaleNaN(got[1]!)).toBe(true);
    // Instant selector skips the stale sample.
    const frames = [];
    for await (const ev of client.execute({ tenant: 'w5', fragment: { selector: { matchers: [{ type: 'EQ', name: 'instance', value: 'stale' }], startMs: 2500, endMs: 2500 } } })) frames.push(ev);
    expect(frames.filter((f) => f.kind === 'batch').flatMap((f) => (f.kind === 'batch' ? f.series : []))).toHaveLength(0);
  });

  it('refuses a message over the size limit with RESOURCE_EXHAUSTED', async () => {
    const n = 40_000; // ≈ 40k × (8 + 6) bytes > 256 KiB
    const t = new Float64Array(n).map((_, i) => 1_700_000_000_000 + i * 1000);
    const err = await client.write('w6', [{ labels: up('big'), t, v: new Float64Array(n) }]).catch((e: unknown) => e);
    expect((err as CanopyError).code).toBe('RESOURCE_EXHAUSTED');
  });

  it('refuses non-integer timestamps client-side', async () => {
    await expect(client.write('w7', [ser(up('x'), [1.5], [1])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.write('w7', [ser(up('x'), [NaN], [1])])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('applyWrite (in process)', () => {
  it('rejects NaN, infinite, non-integer and negative timestamps per sample', () => {
    const store = new LeafStore();
    const metrics = createLeafMetrics('x');
    const res = applyWrite(store, metrics, 't', [{ labels: up('a'), t: [NaN, Infinity, 1.5, -1, 10, 20], v: [0, 0, 0, 0, 1, 2] }]);
    expect(res.acceptedSamples).toBe(2);
    expect(res.rejections).toEqual([expect.objectContaining({ reason: 'invalid_timestamp', rejectedSamples: 4 })]);
    expect(() => applyWrite(store, metrics, 't', [{ labels: up('a'), t: [NaN], v: [1] }])).toThrow(/invalid_timestamp/);
  });
  it('tolerates unsorted labels and keeps empty values (as Prometheus does) but rejects duplicate names', () => {
    const store = new LeafStore();
    const r = applyWrite(store, undefined, 't', [
      { labels: [{ name: 'job', value: 'a' }, { name: '__name__', value: 'm' }], t: [1], v: [1] },
      { labels: [{ name: '__name__', value: 'm' }, { name: 'a', value: 'x' }, { name: 'a', value: 'y' }], t: [1], v: [1] },
      { labels: [{ name: '__name__', value: 'm' }, { name: 'a', value: '' }], t: [1], v: [1] },
    ]);
    expect(r.acceptedSeries).toBe(2);
    expect(r.rejections.map((x) => x.message)).toEqual(['duplicate label name "a"']);
  });
});

describe('write wire codec', () => {
  const proto = () => canopyProto().Leaf.service.Write;
  it('is readable by protobufjs and reads protobufjs output', () => {
    const series = [ser(up('a'), [0, 1, 1_700_000_000_123, -7], [1.5, -2, 1e300, 0]), ser(labelsFromRecord({ __name__: 'ü', k: 'ключ' }), [], [])];
    const bytes = encodeWriteRequest('ten', series);
    const viaPbjs = proto().requestDeserialize(Buffer.from(bytes)) as { tenant: string; series: { labels: unknown[]; timestampsMs: number[]; values: number[] }[] };
    expect(viaPbjs.tenant).toBe('ten');
    expect(viaPbjs.series[0]!.timestampsMs).toEqual([0, 1, 1_700_000_000_123, -7]);
    expect(viaPbjs.series[0]!.values).toEqual([1.5, -2, 1e300, 0]);
    expect(viaPbjs.series[1]!.labels).toEqual(series[1]!.labels);
    const back = decodeWriteRequest(proto().requestSerialize(viaPbjs as never));
    expect(back.tenant).toBe('ten');
    expect(Array.from(back.series[0]!.timestampsMs)).toEqual([0, 1, 1_700_000_000_123, -7]);
    expect(Array.from(back.series[0]!.values)).toEqual([1.5, -2, 1e300, 0]);
    expect(back.series[0]!.labels).toEqual(series[0]!.labels);
    expect(back.series[1]!.timestampsMs.length).toBe(0);
  });
  it('reads unpacked repeated fields and skips unknown fields', () => {
    // TimeSeries { 2: 5 (varint, unpacked), 2: 6, 3: 1.0 (fixed64), 3: 2.0, 9: "junk" }
    const d = (x: number) => Array.from(new Uint8Array(Float64Array.of(x).buffer));
    const ts = [0x10, 5, 0x10, 6, 0x19, ...d(1), 0x19, ...d(2), 0x4a, 1, 0x41];
    const msg = Uint8Array.from([0x12, ts.length, ...ts, 0x78, 1]);
    const r = decodeWriteRequest(msg);
    expect(Array.from(r.series[0]!.timestampsMs)).toEqual([5, 6]);
    expect(Array.from(r.series[0]!.values)).toEqual([1, 2]);
  });
  it('marks invalid UTF-8 in labels so that series alone is rejected', async () => {
    const good = encodeWriteRequest('', [ser(up('ok'), [1000], [1])]);
    // A TimeSeries with labels __name__="up" and job=<0xff 0xfe>, one sample.
    const lab = (n: number[], v: number[]) => [0x0a, n.length + v.length + 4, 0x0a, n.length, ...n, 0x12, v.length, ...v];
    const ts = [...lab([...Buffer.from('__name__')], [...Buffer.from('up')]), ...lab([...Buffer.from('job')], [0xff, 0xfe]), 0x12, 1, 5, 0x1a, 8, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
    const msg = Uint8Array.from([...good, 0x12, ts.length, ...ts]);
    const decoded = decodeWriteRequest(msg);
    expect(decoded.series[1]!.labels[1]!.name).toBe('job');
    expect(Array.from(decoded.series[1]!.values)).toEqual([1]);
    const res = applyWrite(new LeafStore(), undefined, 'x', decoded.series.map((s) => ({ labels: s.labels, t: s.timestampsMs, v: s.values })));
    expect(res.acceptedSeries).toBe(1);
    expect(res.rejections).toEqual([expect.objectContaining({ seriesIndex: 1, reason: 'invalid_labels', message: 'label value of "job" is not valid UTF-8' })]);
  });
  it('rejects truncated input', () => {
    const bytes = encodeWriteRequest('t', [ser(up('a'), [1, 2], [1, 2])]);
    expect(() => decodeWriteRequest(bytes.subarray(0, bytes.length - 3))).toThrow(/malformed/);
  });
});
