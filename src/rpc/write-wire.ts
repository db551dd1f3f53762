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
 * (every platform Node runs on).
 */
import { InvalidArgumentError, type Label } from '../model/index.js';

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
const utf8strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Label text: invalid UTF-8 is decoded with replacement characters and marked with a trailing
 * lone surrogate, so that `validateLabels` rejects that one series ("not valid UTF-8") instead
 * of the whole request failing or the label being silently altered.
 */
function decodeLabelText(bytes: Uint8Array): string {
  try {
    return utf8strict.decode(bytes);
  } catch {
    return utf8d.decode(bytes) + '\ud800';
  }
}

// ---------------------------------------------------------------- encoding

class Writer {
  buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }
  varint(x: number): void {
    this.ensure(10);
    if (x < 0) {
      // int64 two's complement: always 10 bytes.
      let big = BigInt.asUintN(64, BigInt(x));
      for (let i = 0; i < 9; i++) {
        this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.pos++] = Number(big);
      return;
    }
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** Reserves a 5-byte length prefix to patch later (padded varint). */
  beginLength(): number {
    this.ensure(5);
    const at = this.pos;
    this.pos += 5;
    return at;
  }
  endLength(at: number): void {
    let len = this.pos - at - 5;
    for (let i = 0; i < 4; i++) {
      this.buf[at + i] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    this.buf[at + 4] = len & 0x7f;
  }
}

function varintSize(x: number): number {
  if (x < 0) return 10;
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

export function encodeWriteRequest(tenant: string, series: readonly WireTimeSeriesIn[]): Uint8Array {
  let est = 16 + tenant.length * 3;
  for (const s of series) est += 32 + s.t.length * 18 + s.labels.length * 16;
  const w = new Writer(est);
  if (tenant !== '') {
    w.varint((1 << 3) | 2);
    w.bytes(utf8.encode(tenant));
  }
  for (const s of series) {
    w.varint((2 << 3) | 2);
    const at = w.beginLength();
    for (const l of s.labels) {
      const name = utf8.encode(l.name);
      const value = utf8.encode(l.value);
      w.varint((1 << 3) | 2);
      w.varint(2 + varintSize(name.length) + name.length + varintSize(value.length) + value.length);
      w.varint((1 << 3) | 2);
      w.bytes(name);
      w.varint((2 << 3) | 2);
      w.bytes(value);
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
      w.varint((2 << 3) | 2);
      w.varint(tsz);
      w.ensure(tsz);
      for (let i = 0; i < n; i++) w.varint(s.t[i]!);
    }
    const m = s.v.length;
    if (m > 0) {
      w.varint((3 << 3) | 2);
      w.varint(m * 8);
      w.ensure(m * 8);
      const vals = s.v instanceof Float64Array ? s.v : Float64Array.from(s.v);
      w.buf.set(new Uint8Array(vals.buffer, vals.byteOffset, m * 8), w.pos);
      w.pos += m * 8;
    }
    w.endLength(at);
  }
  return w.buf.subarray(0, w.pos);
}

// ---------------------------------------------------------------- decoding

class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
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
        // Beyond 49 bits: finish exactly with BigInt (negative int64 values take 10 bytes).
        return this.bigTail(x, b, i);
      }
    }
    throw malformed('varint longer than 10 bytes');
  }
  private bigTail(low: number, b: number, i: number): number {
    let big = BigInt(low) + (BigInt(b & 0x7f) << BigInt(7 * i));
    let shift = BigInt(7 * (i + 1));
    while (b >= 0x80) {
      if (this.pos >= this.end) throw malformed('truncated varint');
      b = this.buf[this.pos++]!;
      big += BigInt(b & 0x7f) << shift;
      shift += 7n;
    }
    return Number(BigInt.asIntN(64, big));
  }
  lengthDelimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw malformed('length-delimited field overruns its message');
    this.pos = start + len;
    return [start, start + len];
  }
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.lengthDelimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw malformed(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw malformed('truncated field');
  }
}

function malformed(what: string): InvalidArgumentError {
  return new InvalidArgumentError(`malformed write request: ${what}`);
}

export function decodeWriteRequest(buf: Uint8Array): WireWriteRequest {
  const r = new Reader(buf);
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
      out.series.push(decodeTimeSeries(buf, a, b));
    } else r.skip(wt);
  }
  return out;
}

function decodeTimeSeries(buf: Uint8Array, start: number, end: number): WireTimeSeries {
  const r = new Reader(buf, start, end);
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
      labels.push(decodeLabel(buf, a, b));
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
  return { labels, timestampsMs: decodeTimestamps(buf, tSpans, unpackedT), values: decodeValues(buf, vSpans, unpackedV) };
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
      const [a, b] = r.lengthDelimited();
      const s = decodeLabelText(buf.subarray(a, b));
      if (field === 1) name = s;
      else value = s;
    } else r.skip(wt);
  }
  return { name, value };
}

function decodeTimestamps(buf: Uint8Array, spans: number[], unpacked: number[] | undefined): Float64Array {
  if (spans.length === 0 && !unpacked) return new Float64Array(0);
  let count = unpacked?.length ?? 0;
  for (let i = 0; i < spans.length; i += 2) for (let p = spans[i]!; p < spans[i + 1]!; p++) if (buf[p]! < 0x80) count++;
  const out = new Float64Array(count);
  let k = 0;
  // Packed and unpacked occurrences may interleave on the wire; we keep packed runs first, then
  // unpacked values: writers never mix the two for one field in practice.
  for (let i = 0; i < spans.length; i += 2) {
    const r = new Reader(buf, spans[i]!, spans[i + 1]!);
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

/** Copies raw little-endian doubles into a fresh (aligned) Float64Array: payloads preserved. */
function copyDoubles(buf: Uint8Array, start: number, end: number): Float64Array {
  const out = new Float64Array((end - start) / 8);
  new Uint8Array(out.buffer).set(buf.subarray(start, end));
  return out;
}
