/**
 * Chunk codec: one series' samples (strictly increasing integer-ms timestamps, float64 values)
 * compressed Gorilla-style, with an integer path for the common Prometheus cases.
 *
 * Layout of a chunk (all varints unsigned LEB128, zz = zigzag):
 *   u8      format version (1)
 *   u8      value mode (low 4 bits: 0 XOR floats, 1 integer deltas, 2 integer delta-of-deltas,
 *           3 constant: every value has the same bits)
 *           | decimal scale k (high 4 bits; values are n / 10^k with integer n)
 *   varint  sample count N (≥ 1)
 *   varint  t0
 *   varint  D, the chunk's nominal interval (median delta; when N ≥ 2)
 *   varint  byte length of the timestamp bit stream
 *   bytes   timestamp bit stream (empty when every residual is 0), i = 1..N−1: r = t_i − (base + D), bucket coded (TS_W), where
 *           base starts at t0 and advances to base + D when |r| ≤ GRID_SLACK, else to t_i.
 *           Scrapes on a grid cost 1 bit; a jittered one costs one small bucket without
 *           disturbing its neighbours; a missed scrape or a new phase re-bases the grid.
 *   value part:
 *     XOR:  bit stream: v0 as 64 raw bits, then Gorilla XOR with leading/trailing windows
 *           (‘0’ same, ‘10’ reuse window, ‘11’ + 5 bits leading + 6 bits length + bits)
 *     const: the value's 64 bits (8 bytes, high word first)
 *     int:  varint zz(n0); varint G (common factor of all deltas; residuals are coded / G);
 *           delta mode: varint zz(Dv) (the median delta), then bit stream of
 *           delta − Dv for i = 1..N−1; dod mode: varint zz(n1 − n0), then bit stream of
 *           delta-of-deltas for i = 2..N−1; bucket coded (VAL_W)
 *
 * Bucket code of a signed residual r (u = zz(r)): ‘0’ → 0; ‘10’ + W1 bits; ‘110’ + W2;
 * ‘1110’ + W3; ‘11110’ + W4; ‘11111’ + sign bit + |r| as 64 bits (two 32-bit halves).
 *
 * The integer path is taken when every value is exactly n / 10^k for a safe integer n and some
 * k ≤ 6 (checked bit-exact by running the decoder's own division), never for NaN or −0: so stale
 * markers and any NaN payload go through the XOR path, which is bit-exact by construction.
 */
import { BitWriter, peekW, readUvarint, toWords, writeUvarint, zigzag } from './chunk-bits.js';

export const CHUNK_VERSION = 1;
export const MODE_XOR = 0;
export const MODE_INT_DELTA = 1;
export const MODE_INT_DOD = 2;
export const MODE_CONST = 3;

// Bucket payload widths (W1..W4; W4 + 5 ≤ 32 so a bucket is decoded from one 32-bit peek).
const TS_W = [4, 8, 12, 20] as const;
/** Largest |r| that keeps the timestamp grid (ms). */
const GRID_SLACK = 2047;
const VAL_W = [5, 9, 16, 27] as const;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];
const TWO32 = 4294967296;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Writes signed residual r (|r| < 2^53). W holds the four payload widths. */
function writeBucket(w: BitWriter, r: number, W: readonly number[]): void {
  if (r === 0) {
    w.write(0, 1);
    return;
  }
  const u = r > 0 ? r * 2 : -r * 2 - 1;
  const W0 = W[0]!, W1 = W[1]!, W2 = W[2]!, W3 = W[3]!;
  if (u < 1 << W0) w.write((0b10 << W0) | u, 2 + W0);
  else if (u < 1 << W1) w.write((0b110 << W1) | u, 3 + W1);
  else if (u < 1 << W2) { w.write(0b1110, 4); w.write(u, W2); }
  else if (u < 1 << W3) { w.write(0b11110, 5); w.write(u, W3); }
  else {
    // Escape: sign bit + 64-bit magnitude (zigzag could exceed 2^53 and lose exactness).
    const m = Math.abs(r);
    w.write(0b11111, 5);
    w.write(r < 0 ? 1 : 0, 1);
    w.write(Math.floor(m / TWO32), 32);
    w.write(m % TWO32, 32);
  }
}

