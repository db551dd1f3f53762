/**
 * A hand-written protobuf codec for `WriteRequest` / `LeafWriteRequest` (same layout:
 * `tenant = 1`, `repeated TimeSeries series = 2`), used instead of protobufjs on the write path.
 *
 * Why: protobufjs decodes `repeated double values` into a JS array, and V8 canonicalises NaN
 * payloads stored in double arrays, so the stale marker (a NaN with payload 2) would arrive as an
 * ordinary NaN. Here the packed doubles are copied byte for byte into a Float64Array (payloads
 * preserved, no object per sample), and timestamps go straight into a Float64Array too.
 *
 * The decoder accepts everything a conforming protobuf writer may produce: packed or unpacked
 * repeated scalars, fields in any order, unknown fields (skipped). Assumes a little-endian host
 * (every platform Node runs on). Wire primitives: pb-wire.ts.
 */
import { InvalidArgumentError, type Label } from '../model/index.js';
import { copyDoubles, decodeLabel, doubleBytes, PbReader, PbWriter, varintSize } from './pb-wire.js';

export interface WireTimeSeries {
  labels: Label[];
  timestampsMs: Float64Array;
  values: Float64Array;
}

export interface WireWriteRequest {
  tenant: string;
  series: WireTimeSeries[];
}

/** Input of the encoder: columns may be any array-like (typed arrays are copied as bytes). */
export interface WireTimeSeriesIn {
  labels: readonly Label[];
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: false });

// ---------------------------------------------------------------- encoding

export function encodeWriteRequest(tenant: string, series: readonly WireTimeSeriesIn[]): Uint8Array {
  let est = 16 + tenant.length * 3;
  for (const s of series) est += 32 + s.t.length * 18 + s.labels.length * 16;
  const w = new PbWriter(est);
  if (tenant !== '') {
    w.lenField(1, utf8.encode(tenant));
  }
  for (const s of series) {
    w.tag(2, 2);
    const at = w.beginLength();
    for (const l of s.labels) {
      const name = utf8.encode(l.name);
      const value = utf8.encode(l.value);
      w.tag(1, 2);
      w.varint(2 + varintSize(name.length) + name.length + varintSize(value.length) + value.length);
      w.lenField(1, name);
      w.lenField(2, value);
    }
    // Mismatched lengths are sent as they are: the receiver rejects that series alone.
    const n = s.t.length;
    if (n > 0) {
      let tsz = 0;
      for (let i = 0; i < n; i++) {
        const t = s.t[i]!;
        if (!Number.isSafeInteger(t)) throw new InvalidArgumentError(`timestamp ${t} is not an integer number of milliseconds`);
        tsz += varintSize(t);
      }
      w.tag(2, 2);
      w.varint(tsz);
      w.ensure(tsz);
      for (let i = 0; i < n; i++) w.varint(s.t[i]!);
    }
    const m = s.v.length;
    if (m > 0) {
      w.lenField(3, doubleBytes(s.v)); // raw bytes: NaN payloads preserved
    }
    w.endLength(at);
  }
  return w.finish();
}

// ---------------------------------------------------------------- decoding

// Wire types are literals in the loops below (0 varint, 1 fixed64, 2 length-delimited): an
// imported constant costs a module-binding load per field, measurably slower on the hot path.

function malformed(what: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed write request: ${what}`);
}

export function decodeWriteRequest(buf: Uint8Array): WireWriteRequest {
  const r = new PbReader(buf, 0, buf.length, malformed);
  const out: WireWriteRequest = { tenant: '', series: [] };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      out.tenant = utf8d.decode(buf.subarray(a, b));
    } else if (field === 2 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      out.series.push(decodeTimeSeries(r.sub(a, b)));
    } else r.skip(wt);
  }
  return out;
}

function decodeTimeSeries(r: PbReader): WireTimeSeries {
  const buf = r.buf;
  const labels: Label[] = [];
  // Collected as spans first so each column is allocated once at its final size.
  const tSpans: number[] = [];
  const vSpans: number[] = [];
  let unpackedT: number[] | undefined;
  let unpackedV: Float64Array[] | undefined;
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 1 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      labels.push(decodeLabel(r, a, b));
    } else if (field === 2 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      tSpans.push(a, b);
    } else if (field === 2 && wt === 0) {
      (unpackedT ??= []).push(r.varint());
    } else if (field === 3 && wt === 2) {
      const [a, b] = r.lengthDelimited();
      if ((b - a) % 8 !== 0) throw malformed('packed doubles not a multiple of 8 bytes');
      vSpans.push(a, b);
    } else if (field === 3 && wt === 1) {
      if (r.pos + 8 > r.end) throw malformed('truncated double');
      (unpackedV ??= []).push(copyDoubles(buf, r.pos, r.pos + 8));
      r.pos += 8;
    } else r.skip(wt);
  }
  return { labels, timestampsMs: decodeTimestamps(r, tSpans, unpackedT), values: decodeValues(buf, vSpans, unpackedV) };
}

function decodeTimestamps(parent: PbReader, spans: number[], unpacked: number[] | undefined): Float64Array {
  const buf = parent.buf;
  if (spans.length === 0 && !unpacked) return new Float64Array(0);
  let count = unpacked?.length ?? 0;
  for (let i = 0; i < spans.length; i += 2) for (let p = spans[i]!; p < spans[i + 1]!; p++) if (buf[p]! < 0x80) count++;
  const out = new Float64Array(count);
  let k = 0;
  // Packed and unpacked occurrences may interleave on the wire; we keep packed runs first, then
  // unpacked values: writers never mix the two for one field in practice.
  const r = parent.sub(0, 0);
  for (let i = 0; i < spans.length; i += 2) {
    r.reset(spans[i]!, spans[i + 1]!);
    while (r.pos < r.end) out[k++] = r.varint();
  }
  if (unpacked) for (const t of unpacked) out[k++] = t;
  return out;
}

function decodeValues(buf: Uint8Array, spans: number[], unpacked: Float64Array[] | undefined): Float64Array {
  if (spans.length === 2 && !unpacked) return copyDoubles(buf, spans[0]!, spans[1]!);
  let bytes = (unpacked?.length ?? 0) * 8;
  for (let i = 0; i < spans.length; i += 2) bytes += spans[i + 1]! - spans[i]!;
  const out = new Float64Array(bytes / 8);
  const ob = new Uint8Array(out.buffer);
  let p = 0;
  for (let i = 0; i < spans.length; i += 2) {
    ob.set(buf.subarray(spans[i]!, spans[i + 1]!), p);
    p += spans[i + 1]! - spans[i]!;
  }
  if (unpacked) {
    for (const d of unpacked) {
      ob.set(new Uint8Array(d.buffer), p);
      p += 8;
    }
  }
  return out;
}
