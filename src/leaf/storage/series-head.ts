/**
 * Per-series in-memory state: identity, the appendable head (typed-array columns) and sealed
 * chunks not yet persisted in a block. One object per series, typed arrays per sample.
 *
 * Invariants: timestamps strictly increase across [persisted blocks…, chunks…, head]; a chunk
 * (and the head) never spans a block boundary (`blockMs`), so each lies in exactly one block.
 * Old data is held only as sealed chunk bytes: the head holds at most `chunkSamples` samples.
 */
import type { Labels } from '../../model/index.js';
import { decodeChunk, encodeChunk } from './chunk-codec.js';

export interface MemChunk {
  minT: number;
  maxT: number;
  count: number;
  data: Uint8Array;
}

const EMPTY = new Float64Array(0);

/**
 * Measured heap + external overhead of one in-memory chunk beyond its bytes (the chunk object,
 * its Uint8Array and ArrayBuffer, the off-heap backing store record): ≈ 280 B on Node 20. Chunks
 * stay in memory only until their 2 h block is flushed (durable) or compacted (memory-only).
 */
export const CHUNK_OVERHEAD_BYTES = 280;

/** Outcome of `MemSeries.merge`. */
export interface MergeOutcome {
  /** Samples inserted (new timestamps); written to the `out` columns when given. */
  inserted: number;
  /** Timestamps already present with bit-identical values: ignored. */
  duplicates: number;
  /** Timestamps already present with a different value: refused. */
  conflicts: number;
  /** First conflict, for messages. */
  conflictT?: number;
  conflictOld?: number;
}

/** Cache of the last chunk decoded by valueAt (chunk bytes are immutable once sealed). */
const decoded = { data: undefined as Uint8Array | undefined, t: new Float64Array(0), v: new Float64Array(0) };

const bitsA = new Float64Array(2);
const bitsU = new Uint32Array(bitsA.buffer);
/** Bit-identical doubles (so a stale marker only equals a stale marker). */
export function sameBits(a: number, b: number): boolean {
  if (a === a && b === b) return Object.is(a, b);
  bitsA[0] = a;
  bitsA[1] = b;
  return bitsU[0] === bitsU[2] && bitsU[1] === bitsU[3];
}

export class MemSeries {
  ht: Float64Array;
  hv: Float64Array;
  hn = 0;
  /** Block index (floor(t / blockMs)) of the head's samples; meaningful when hn > 0. */
  headBlock = 0;
  lastT = -Infinity;
  lastV = NaN;
  chunks: MemChunk[] = [];
  /** Blocks with seq ≤ this hold no data of this series any more (see dropSeries). */
  hideBlocksUpTo = 0;
  /** Cache of this series' share of the persisted blocks (see DurableSeriesStore.seriesStats). */
  blockStats: { version: number; hide: number; samples: number; bytes: number; minT: number } | undefined;

  constructor(
    readonly id: number,
    readonly tenant: string,
    readonly labels: Labels,
    readonly key: string,
  ) {
    this.ht = EMPTY;
    this.hv = EMPTY;
  }

  /**
   * Seals the head into a chunk (no-op when empty). Returns the encoded bytes. `release` frees
   * the head columns too (idle series: then only compressed bytes are held; the next append
   * regrows them by doubling); an appending series keeps them.
   */
  seal(release = false): number {
    if (release) {
      const b = this.seal();
      this.ht = EMPTY;
      this.hv = EMPTY;
      return b;
    }
    if (this.hn === 0) return 0;
    const data = encodeChunk(this.ht, this.hv, 0, this.hn);
    this.chunks.push({ minT: this.ht[0]!, maxT: this.ht[this.hn - 1]!, count: this.hn, data });
    this.hn = 0;
    return data.length;
  }

  /**
   * Appends samples already checked to be strictly increasing and newer than lastT; seals at
   * `chunkSamples` and at block boundaries. Copies values through Float64Array element stores
   * (which keep NaN payloads). Returns bytes of chunks sealed.
   */
  append(t: Float64Array, v: Float64Array, from: number, to: number, chunkSamples: number, blockMs: number): number {
    let sealed = 0;
    for (let i = from; i < to; i++) {
      const ti = t[i]!;
      const b = Math.floor(ti / blockMs);
      if (this.hn > 0 && (this.hn >= chunkSamples || b !== this.headBlock)) sealed += this.seal();
      if (this.hn === 0) this.headBlock = b;
      if (this.hn === this.ht.length) this.grow(chunkSamples);
      this.ht[this.hn] = ti;
      this.hv[this.hn] = v[i]!;
      this.hn++;
    }
    if (to > from) {
      this.lastT = t[to - 1]!;
      this.lastV = v[to - 1]!;
    }
    return sealed;
  }