function bucketBits(r: number, W: readonly number[]): number {
  if (r === 0) return 1;
  const u = r > 0 ? r * 2 : -r * 2 - 1;
  if (u < 1 << W[0]!) return 2 + W[0]!;
  if (u < 1 << W[1]!) return 3 + W[1]!;
  if (u < 1 << W[2]!) return 4 + W[2]!;
  if (u < 1 << W[3]!) return 5 + W[3]!;
  return 70;
}

/** Whether every value in [start, end) has the same 64 bits. */
function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

function isConstant(v: Float64Array, start: number, end: number): boolean {
  const bits = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  const lo = bits[start * 2]!;
  const hi = bits[start * 2 + 1]!;
  for (let i = start + 1; i < end; i++) if (bits[i * 2] !== lo || bits[i * 2 + 1] !== hi) return false;
  return true;
}

/** Decimal scale k such that every value is exactly n / 10^k (n a safe integer), or -1. */
function integerScale(v: Float64Array, start: number, end: number): number {
  outer: for (let k = 0; k < POW10.length; k++) {
    const s = POW10[k]!;
    for (let i = start; i < end; i++) {
      const x = v[i]!;
      if (x !== x || (x === 0 && 1 / x < 0)) return -1;
      const n = k === 0 ? x : Math.round(x * s);
      // |n| < 2^51 keeps every delta-of-delta below 2^53, so residual arithmetic stays exact.
      if (!(Math.abs(n) < 2 ** 51) || !Number.isInteger(n)) { if (k === 0 && Number.isInteger(x)) return -1; continue outer; }
      if ((k === 0 ? n : n / s) !== x) continue outer;
    }
    return k;
  }
  return -1;
}

/** Encodes samples [start, end) of the columns. Timestamps must be strictly increasing integers ≥ 0. */
export function encodeChunk(t: Float64Array, v: Float64Array, start = 0, end = t.length): Uint8Array {
  const n = end - start;
  if (n <= 0) throw new Error('encodeChunk: empty chunk');
  const w = new BitWriter(16 + n * 3);
  const constant = isConstant(v, start, end);
  const k = constant ? -1 : integerScale(v, start, end);
  let mode = constant ? MODE_CONST : MODE_XOR;
  let ints: Float64Array | undefined;
  let valD = 0;
  let gcdV = 1;
  if (k >= 0) {
    const s = POW10[k]!;
    ints = new Float64Array(n);
    for (let i = 0; i < n; i++) ints[i] = k === 0 ? v[start + i]! : Math.round(v[start + i]! * s);
    // Deltas around the chunk's typical delta (steady counters, constants), or delta-of-deltas
    // (smooth trends): whichever is smaller for this chunk.
    // Common factor of all deltas (gauges in 4 KiB pages, byte counts in KiB…): residuals are
    // coded divided by it.
    let g = 0;
    for (let i = 1; i < n; i++) g = gcd(g, Math.abs(ints[i]! - ints[i - 1]!));
    gcdV = g === 0 ? 1 : g;
    valD = n >= 2 ? medianDelta(ints, 0, n) : 0;
    let deltaBits = 0;
    let dodBits = 0;
    for (let i = 1; i < n; i++) {
      const d = ints[i]! - ints[i - 1]!;
      deltaBits += bucketBits((d - valD) / gcdV, VAL_W);
      if (i >= 2) dodBits += bucketBits((d - (ints[i - 1]! - ints[i - 2]!)) / gcdV, VAL_W);
    }
    mode = dodBits < deltaBits ? MODE_INT_DOD : MODE_INT_DELTA;
  }
  w.write(CHUNK_VERSION, 8);
  w.write(mode | ((k >= 0 ? k : 0) << 4), 8);
  writeUvarint(w, n);
  writeUvarint(w, t[start]!);
  const D = n >= 2 ? medianDelta(t, start, end) : 0;
  if (n >= 2) writeUvarint(w, D);
  // Timestamp stream, encoded separately so its byte length can precede it.
  const tw = new BitWriter(8 + n);
  let base = t[start]!;
  let offGrid = 0;
  for (let i = start + 1; i < end; i++) {
    const r = t[i]! - (base + D);
    if (r !== 0) offGrid++;
    writeBucket(tw, r, TS_W);
    base = r <= GRID_SLACK && r >= -GRID_SLACK ? base + D : t[i]!;
  }
  const ts = offGrid === 0 ? new Uint8Array(0) : tw.finish();
  writeUvarint(w, ts.length);
  w.writeBytes(ts);
  if (mode === MODE_CONST) {
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
    w.write(bits[start * 2 + 1]!, 32);
    w.write(bits[start * 2]!, 32);
  } else if (mode === MODE_XOR) encodeXor(w, v, start, end);
  else {
    const x = ints!;
    writeUvarint(w, zigzag(x[0]!));
    writeUvarint(w, gcdV);
    if (mode === MODE_INT_DOD) {
      if (n >= 2) writeUvarint(w, zigzag(x[1]! - x[0]!));
      for (let i = 2; i < n; i++) writeBucket(w, (x[i]! - x[i - 1]! - (x[i - 1]! - x[i - 2]!)) / gcdV, VAL_W);
    } else {
      writeUvarint(w, zigzag(valD));
      for (let i = 1; i < n; i++) writeBucket(w, (x[i]! - x[i - 1]! - valD) / gcdV, VAL_W);
    }
  }
  return w.finish();
}

