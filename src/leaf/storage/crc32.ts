/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320, reflected) over bytes.
 *
 * Node ≥ 20.15 ships a native `zlib.crc32`; older Node 20 releases do not, so a table-driven
 * (slicing-by-4) implementation is the fallback. Both compute the same function, so files
 * written by one are read by the other.
 */
import * as zlib from 'node:zlib';

const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 4; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** Pure-JS CRC-32; `prev` continues a running checksum (0 to start). */
export function crc32Table(data: Uint8Array, prev = 0): number {
  const T = TABLES;
  let c = ~prev >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 4 <= n; i += 4) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c = T[768 + (c & 0xff)]! ^ T[512 + ((c >>> 8) & 0xff)]! ^ T[256 + ((c >>> 16) & 0xff)]! ^ T[(c >>> 24) & 0xff]!;
  }
  for (; i < n; i++) c = T[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const nativeCrc = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;

/** CRC-32 of `data` (native when available). */
export const crc32: (data: Uint8Array, prev?: number) => number =
  typeof nativeCrc === 'function' ? (d, p = 0) => nativeCrc(d, p) >>> 0 : crc32Table;
