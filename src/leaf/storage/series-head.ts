/**
 * Per-series in-memory state: identity, the appendable head (typed-array columns) and sealed
 * chunks not yet persisted in a block. One object per series, typed arrays per sample.
 *
 * Invariants: timestamps strictly increase across [persisted blocks…, chunks…, head]; a chunk
 * (and the head) never spans a block boundary (`blockMs`), so each lies in exactly one block.
 */
import type { Labels } from '../../model/index.js';
import { encodeChunk } from './chunk-codec.js';

export interface MemChunk {
  minT: number;
  maxT: number;
  count: number;
  data: Uint8Array;
}

const EMPTY = new Float64Array(0);

export class MemSeries {
  ht: Float64Array;
  hv: Float64Array;
  hn = 0;
  /** Block index (floor(t / blockMs)) of the head's samples; meaningful when hn > 0. */
  headBlock = 0;
  lastT = -Infinity;
  lastV = NaN;
  chunks: MemChunk[] = [];

  constructor(
    readonly id: number,
    readonly tenant: string,
    readonly labels: Labels,
    readonly key: string,
  ) {
    this.ht = EMPTY;
    this.hv = EMPTY;
  }

  /** Seals the head into a chunk (no-op when empty). Returns the encoded bytes. */
  seal(): number {
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
