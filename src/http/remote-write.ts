/**
 * Prometheus remote write 1.0: the body is a snappy-compressed (block format) protobuf
 * `prometheus.WriteRequest`:
 *
 *   WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2;
 *                    repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 *   Label          { string name = 1; string value = 2; }
 *   Sample         { double value = 1; int64 timestamp = 2; }
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 *
 * A hand-written decoder (as src/rpc/write-wire.ts, on the primitives of src/rpc/pb-wire.ts):
 * sample values are copied byte for byte into a Float64Array, so the stale marker (NaN with
 * payload 2, which Prometheus sends when a series disappears) arrives intact; protobufjs would
 * canonicalise it. No object per sample.
 * Exemplars are skipped; native histograms are counted so the receiver can reject them.
 */
import { compress, uncompress } from 'snappyjs';
import { InvalidArgumentError, type Label } from '../model/index.js';
import { decodeLabel, decodeLabelText, doubleBytes, PbReader, PbWriter } from '../rpc/index.js';

export interface RemoteSeries {
  labels: Label[];
  /** ms */
  t: Float64Array;
  v: Float64Array;
  /** Native histogram samples in this series (not supported: rejected by the receiver). */
  histograms: number;
}

export interface RemoteMetadata {
  type: string;
  metricFamilyName: string;
  help: string;
  unit: string;
}

export interface RemoteWriteRequest {
  series: RemoteSeries[];
  metadata: RemoteMetadata[];
}

/** Prometheus's MetricMetadata.MetricType, as /api/v1/metadata spells the types. */
const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Largest decompressed body accepted (Prometheus's receiver has no limit; sends ≤ a few MiB). */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

function malformed(what: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed remote write request: ${what}`);
}

/** Invalid UTF-8 is kept visible (replacement chars + a lone surrogate) so validation rejects that series only. */
function text(buf: Uint8Array, a: number, b: number): string {
  return decodeLabelText(buf.subarray(a, b));
}

// Wire types are literals in the loops below (0 varint, 1 fixed64, 2 length-delimited): an
// imported constant costs a module-binding load per field, measurably slower on the hot path.

/** Decompresses and decodes a remote write body. Throws InvalidArgumentError (→ HTTP 400). */
export function decodeRemoteWrite(body: Uint8Array): RemoteWriteRequest {
  let raw: Uint8Array;
  try {
    raw = uncompress(body, MAX_DECOMPRESSED_BYTES);
  } catch (e) {
    throw malformed(`snappy: ${(e as Error).message}`);
  }
  return decodeWriteRequestProto(raw);
}

/** Decodes an uncompressed `prometheus.WriteRequest`. */
export function decodeWriteRequestProto(buf: Uint8Array): RemoteWriteRequest {
  const r = new PbReader(buf, 0, buf.length, malformed);
  const out: RemoteWriteRequest = { series: [], metadata: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      out.series.push(decodeSeries(r.sub(a, b)));
    } else if (field === 3 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      out.metadata.push(decodeMetadata(r.sub(a, b)));
    } else r.skip(wt);
  }
  return out;
}

function decodeSeries(r: PbReader): RemoteSeries {
  const buf = r.buf;
  const labels: Label[] = [];
  const samples: number[] = []; // [start, end) spans of Sample messages
  let histograms = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      labels.push(decodeLabel(r, a, b));
    } else if (field === 2 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      samples.push(a, b);
    } else if (field === 4 && wt === 2) {
      r.lengthDelimited();
      histograms++;
    } else r.skip(wt);
  }
  const n = samples.length / 2;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const vb = new Uint8Array(v.buffer);
  const sr = r.sub(0, 0);
  for (let i = 0; i < n; i++) {
    const a = samples[2 * i]!;
    const b = samples[2 * i + 1]!;
    // Fast path: what every writer emits, `value` (tag 0x09, 8 bytes) then `timestamp` (tag 0x10).
    if (b - a >= 11 && buf[a] === 0x09 && buf[a + 9] === 0x10) {
      vb.set(buf.subarray(a + 1, a + 9), i * 8);
      sr.reset(a + 10, b);
      t[i] = sr.varint();
      if (sr.pos === b) continue;
    }
    sr.reset(a, b);
    while (sr.pos < sr.end) {
      const tag = sr.varint();
      const field = Math.floor(tag / 8);
      const wt = tag & 7;
      if (field === 1 && wt === 1) {
        if (sr.pos + 8 > sr.end) throw malformed('truncated sample value');
        vb.set(buf.subarray(sr.pos, sr.pos + 8), i * 8); // raw bytes: NaN payloads preserved
        sr.pos += 8;
      } else if (field === 2 && wt === 0) {
        t[i] = sr.varint();
      } else sr.skip(wt);
    }
  }
  return { labels, t, v, histograms };
}

function decodeMetadata(r: PbReader): RemoteMetadata {
  const buf = r.buf;
  const m: RemoteMetadata = { type: 'unknown', metricFamilyName: '', help: '', unit: '' };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 0) m.type = METRIC_TYPES[r.varint()] ?? 'unknown';
    else if (wt === 2 && (field === 2 || field === 4 || field === 5)) {
      const [a, b] = r.lengthDelimited();
      const s = text(buf, a, b);
      if (field === 2) m.metricFamilyName = s;
      else if (field === 4) m.help = s;
      else m.unit = s;
    } else r.skip(wt);
  }
  return m;
}

// ---------------------------------------------------------------- encoding (tests, tools)

export interface RemoteSeriesIn {
  labels: readonly Label[];
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

const enc = new TextEncoder();

/**
 * Encodes an uncompressed `prometheus.WriteRequest` (simple, not fast: for tests and tools).
 * Values are written as raw bytes, so stale markers survive.
 */
export function encodeWriteRequestProto(series: readonly RemoteSeriesIn[], metadata: readonly RemoteMetadata[] = []): Uint8Array {
  const w = new PbWriter();
  for (const s of series) {
    const sw = new PbWriter();
    for (const l of s.labels) {
      const lw = new PbWriter();
      lw.lenField(1, enc.encode(l.name));
      lw.lenField(2, enc.encode(l.value));
      sw.lenField(1, lw.finish());
    }
    const vb = doubleBytes(s.v);
    const pw = new PbWriter();
    for (let i = 0; i < s.t.length; i++) {
      pw.pos = 0;
      pw.tag(1, 1);
      pw.raw(new Uint8Array(vb.buffer, vb.byteOffset + i * 8, 8)); // raw bytes: NaN payloads preserved
      pw.tag(2, 0);
      pw.varint(s.t[i]!);
      sw.lenField(2, pw.finish());
    }
    w.lenField(1, sw.finish());
  }
  for (const m of metadata) {
    const mw = new PbWriter();
    mw.tag(1, 0);
    mw.varint(Math.max(0, METRIC_TYPES.indexOf(m.type)));
    mw.lenField(2, enc.encode(m.metricFamilyName));
    mw.lenField(4, enc.encode(m.help));
    mw.lenField(5, enc.encode(m.unit));
    w.lenField(3, mw.finish());
  }
  return w.finish().slice();
}

/** A whole remote write body: snappy(block) of the encoded WriteRequest. */
export function encodeRemoteWrite(series: readonly RemoteSeriesIn[], metadata: readonly RemoteMetadata[] = []): Uint8Array<ArrayBuffer> {
  const out = compress(encodeWriteRequestProto(series, metadata));
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}
