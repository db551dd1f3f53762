/**
 * Remote write 1.0: the hand-written decoder checked against protobufjs (an independent encoder
 * of the same schema), stale markers bit-exact, and the receiver's status codes over a real
 * embedded cluster (204 stored, 400 bad data that a sender drops, 503 retryable, 415 RW 2.0).
 */
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCluster, type EmbeddedCluster } from '../src/cli/cluster.js';
import { decodeRemoteWrite, decodeWriteRequestProto, encodeRemoteWrite, encodeWriteRequestProto } from '../src/http/index.js';
import { isStaleNaN } from '../src/model/index.js';

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
message MetricMetadata { enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message Histogram { uint64 count_int = 1; double sum = 3; int64 timestamp = 15; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
message Label { string name = 1; string value = 2; }
`;
const WriteRequest = protobuf.parse(PROTO).root.lookupType('prometheus.WriteRequest');

const T0 = 1_767_225_600_000;

describe('remote write decoding', () => {
  it('decodes what protobufjs encodes (labels, samples, negative timestamps, exemplars skipped, histograms counted, metadata)', () => {
    const msg = WriteRequest.create({
      timeseries: [
        {
          labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }],
          samples: [{ value: 1, timestamp: T0 }, { value: 0.5, timestamp: T0 + 15_000 }, { value: -2, timestamp: -1000 }],
          exemplars: [{ labels: [{ name: 'trace_id', value: 'x' }], value: 1, timestamp: T0 }],
        },
        { labels: [{ name: '__name__', value: 'h' }], histograms: [{ countInt: 3, sum: 1, timestamp: T0 }] },
      ],
      metadata: [{ type: 1, metricFamilyName: 'up', help: 'Up.', unit: 'seconds' }],
    });
    const bytes = WriteRequest.encode(msg).finish();
    const d = decodeWriteRequestProto(bytes);
    expect(d.series).toHaveLength(2);
    expect(d.series[0]!.labels).toEqual([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }]);
    expect(Array.from(d.series[0]!.t)).toEqual([T0, T0 + 15_000, -1000]);
    expect(Array.from(d.series[0]!.v)).toEqual([1, 0.5, -2]);
    expect(d.series[0]!.histograms).toBe(0);
    expect(d.series[1]!.histograms).toBe(1);
    expect(d.series[1]!.t.length).toBe(0);
    expect(d.metadata).toEqual([{ type: 'counter', metricFamilyName: 'up', help: 'Up.', unit: 'seconds' }]);
    // And our encoder produces what protobufjs reads.
    const ours = WriteRequest.decode(encodeWriteRequestProto([{ labels: [{ name: 'a', value: 'b' }], t: [5, -7], v: [1.5, 2] }])).toJSON();
    expect(ours).toEqual({ timeseries: [{ labels: [{ name: 'a', value: 'b' }], samples: [{ value: 1.5, timestamp: '5' }, { value: 2, timestamp: '-7' }] }] });
  });

  it('keeps the stale marker NaN payload bit for bit', () => {
    // Set the marker's bits directly: a NaN passing through an array literal gets its quiet bit set.
    const v = new Float64Array([1, 0, NaN]);
    const vb = new Uint32Array(v.buffer);
    [vb[2], vb[3]] = [0x00000002, 0x7ff00000];
    const d = decodeRemoteWrite(encodeRemoteWrite([{ labels: [{ name: '__name__', value: 'x' }], t: [1, 2, 3], v }]));
    const bits = new Uint32Array(d.series[0]!.v.buffer);
    expect([bits[2], bits[3]]).toEqual([0x00000002, 0x7ff00000]);
    expect(bits[5]).toBe(0x7ff80000); // an ordinary NaN stays ordinary
    expect(isStaleNaN(d.series[0]!.v[1]!)).toBe(true);
    expect(isStaleNaN(d.series[0]!.v[2]!)).toBe(false);
  });

  it('decodes samples whose fields come in another order (the slow path)', () => {
    // Sample { timestamp = 2: 1000; value = 1: 2.5 } — timestamp first.
    const value = new Uint8Array(new Float64Array([2.5]).buffer);
    const sample = [0x10, 0xe8, 0x07, 0x09, ...value];
    const label = [0x0a, 0x01, 0x61, 0x12, 0x01, 0x62]; // name "a", value "b"
    const ts = [0x0a, label.length, ...label, 0x12, sample.length, ...sample];
    const d = decodeWriteRequestProto(Uint8Array.from([0x0a, ts.length, ...ts]));
    expect(d.series[0]!.labels).toEqual([{ name: 'a', value: 'b' }]);
    expect(Array.from(d.series[0]!.t)).toEqual([1000]);
    expect(Array.from(d.series[0]!.v)).toEqual([2.5]);
  });

  it('refuses garbage with a clear message', () => {
    expect(() => decodeRemoteWrite(new Uint8Array([1, 2, 3, 4]))).toThrow(/malformed remote write request/);
    expect(() => decodeRemoteWrite(compress(new Uint8Array([0x0a, 0x50, 1])))).toThrow(/overruns/);
  });
});

describe('remote write receiver', () => {
  let cluster: EmbeddedCluster;
  let base: string;
  const post = (body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1/write`, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0', ...headers } });
  const one = (name: string, t: number[], v: number[], extra: Record<string, string> = {}) => ({
    labels: Object.entries({ __name__: name, instance: 'i', job: 'j', ...extra }).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value })),
    t,
    v,
  });
  const query = async (q: string, timeS: number) => (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}&time=${timeS}`)).json()) as { data: { result: { value: [number, string] }[] } };

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ leaves: 2, grpcAddr: '127.0.0.1:0', httpAddr: '127.0.0.1:0', logger: pino({ level: 'silent' }) });
    base = `http://${cluster.gateway.httpAddress}`;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('204 and the samples are queryable', async () => {
    const r = await post(encodeRemoteWrite([one('rw_ok', [T0, T0 + 1000], [1, 2])]));
    expect(r.status).toBe(204);
    expect((await query('rw_ok', T0 / 1000 + 1)).data.result[0]!.value).toEqual([T0 / 1000 + 1, '2']);
  });

  it('400 for an undecodable body (the sender drops it)', async () => {
    const r = await post('not snappy at all');
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/malformed remote write request/);
  });

  it('400 for out-of-order samples, while the valid series of the request are stored', async () => {
    // An hour newer: T0 then falls outside the leaves' 10-minute out-of-order admission window.
    await post(encodeRemoteWrite([one('rw_order', [T0 + 3_600_000], [1])]));
    const r = await post(encodeRemoteWrite([one('rw_order', [T0], [5]), one('rw_fine', [T0], [3])]));
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/out_of_order/);
    expect((await query('rw_fine', T0 / 1000)).data.result).toHaveLength(1);
  });

  it('400 for invalid labels and for native histograms', async () => {
    const bad = await post(encodeRemoteWrite([{ labels: [{ name: '__name__', value: 'ok' }, { name: '', value: 'x' }], t: [T0], v: [1] }]));
    expect(bad.status).toBe(400);
    const histo = WriteRequest.encode(WriteRequest.create({ timeseries: [{ labels: [{ name: '__name__', value: 'h' }], histograms: [{ countInt: 1, sum: 1, timestamp: T0 }] }] })).finish();
    const h = await post(new Uint8Array(compress(histo)));
    expect(h.status).toBe(400);
    expect(await h.text()).toMatch(/native histograms are not supported/);
  });

  it('identical re-sends are accepted (retries are idempotent)', async () => {
    const body = encodeRemoteWrite([one('rw_retry', [T0, T0 + 1000], [1, 2])]);
    expect((await post(body)).status).toBe(204);
    expect((await post(body)).status).toBe(204);
  });

  it('415 for remote write 2.0, 204 for an empty request', async () => {
    expect((await post(encodeRemoteWrite([]), { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' })).status).toBe(415);
    expect((await post(encodeRemoteWrite([]))).status).toBe(204);
  });

  it('503 (retryable) when no replica can take the write', async () => {
    await Promise.all(cluster.leaves.map((l) => l.stop()));
    const r = await post(encodeRemoteWrite([one('rw_down', [T0], [1])]));
    expect(r.status).toBe(503);
  });
});