/** The chunk's nominal interval: the majority delta when there is one, else the median. */
function medianDelta(t: Float64Array, start: number, end: number): number {
  // Boyer–Moore majority vote: no allocation in the common (regular scrape) case.
  let cand = 0;
  let votes = 0;
  for (let i = start + 1; i < end; i++) {
    const d = t[i]! - t[i - 1]!;
    if (votes === 0) { cand = d; votes = 1; }
    else if (d === cand) votes++;
    else votes--;
  }
  let count = 0;
  for (let i = start + 1; i < end; i++) if (t[i]! - t[i - 1]! === cand) count++;
  if (count * 2 > end - start - 1) return cand;
  const d = new Float64Array(end - start - 1);
  for (let i = start + 1; i < end; i++) d[i - start - 1] = t[i]! - t[i - 1]!;
  d.sort();
  return d[d.length >>> 1]!;
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}
function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
function ctz64(hi: number, lo: number): number {
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
}

function encodeXor(w: BitWriter, v: Float64Array, start: number, end: number): void {
  const bits = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  let phi = bits[start * 2 + 1]!;
  let plo = bits[start * 2]!;
  w.write(phi, 32);
  w.write(plo, 32);
  let lead = -1;
  let trail = 0;
  for (let i = start + 1; i < end; i++) {
    const hi = bits[i * 2 + 1]!;
    const lo = bits[i * 2]!;
    const xh = (hi ^ phi) >>> 0;
    const xl = (lo ^ plo) >>> 0;
    phi = hi;
    plo = lo;
    if (xh === 0 && xl === 0) { w.write(0, 1); continue; }
    let l = clz64(xh, xl);
    const tr = ctz64(xh, xl);
    if (l > 31) l = 31;
    if (lead >= 0 && l >= lead && tr >= trail) {
      w.write(0b10, 2);
      writeShifted(w, xh, xl, trail, 64 - lead - trail);
    } else {
      lead = l;
      trail = tr;
      const m = 64 - lead - trail;
      w.write(0b11, 2);
      w.write(lead, 5);
      w.write(m & 63, 6);
      writeShifted(w, xh, xl, trail, m);
    }
  }
}

/** Writes the m bits of the 64-bit (hi, lo) that start at bit `shift` (from the low end). */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, m: number): void {
  // Shift right by `shift` across halves.
  let sh = hi;
  let sl = lo;
  if (shift >= 32) { sl = hi >>> (shift - 32); sh = 0; }
  else if (shift > 0) { sl = ((lo >>> shift) | (hi << (32 - shift))) >>> 0; sh = hi >>> shift; }
  if (m > 32) { w.write(sh, m - 32); w.write(sl, 32); }
  else w.write(sl, m);
}

/** Number of samples in a chunk (reads the header only). */
export function chunkSampleCount(chunk: Uint8Array): number {
  const p = { p: 2 };
  return readUvarint(chunk, p);
}

/**
 * Decodes a chunk into `outT`/`outV` starting at index `off`; returns the sample count.
 * The outputs must have room for `chunkSampleCount(chunk)` samples from `off`. NaN payloads
 * (stale markers) are reproduced bit-exact: values are written through a Uint32 view.
 */
