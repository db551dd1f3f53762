/**
 * WAL frame and record formats (see layout.ts for the file layout).
 *
 * Frame: u32 LE body length L (≥ 1) | u32 LE CRC-32 of the body | body (L bytes).
 * Body:  u8 record type | payload.
 *   SERIES  (1): u32 count, then per series: u32 id | u32 byte length J | J bytes of UTF-8 JSON
 *                `[tenant, name1, value1, name2, value2, …]`.
 *   SAMPLES (2): u32 count, then per entry: u32 series id | u32 n | n × f64 LE t | n × f64 LE v.
 * All integers little-endian. Sample columns are raw IEEE-754 bytes, so NaN payloads (stale
 * markers) survive bit-exact.
 */
import type { Labels } from '../../model/index.js';
import { labelsFromPairs, labelsToPairs } from '../../model/index.js';
import { crc32 } from './crc32.js';

export const FRAME_HEADER_BYTES = 8;
export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
/** Frames larger than this are treated as corrupt (a garbage length must not allocate GiBs). */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

export interface SeriesRecord {
  id: number;
  tenant: string;
  labels: Labels;
}

export interface SampleEntry {
  id: number;
  t: Float64Array;
  v: Float64Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length, true);
  dv.setUint32(4, crc32(body), true);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

export function encodeSeriesFrame(series: readonly SeriesRecord[]): Uint8Array {
  const jsons = series.map((s) => enc.encode(JSON.stringify([s.tenant, ...labelsToPairs(s.labels)])));
  let size = 1 + 4;
  for (const j of jsons) size += 8 + j.length;
  const body = new Uint8Array(size);
  const dv = new DataView(body.buffer);
  body[0] = REC_SERIES;
  dv.setUint32(1, series.length, true);
  let p = 5;
  for (let i = 0; i < series.length; i++) {
    dv.setUint32(p, series[i]!.id, true);
    dv.setUint32(p + 4, jsons[i]!.length, true);
    body.set(jsons[i]!, p + 8);
    p += 8 + jsons[i]!.length;
  }
  return frame(body);
}

/** Builds the frame directly (header + body in one allocation, CRC over the body). */
export function encodeSamplesFrame(entries: readonly SampleEntry[]): Uint8Array {
  let size = 1 + 4;
  for (const e of entries) size += 8 + e.t.length * 16;
  const out = new Uint8Array(FRAME_HEADER_BYTES + size);
  const dv = new DataView(out.buffer);
  const B = FRAME_HEADER_BYTES;
  out[B] = REC_SAMPLES;
  dv.setUint32(B + 1, entries.length, true);
  let p = B + 5;
  for (const e of entries) {
    const n = e.t.length;
    if (e.v.length !== n) throw new Error('WAL: t and v lengths differ');
    dv.setUint32(p, e.id, true);
    dv.setUint32(p + 4, n, true);
    p += 8;
    out.set(new Uint8Array(e.t.buffer, e.t.byteOffset, n * 8), p);
    p += n * 8;
    out.set(new Uint8Array(e.v.buffer, e.v.byteOffset, n * 8), p);
    p += n * 8;
  }
  dv.setUint32(0, size, true);
  dv.setUint32(4, crc32(out.subarray(B)), true);
  return out;
}

/**
 * Columnar variant of `encodeSamplesFrame`: entry i is series ids[i] with samples
 * T/V[offs[i], offs[i] + lens[i]). No per-entry objects.
 */
export function encodeSamplesFrameColumns(count: number, ids: Uint32Array, offs: Uint32Array, lens: Uint32Array, T: Float64Array, V: Float64Array): Uint8Array {
  let size = 1 + 4;
  for (let i = 0; i < count; i++) size += 8 + lens[i]! * 16;
  const out = new Uint8Array(FRAME_HEADER_BYTES + size);
  const dv = new DataView(out.buffer);
  const B = FRAME_HEADER_BYTES;
  const tb = new Uint8Array(T.buffer, T.byteOffset, T.byteLength);
  const vb = new Uint8Array(V.buffer, V.byteOffset, V.byteLength);
  out[B] = REC_SAMPLES;
  dv.setUint32(B + 1, count, true);
  let p = B + 5;
  for (let i = 0; i < count; i++) {
    const n = lens[i]!;
    const o = offs[i]! * 8;
    dv.setUint32(p, ids[i]!, true);
    dv.setUint32(p + 4, n, true);
    p += 8;
    out.set(tb.subarray(o, o + n * 8), p);
    p += n * 8;
    out.set(vb.subarray(o, o + n * 8), p);
    p += n * 8;
  }
  dv.setUint32(0, size, true);
  dv.setUint32(4, crc32(out.subarray(B)), true);
  return out;
}

