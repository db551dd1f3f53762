/**
 * Protobuf wire format primitives shared by the hand-written codecs of the write paths:
 * `canopy.v1.WriteRequest` (src/rpc/write-wire.ts) and Prometheus remote write
 * (src/http/remote-write.ts). Both exist so that `double` sample values are copied byte for byte
 * into Float64Arrays: protobufjs decodes them into JS arrays, where V8 canonicalises NaN payloads
 * and the stale marker (a NaN with payload 2) would be lost. Doubles therefore never pass through
 * a JS number array here; they move as bytes. Assumes a little-endian host (every platform Node
 * runs on).
 */
import type { Label } from '../model/index.js';

/** Builds the error thrown for malformed input (each codec names its own message). */
export type MalformedError = (what: string) => Error;

/** Wire types. */
export const WT_VARINT = 0;
export const WT_FIXED64 = 1;
export const WT_LEN = 2;
export const WT_FIXED32 = 5;

/** A cursor over the span [pos, end) of a buffer. */
export class PbReader {
  readonly buf: Uint8Array;
  pos: number;
  end: number;
  readonly malformed: MalformedError;
  constructor(buf: Uint8Array, start: number, end: number, malformed: MalformedError) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.malformed = malformed;
  }
  /** A reader over another span of the same buffer, with the same error factory. */
  sub(start: number, end: number): PbReader {
    return new PbReader(this.buf, start, end, this.malformed);
  }
  /** Re-aims the reader at another span of the same buffer (one reader for many small messages). */
  reset(start: number, end: number): void {
    this.pos = start;
    this.end = end;
  }
  /** A varint as a number: exact up to 2^53; int64 negatives (10 bytes) come back negative. */
  varint(): number {
    let x = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.malformed('truncated varint');
      const b = this.buf[this.pos++]!;
      if (i < 7) {
        x += (b & 0x7f) * mul;
        mul *= 0x80;
        if (b < 0x80) return x;
      } else {
        // Beyond 49 bits (e.g. negative int64 timestamps): finish exactly with BigInt.
        return this.bigTail(x, b, i);
      }
    }
    throw this.malformed('varint longer than 10 bytes');
  }
  private bigTail(low: number, b: number, i: number): number {
    let big = BigInt(low) + (BigInt(b & 0x7f) << BigInt(7 * i));
    let shift = BigInt(7 * (i + 1));
    while (b >= 0x80) {
      if (this.pos >= this.end) throw this.malformed('truncated varint');
      b = this.buf[this.pos++]!;
      big += BigInt(b & 0x7f) << shift;
      shift += 7n;
    }
    return Number(BigInt.asIntN(64, big));
  }
  /** A length-delimited field's body as [start, end); the reader moves past it. */
  lengthDelimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw this.malformed('length-delimited field overruns its message');
    this.pos = start + len;
    return [start, start + len];
  }
  /** Skips the value of a field of wire type `wt` (unknown fields). */
  skip(wt: number): void {
    switch (wt) {
      case WT_VARINT:
        this.varint();
        return;
      case WT_FIXED64:
        this.pos += 8;
        break;
      case WT_LEN:
        this.lengthDelimited();
        return;
      case WT_FIXED32:
        this.pos += 4;
        break;
      default:
        throw this.malformed(`unsupported wire type ${wt}`);
    }
    if (this.pos > this.end) throw this.malformed('truncated field');
  }
}

const utf8strict = new TextDecoder('utf-8', { fatal: true });
const utf8lax = new TextDecoder('utf-8', { fatal: false });

/**
 * Label text: invalid UTF-8 is decoded with replacement characters and marked with a trailing
 * lone surrogate, so that `validateLabels` rejects that one series ("not valid UTF-8") instead
 * of the whole request failing or the label being silently altered.
 */
export function decodeLabelText(bytes: Uint8Array): string {
  try {
    return utf8strict.decode(bytes);
  } catch {
    return utf8lax.decode(bytes) + '\ud800';
  }
}

/** Decodes a `Label { string name = 1; string value = 2; }` spanning [start, end) of r's buffer. */
export function decodeLabel(parent: PbReader, start: number, end: number): Label {
  const r = parent.sub(start, end);
  const buf = r.buf;
  let name = '';
  let value = '';
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if ((field === 1 || field === 2) && wt === WT_LEN) {
      const [a, b] = r.lengthDelimited();
      const s = decodeLabelText(buf.subarray(a, b));
      if (field === 1) name = s;
      else value = s;
    } else r.skip(wt);
  }
  return { name, value };
}

/** Copies raw little-endian doubles into a fresh (aligned) Float64Array: NaN payloads preserved. */
export function copyDoubles(buf: Uint8Array, start: number, end: number): Float64Array {
  const out = new Float64Array((end - start) / 8);
  new Uint8Array(out.buffer).set(buf.subarray(start, end));
  return out;
}

/** The little-endian bytes of `v` as doubles: a view of a Float64Array, else a copy into one. */
export function doubleBytes(v: ArrayLike<number>): Uint8Array {
  const vals = v instanceof Float64Array ? v : Float64Array.from(v);
  return new Uint8Array(vals.buffer, vals.byteOffset, vals.length * 8);
}

/** Bytes a varint of x takes (negative int64: always 10). */
export function varintSize(x: number): number {
  if (x < 0) return 10;
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 0x80);
    n++;
  }
  return n;
}

/** An append-only protobuf writer over a growing byte buffer. */
export class PbWriter {
  buf: Uint8Array;
  pos = 0;
  constructor(size = 64) {
    this.buf = new Uint8Array(Math.max(16, size));
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }
  /** A varint; negative numbers as int64 two's complement (always 10 bytes). */
  varint(x: number): void {
    this.ensure(10);
    if (x < 0) {
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
  tag(field: number, wt: number): void {
    this.varint(field * 8 + wt);
  }
  /** Raw bytes, no prefix. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** Length prefix then bytes. */
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }
  /** A whole length-delimited field: tag, length, body. */
  lenField(field: number, body: Uint8Array): void {
    this.tag(field, WT_LEN);
    this.bytes(body);
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
  /** The bytes written (a view of the internal buffer). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