export function decodeChunk(chunk: Uint8Array, outT: Float64Array, outV: Float64Array, off = 0): number {
  if (chunk[0] !== CHUNK_VERSION) throw new Error(`chunk: unknown format version ${chunk[0]}`);
  const buf = chunk;
  const words = toWords(chunk);
  const mode = buf[1]! & 15;
  const k = buf[1]! >>> 4;
  const p = { p: 2 };
  const n = readUvarint(buf, p);
  if (off + n > outT.length || off + n > outV.length) throw new RangeError('decodeChunk: output too small');
  const t0 = readUvarint(buf, p);
  outT[off] = t0;
  const D = n >= 2 ? readUvarint(buf, p) : 0;
  const tsLen = readUvarint(buf, p);
  const tsStart = p.p;
  if (tsLen === 0) {
    let x = t0;
    for (let i = off + 1; i < off + n; i++) outT[i] = x += D;
  } else decodeTimes(words, tsStart * 8, outT, off + 1, off + n, t0, D);
  p.p = tsStart + tsLen;
  if (mode === MODE_CONST) {
    const o = u32View(outV);
    const hi = peekW(words, p.p * 8);
    const lo = peekW(words, p.p * 8 + 32);
    for (let i = off; i < off + n; i++) {
      o[i * 2] = lo;
      o[i * 2 + 1] = hi;
    }
  } else if (mode === MODE_XOR) decodeXor(words, p.p * 8, outV, off, n);
  else {
    const u0 = readUvarint(buf, p);
    const x0 = u0 % 2 === 0 ? u0 / 2 : -(u0 + 1) / 2;
    const s = POW10[k]!;
    const G = readUvarint(buf, p);
    outV[off] = k === 0 ? x0 : x0 / s;
    if (mode === MODE_INT_DOD) {
      if (n >= 2) {
        const u1 = readUvarint(buf, p);
        const d1 = u1 % 2 === 0 ? u1 / 2 : -(u1 + 1) / 2;
        outV[off + 1] = k === 0 ? x0 + d1 : (x0 + d1) / s;
        decodeBuckets(words, p.p * 8, outV, off + 2, off + n, x0 + d1, d1, VAL_W[0], VAL_W[1], VAL_W[2], VAL_W[3], true, s, G);
      }
    } else {
      const ud = readUvarint(buf, p);
      const D = ud % 2 === 0 ? ud / 2 : -(ud + 1) / 2;
      decodeBuckets(words, p.p * 8, outV, off + 1, off + n, x0, D, VAL_W[0], VAL_W[1], VAL_W[2], VAL_W[3], false, s, G);
    }
  }
  return n;
}

function decodeTimes(buf: Uint32Array, pos: number, out: Float64Array, from: number, to: number, base: number, D: number): void {
  const W1 = TS_W[0], W2 = TS_W[1], W3 = TS_W[2], W4 = TS_W[3];
  const M1 = (1 << W1) - 1;
  const M2 = (1 << W2) - 1;
  const M3 = (1 << W3) - 1;
  const M4 = (1 << W4) - 1;
  for (let i = from; i < to; i++) {
    const w = peekW(buf, pos);
    if (w >>> 31 === 0) {
      // A run of on-grid samples: one '0' bit each, taken up to 32 at a time.
      let z = w === 0 ? 32 : Math.clz32(w);
      if (z > to - i) z = to - i;
      const e = i + z;
      for (; i < e; i++) out[i] = base += D;
      i--;
      pos += z;
      continue;
    }
    let r: number;
    let u: number;
    if (w >>> 30 === 2) { u = (w >>> (30 - W1)) & M1; pos += 2 + W1; }
    else if (w >>> 29 === 6) { u = (w >>> (29 - W2)) & M2; pos += 3 + W2; }
    else if (w >>> 28 === 14) { u = (w >>> (28 - W3)) & M3; pos += 4 + W3; }
    else if (w >>> 27 === 30) { u = (w >>> (27 - W4)) & M4; pos += 5 + W4; }
    else {
      const m = peekW(buf, pos + 6) * TWO32 + peekW(buf, pos + 38);
      u = -1;
      r = peekW(buf, pos + 5) >>> 31 ? -m : m;
      pos += 70;
    }
    if (u >= 0) r = (u >>> 1) ^ -(u & 1);
    const t = base + D + r!;
    out[i] = t;
    base = r! <= GRID_SLACK && r! >= -GRID_SLACK ? base + D : t;
  }
}

/**
 * Decodes bucket-coded residuals into out[from, to). With `dod` the residual is added to the
 * running delta, else the delta is `d` (the chunk's typical delta) plus the residual. Values are written as x / scale (scale 1 → x itself).
 */
