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
 * A hand-written decoder (as src/rpc/write-wire.ts): sample values are copied byte for byte into
 * a Float64Array, so the stale marker (NaN with payload 2, which Prometheus sends when a series
 * disappears) arrives intact; protobufjs would canonicalise it. No object per sample.
 * Exemplars are skipped; native histograms are counted so the receiver can reject them.
 */
import { compress, uncompress } from 'snappyjs';
import { InvalidArgumentError, type Label } from '../model/index.js';

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

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8lax = new TextDecoder('utf-8', { fatal: false });

/** Invalid UTF-8 is kept visible (replacement chars + a lone surrogate) so validation rejects that series only. */
function text(buf: Uint8Array, a: number, b: number): string {
  const bytes = buf.subarray(a, b);
  try {
    return utf8.decode(bytes);
  } catch {
    return utf8lax.decode(bytes) + '\ud800';
  }
}

class Reader {
  pos: number;
  end: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    end: number,
  ) {
    this.pos = start;
    this.end = end;
  }
  /** Re-aims the reader at another span of the same buffer (one reader for all samples). */
  reset(start: number, end: number): void {
    this.pos = start;
    this.end = end;
  }
  varint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw malformed('truncated varint');
      const b = this.buf[this.pos++]!;
      if (i < 7) {
        x += (b & 0x7f) * mul;
        mul *= 0x80;
        if (b < 0x80) return x;
      } else {
        // Beyond 49 bits (e.g. negative int64 timestamps): finish exactly with BigInt.
        let big = BigInt(x) + (BigInt(b & 0x7f) << BigInt(7 * i));
        let shift = BigInt(7 * (i + 1));
        let c = b;
        while (c >= 0x80) {
          if (this.pos >= this.end) throw malformed('truncated varint');
          c = this.buf[this.pos++]!;
          big += BigInt(c & 0x7f) << shift;
          shift += 7n;
        }
        return Number(BigInt.asIntN(64, big));
      }
    }
    throw malformed('varint longer than 10 bytes');
  }
  span(): [number, number] {
    const len = this.varint();
    const a = this.pos;
    if (a + len > this.end) throw malformed('length-delimited field overruns its message');
    this.pos = a + len;
    return [a, a + len];
  }
  skip(wt: number): void {
    if (wt === 0) this.varint();
    else if (wt === 2) this.span();
    else if (wt === 1 || wt === 5) {
      this.pos += wt === 1 ? 8 : 4;
      if (this.pos > this.end) throw malformed('truncated field');
    } else throw malformed(`unsupported wire type ${wt}`);
  }
}

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
  const r = new Reader(buf, 0, buf.length);
  const out: RemoteWriteRequest = { series: [], metadata: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [a, b] = r.span();
      out.series.push(decodeSeries(buf, a, b));
    } else if (field === 3 && wt === 2) {
      const [a, b] = r.span();
      out.metadata.push(decodeMetadata(buf, a, b));
    } else r.skip(wt);
  }
  return out;
}

function decodeSeries(buf: Uint8Array, start: number, end: number): RemoteSeries {
  const r = new Reader(buf, start, end);
  const labels: Label[] = [];
  const samples: number[] = []; // [start, end) spans of Sample messages
  let histograms = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [a, b] = r.span();
      labels.push(decodeLabel(buf, a, b));
    } else if (field === 2 && wt === 2) {
      const [a, b] = r.span();
      samples.push(a, b);
    } else if (field === 4 && wt === 2) {
      r.span();
      histograms++;
    } else r.skip(wt);
  }
  const n = samples.length / 2;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const vb = new Uint8Array(v.buffer);
  const sr = new Reader(buf, 0, 0);
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

function decodeLabel(buf: Uint8Array, start: number, end: number): Label {
  const r = new Reader(buf, start, end);
  let name = '';
  let value = '';
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if ((field === 1 || field === 2) && wt === 2) {
      const [a, b] = r.span();
      if (field === 1) name = text(buf, a, b);
      else value = text(buf, a, b);
    } else r.skip(wt);
  }
  return { name, value };
}

function decodeMetadata(buf: Uint8Array, start: number, end: number): RemoteMetadata {
  const r = new Reader(buf, start, end);
  const m: RemoteMetadata = { type: 'unknown', metricFamilyName: '', help: '', unit: '' };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 0) m.type = METRIC_TYPES[r.varint()] ?? 'unknown';
    else if (wt === 2 && (field === 2 || field === 4 || field === 5)) {
      const [a, b] = r.span();
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

class Writer {
  private chunks: number[] = [];
  varint(x: number): void {
    if (x < 0) {
      let big = BigInt.asUintN(64, BigInt(x));
      for (let i = 0; i < 9; i++) {
        this.chunks.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.chunks.push(Number(big));
      return;
    }
    while (x >= 0x80) {
      this.chunks.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    this.chunks.push(x);
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

const enc = new TextEncoder();

function lenField(w: Writer, field: number, body: Uint8Array): void {
  w.varint((field << 3) | 2);
  w.varint(body.length);
  w.raw(body);
}

/**
 * Encodes an uncompressed `prometheus.WriteRequest` (simple, not fast: for tests and tools).
 * Values are written as raw bytes, so stale markers survive.
 */
export function encodeWriteRequestProto(series: readonly RemoteSeriesIn[], metadata: readonly RemoteMetadata[] = []): Uint8Array {
  const w = new Writer();
  for (const s of series) {
    const sw = new Writer();
    for (const l of s.labels) {
      const lw = new Writer();
      lenField(lw, 1, enc.encode(l.name));
      lenField(lw, 2, enc.encode(l.value));
      lenField(sw, 1, lw.finish());
    }
    const vals = s.v instanceof Float64Array ? s.v : Float64Array.from(s.v);
    for (let i = 0; i < s.t.length; i++) {
      const pw = new Writer();
      pw.varint((1 << 3) | 1);
      pw.raw(new Uint8Array(vals.buffer, vals.byteOffset + i * 8, 8));
      pw.varint((2 << 3) | 0);
      pw.varint(s.t[i]!);
      lenField(sw, 2, pw.finish());
    }
    lenField(w, 1, sw.finish());
  }
  for (const m of metadata) {
    const mw = new Writer();
    mw.varint((1 << 3) | 0);
    mw.varint(Math.max(0, METRIC_TYPES.indexOf(m.type)));
    lenField(mw, 2, enc.encode(m.metricFamilyName));
    lenField(mw, 4, enc.encode(m.help));
    lenField(mw, 5, enc.encode(m.unit));
    lenField(w, 3, mw.finish());
  }
  return w.finish();
}

/** A whole remote write body: snappy(block) of the encoded WriteRequest. */
export function encodeRemoteWrite(series: readonly RemoteSeriesIn[], metadata: readonly RemoteMetadata[] = []): Uint8Array<ArrayBuffer> {
  const out = compress(encodeWriteRequestProto(series, metadata));
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}