export function decodeSeriesBody(body: Uint8Array): SeriesRecord[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = dv.getUint32(1, true);
  const out: SeriesRecord[] = [];
  let p = 5;
  for (let i = 0; i < count; i++) {
    const id = dv.getUint32(p, true);
    const len = dv.getUint32(p + 4, true);
    const arr = JSON.parse(dec.decode(body.subarray(p + 8, p + 8 + len))) as string[];
    out.push({ id, tenant: arr[0]!, labels: labelsFromPairs(arr.slice(1)) });
    p += 8 + len;
  }
  return out;
}

let scratchT = new Float64Array(1024);
let scratchV = new Float64Array(1024);

/**
 * Calls `fn(id, t, v, n)` per entry. `t`/`v` are shared scratch columns (valid only during the
 * call; samples in [0, n)): no allocation per entry. Copy what you keep.
 */
export function forEachSampleEntry(body: Uint8Array, fn: (id: number, t: Float64Array, v: Float64Array, n: number) => void): void {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = dv.getUint32(1, true);
  let p = 5;
  for (let i = 0; i < count; i++) {
    const id = dv.getUint32(p, true);
    const n = dv.getUint32(p + 4, true);
    p += 8;
    if (p + n * 16 > body.length) throw new Error('WAL: sample entry overruns its frame');
    if (scratchT.length < n) {
      scratchT = new Float64Array(n * 2);
      scratchV = new Float64Array(n * 2);
    }
    new Uint8Array(scratchT.buffer, 0, n * 8).set(body.subarray(p, p + n * 8));
    p += n * 8;
    new Uint8Array(scratchV.buffer, 0, n * 8).set(body.subarray(p, p + n * 8));
    p += n * 8;
    fn(id, scratchT, scratchV, n);
  }
}

export type FrameScan =
  | { kind: 'frame'; type: number; body: Uint8Array; start: number; end: number }
  | { kind: 'end' }
  /** Bytes that do not form a whole frame: a short header or a length past the end. */
  | { kind: 'incomplete'; start: number }
  /** A whole-length frame whose CRC does not match (or an impossible length). */
  | { kind: 'bad'; start: number; end: number; reason: string };

/** Reads the frame at `start` of `buf`. */
export function scanFrame(buf: Uint8Array, start: number): FrameScan {
  if (start === buf.length) return { kind: 'end' };
  if (buf.length - start < FRAME_HEADER_BYTES) return { kind: 'incomplete', start };
  const dv = new DataView(buf.buffer, buf.byteOffset + start, FRAME_HEADER_BYTES);
  const len = dv.getUint32(0, true);
  const crc = dv.getUint32(4, true);
  if (len === 0 || len > MAX_FRAME_BYTES) {
    // All-zero tails come from a file extended before its data reached the disk.
    return { kind: 'bad', start, end: buf.length, reason: len === 0 ? 'zero length' : `impossible length ${len}` };
  }
  const end = start + FRAME_HEADER_BYTES + len;
  if (end > buf.length) return { kind: 'incomplete', start };
  const body = buf.subarray(start + FRAME_HEADER_BYTES, end);
  const got = crc32(body);
  if (got !== crc) return { kind: 'bad', start, end, reason: `CRC mismatch (stored ${crc.toString(16)}, computed ${got.toString(16)})` };
  const type = body[0]!;
  if (type !== REC_SERIES && type !== REC_SAMPLES) return { kind: 'bad', start, end, reason: `unknown record type ${type}` };
  return { kind: 'frame', type, body, start, end };
}
