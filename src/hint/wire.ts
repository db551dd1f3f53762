/**
 * Wire form of fingerprint lists for `Leaf.Hints`: little-endian unsigned 64-bit integers packed
 * in a `bytes` field (8 bytes each), avoiding protobuf int64 ↔ JS number conversions.
 */
import type { Fingerprint } from './hint-derive.js';

export function encodeFingerprints(fps: ArrayLike<Fingerprint>): Uint8Array {
  const out = new Uint8Array(fps.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < fps.length; i++) {
    const fp = fps[i]!;
    dv.setUint32(i * 8, fp >>> 0, true);
    dv.setUint32(i * 8 + 4, Math.floor(fp / 0x100000000) >>> 0, true);
  }
  return out;
}

export function decodeFingerprints(bytes: Uint8Array): Float64Array {
  if (bytes.length % 8 !== 0) throw new RangeError(`fingerprint bytes not a multiple of 8: ${bytes.length}`);
  const n = bytes.length / 8;
  const out = new Float64Array(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 8 + 4, true) * 0x100000000 + dv.getUint32(i * 8, true);
  return out;
}