  /**
   * Merges samples at any time (sorted ascending, distinct timestamps, all ≥ the persisted
   * floor: the caller checks) into the in-memory chunks and head: the one insert path for
   * out-of-order writes inside the admission window, WAL replay and range transfers.
   * Decodes the chunks from the first one the samples reach, merges, and re-chunks from there
   * (sealing at `chunkSamples` and block boundaries as `append` does). Samples at existing
   * timestamps are duplicates (same bits, ignored) or conflicts (refused); nothing is rebuilt
   * when every sample already exists. Inserted samples are copied to outT/outV from `outOff`.
   */
  merge(t: ArrayLike<number>, v: ArrayLike<number>, n: number, chunkSamples: number, blockMs: number, outT?: Float64Array, outV?: Float64Array, outOff = 0): MergeOutcome {
    const res: MergeOutcome = { inserted: 0, duplicates: 0, conflicts: 0 };
    if (n === 0) return res;
    const first = t[0]!;
    let c0 = this.chunks.length;
    while (c0 > 0 && this.chunks[c0 - 1]!.maxT >= first) c0--;
    let total = this.hn;
    for (let c = c0; c < this.chunks.length; c++) total += this.chunks[c]!.count;
    const at = new Float64Array(total);
    const av = new Float64Array(total);
    let off = 0;
    for (let c = c0; c < this.chunks.length; c++) off += decodeChunk(this.chunks[c]!.data, at, av, off);
    at.set(this.ht.subarray(0, this.hn), off);
    av.set(this.hv.subarray(0, this.hn), off);
    const mt = new Float64Array(total + n);
    const mv = new Float64Array(total + n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < total || j < n) {
      if (j >= n || (i < total && at[i]! < t[j]!)) {
        mt[k] = at[i]!;
        mv[k++] = av[i++]!;
      } else if (i >= total || t[j]! < at[i]!) {
        mt[k] = t[j]!;
        mv[k++] = v[j]!;
        if (outT && outV) {
          outT[outOff + res.inserted] = t[j]!;
          outV[outOff + res.inserted] = v[j]!;
        }
        res.inserted++;
        j++;
      } else {
        // Same timestamp: the existing sample stays.
        if (sameBits(v[j]!, av[i]!)) res.duplicates++;
        else {
          if (res.conflicts === 0) {
            res.conflictT = t[j]!;
            res.conflictOld = av[i]!;
          }
          res.conflicts++;
        }
        j++;
      }
    }
    if (res.inserted === 0) return res;
    this.chunks.length = c0;
    this.hn = 0;
    this.lastT = c0 > 0 ? this.chunks[c0 - 1]!.maxT : -Infinity;
    this.append(mt, mv, 0, k, chunkSamples, blockMs);
    return res;
  }

  /**
   * The stored value at exactly t (head or in-memory chunks; persisted blocks are not searched),
   * or undefined. Used on the rejection path only (an identical re-send of an old sample is
   * ignored, not rejected); the last decoded chunk is cached.
   */
  valueAt(t: number): number | undefined {
    let ts: Float64Array;
    let vs: Float64Array;
    let n: number;
    if (this.hn > 0 && t >= this.ht[0]!) {
      ts = this.ht;
      vs = this.hv;
      n = this.hn;
    } else {
      let lo = 0;
      let hi = this.chunks.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.chunks[mid]!.maxT < t) lo = mid + 1;
        else hi = mid;
      }
      const c = this.chunks[lo];
      if (!c || c.minT > t) return undefined;
      if (decoded.data !== c.data) {
        if (decoded.t.length < c.count) {
          decoded.t = new Float64Array(c.count);
          decoded.v = new Float64Array(c.count);
        }
        decodeChunk(c.data, decoded.t, decoded.v, 0);
        decoded.data = c.data;
      }
      ts = decoded.t;
      vs = decoded.v;
      n = c.count;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && ts[lo] === t ? vs[lo] : undefined;
  }

  /** Samples held in memory (sealed chunks + head). */
  get memSamples(): number {
    let n = this.hn;
    for (const c of this.chunks) n += c.count;
    return n;
  }

  /** Bytes held in memory by the samples: chunk bytes (+ per-chunk overhead) and head capacity. */
  get memBytes(): number {
    let b = this.ht.byteLength + this.hv.byteLength;
    for (const c of this.chunks) b += c.data.byteLength + CHUNK_OVERHEAD_BYTES;
    return b;
  }

  private grow(max: number): void {
    const cap = Math.min(Math.max(this.ht.length * 2, 8), Math.max(max, this.ht.length + 1));
    const nt = new Float64Array(cap);
    const nv = new Float64Array(cap);
    nt.set(this.ht.subarray(0, this.hn));
    nv.set(this.hv.subarray(0, this.hn));
    this.ht = nt;
    this.hv = nv;
  }
}
