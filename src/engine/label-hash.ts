/**
 * Prometheus's label-set hash (xxhash64 over the stringlabels encoding: per string a length
 * byte, or 0xFF + 3-byte little-endian length when ≥ 255, then its UTF-8 bytes), used by
 * limit_ratio to pick a stable pseudo-random subset of series. Per series, not per sample, so
 * BigInt arithmetic is fine here.
 */
import type { Labels } from '../model/index.js';

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const mergeRound = (h: bigint, v: bigint): bigint => (((h ^ round(0n, v)) * P1) + P4) & M;

function u64(b: Uint8Array, i: number): bigint {
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 8n) | BigInt(b[i + k]!);
  return x;
}
function u32(b: Uint8Array, i: number): bigint {
  return BigInt((b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)) >>> 0) + BigInt(b[i + 3]!) * 16777216n;
}

export function xxhash64(b: Uint8Array): bigint {
  const len = b.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & M;
    for (; i + 32 <= len; i += 32) {
      v1 = round(v1, u64(b, i));
      v2 = round(v2, u64(b, i + 8));
      v3 = round(v3, u64(b, i + 16));
      v4 = round(v4, u64(b, i + 24));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else h = P5;
  h = (h + BigInt(len)) & M;
  for (; i + 8 <= len; i += 8) {
    h ^= round(0n, u64(b, i));
    h = (rotl(h, 27n) * P1 + P4) & M;
  }
  if (i + 4 <= len) {
    h ^= (u32(b, i) * P1) & M;
    h = (rotl(h, 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < len; i++) {
    h ^= (BigInt(b[i]!) * P5) & M;
    h = (rotl(h, 11n) * P1) & M;
  }
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

const enc = new TextEncoder();

export function labelsBytes(labels: Labels): Uint8Array {
  const parts: number[] = [];
  const put = (s: string) => {
    const b = enc.encode(s);
    if (b.length < 255) parts.push(b.length);
    else parts.push(255, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff);
    for (const x of b) parts.push(x);
  };
  for (const l of labels) {
    put(l.name);
    put(l.value);
  }
  return Uint8Array.from(parts);
}

/** float64(hash) / float64(MaxUint64), as Prometheus's ratio sampler. */
export function ratioHash(labels: Labels): number {
  return Number(xxhash64(labelsBytes(labels))) / 18446744073709551615;
}