function decodeBuckets(
  buf: Uint32Array, pos: number, out: Float64Array, from: number, to: number,
  x: number, d: number, W1: number, W2: number, W3: number, W4: number, dod: boolean, scale: number, mul: number,
): void {
  const M1 = (1 << W1) - 1;
  const M2 = (1 << W2) - 1;
  const M3 = (1 << W3) - 1;
  const M4 = (1 << W4) - 1;
  // Delta mode: d is the chunk's typical delta and each residual is added to it.
  const base = d;
  for (let i = from; i < to; i++) {
    const w = peekW(buf, pos);
    let r = 0;
    if (w >>> 31 === 0) {
      // A run of zero residuals, up to 32 at a time.
      let z = w === 0 ? 32 : Math.clz32(w);
      if (z > to - i) z = to - i;
      const e = i + z;
      for (; i < e; i++) {
        if (!dod) d = base;
        x += d;
        out[i] = scale === 1 ? x : x / scale;
      }
      i--;
      pos += z;
      continue;
    } else {
      let u: number;
      if (w >>> 30 === 2) { u = (w >>> (30 - W1)) & M1; pos += 2 + W1; }
      else if (w >>> 29 === 6) { u = (w >>> (29 - W2)) & M2; pos += 3 + W2; }
      else if (w >>> 28 === 14) { u = (w >>> (28 - W3)) & M3; pos += 4 + W3; }
      else if (w >>> 27 === 30) { u = (w >>> (27 - W4)) & M4; pos += 5 + W4; }
      else {
        const m = peekW(buf, pos + 6) * TWO32 + peekW(buf, pos + 38);
        u = -1;
        r = peekW(buf, pos + 5) >>> 31 ? -m : m;
        pos += 70;
      }
      if (u >= 0) r = u < 0x80000000 ? (u >>> 1) ^ -(u & 1) : u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    }
    if (mul !== 1) r *= mul;
    if (dod) d += r;
    else d = base + r;
    x += d;
    out[i] = scale === 1 ? x : x / scale;
  }
}

let lastF64: Float64Array | undefined;
let lastU32: Uint32Array | undefined;
/** A cached Uint32 view of a Float64Array (decoders are called per chunk on the same output). */
function u32View(a: Float64Array): Uint32Array {
  if (lastF64 !== a) {
    lastF64 = a;
    lastU32 = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  }
  return lastU32!;
}

function decodeXor(buf: Uint32Array, pos: number, outV: Float64Array, off: number, n: number): void {
  const o = u32View(outV);
  let hi = peekW(buf, pos);
  let lo = peekW(buf, pos + 32);
  pos += 64;
  o[off * 2] = lo;
  o[off * 2 + 1] = hi;
  let lead = 0;
  let trail = 0;
  let m = 64;
  for (let i = off + 1; i < off + n; i++) {
    const w = peekW(buf, pos);
    if (w >>> 31 === 0) {
      // A run of repeated values, up to 32 at a time.
      let z = w === 0 ? 32 : Math.clz32(w);
      if (z > off + n - i) z = off + n - i;
      const e = i + z;
      for (; i < e; i++) {
        o[i * 2] = lo;
        o[i * 2 + 1] = hi;
      }
      i--;
      pos += z;
      continue;
    } else {
      if (w >>> 30 === 3) {
        lead = (w >>> 25) & 31;
        m = (w >>> 19) & 63;
        if (m === 0) m = 64;
        trail = 64 - lead - m;
        pos += 13;
      } else pos += 2;
      let xh: number;
      let xl: number;
      if (m > 32) {
        const H = peekW(buf, pos) >>> (64 - m);
        const L = peekW(buf, pos + m - 32);
        pos += m;
        if (trail === 0) { xh = H; xl = L; }
        else { xh = (H << trail) | (L >>> (32 - trail)); xl = L << trail; }
      } else {
        const x = m === 32 ? peekW(buf, pos) : peekW(buf, pos) >>> (32 - m);
        pos += m;
        if (trail >= 32) { xh = x << (trail - 32); xl = 0; }
        else if (trail === 0) { xh = 0; xl = x; }
        else { xh = x >>> (32 - trail); xl = x << trail; }
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    o[i * 2] = lo;
    o[i * 2 + 1] = hi;
  }
}
