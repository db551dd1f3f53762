/**
 * Bit-level writer and the read primitives the chunk decoder inlines.
 *
 * Bits are written most-significant first into a growable Uint8Array (no object per sample).
 * Readers peek a 32-bit big-endian window at any bit position; they need 4 readable bytes past
 * the last meaningful one, so decoders copy a chunk into a zero-padded scratch buffer first
 * (`padded`).
 */

export class BitWriter {
  buf: Uint8Array;
  /** Whole bytes flushed to `buf`. */
  private len = 0;
  /** Pending bits, left-aligned in a 32-bit word, and how many (0..31). */
  private cur = 0;
  private curBits = 0;

  constructor(capacityBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, capacityBytes));
  }

  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes the low `n` bits of `v` (0 ≤ n ≤ 32, v treated as unsigned 32-bit). */
  write(v: number, n: number): void {
    if (n === 0) return;
    if (n < 32) v &= (1 << n) - 1;
    const free = 32 - this.curBits;
    if (n < free) {
      this.cur |= v << (free - n);
      this.curBits += n;
      return;
    }
    const over = n - free; // bits of v left after filling the word (0..31)
    const word = this.cur | (v >>> over);
    if (this.len + 4 > this.buf.length) this.grow();
    const b = this.buf;
    const l = this.len;
    b[l] = word >>> 24;
    b[l + 1] = word >>> 16;
    b[l + 2] = word >>> 8;
    b[l + 3] = word;
    this.len = l + 4;
    this.cur = over === 0 ? 0 : v << (32 - over);
    this.curBits = over;
  }

  /** Number of bits written. */
  get bits(): number {
    return this.len * 8 + this.curBits;
  }

  /** Byte length after padding the last byte. */
  get byteLength(): number {
    return (this.bits + 7) >>> 3;
  }

  /** Moves whole pending bytes into `buf` (the pending remainder stays < 8 bits). */
  private flushBytes(): void {
    while (this.curBits >= 8) {
      if (this.len + 1 > this.buf.length) this.grow();
      this.buf[this.len++] = this.cur >>> 24;
      this.cur <<= 8;
      this.curBits -= 8;
    }
  }

  /** Appends whole bytes (the writer must be byte-aligned). */
  writeBytes(src: Uint8Array): void {
    if ((this.curBits & 7) !== 0) throw new Error('BitWriter.writeBytes: not byte-aligned');
    this.flushBytes();
    while (this.len + src.length > this.buf.length) this.grow();
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  finish(): Uint8Array {
    if (this.curBits & 7) this.write(0, 8 - (this.curBits & 7));
    this.flushBytes();
    return this.buf.slice(0, this.len);
  }
}

/** Unsigned LEB128 varint of a non-negative integer up to 2^53 (arithmetic, not 32-bit ops). */
export function writeUvarint(w: BitWriter, x: number): void {
  if (x < 0x80) {
    w.write(x, 8);
    return;
  }
  while (x >= 0x80) {
    w.write((x % 0x80) | 0x80, 8);
    x = Math.floor(x / 0x80);
  }
  w.write(x, 8);
}

export function zigzag(x: number): number {
  return x >= 0 ? x * 2 : -x * 2 - 1;
}

export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/** Reads a uvarint at byte offset `pos[0]`, advancing it. */
export function readUvarint(buf: Uint8Array, pos: { p: number }): number {
  let x = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos.p++];
    if (b === undefined) throw new Error('chunk: truncated varint');
    x += (b & 0x7f) * mul;
    if (b < 0x80) return x;
    mul *= 0x80;
    if (mul > 2 ** 56) throw new Error('chunk: varint too long');
  }
}

/** 32 bits starting at bit `pos`, big-endian, as an unsigned number. Needs 5 readable bytes. */
export function peek32(buf: Uint8Array, pos: number): number {
  const b = pos >>> 3;
  const s = pos & 7;
  const w = (buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!;
  if (s === 0) return w >>> 0;
  return ((w << s) | (buf[b + 4]! >>> (8 - s))) >>> 0;
}

let words = new Uint32Array(1024);

/**
 * The chunk as big-endian 32-bit words in a shared scratch array, followed by ≥ 2 zero words
 * (valid until the next call). Bit position p lives in word p >>> 5, so a 32-bit window is two
 * loads (`peekW`) instead of five byte loads.
 */
export function toWords(src: Uint8Array): Uint32Array {
  const n = (src.length + 3) >>> 2;
  if (words.length < n + 2) words = new Uint32Array(Math.max(n + 2, words.length * 2));
  const w = words;
  const full = src.length >>> 2;
  for (let i = 0, b = 0; i < full; i++, b += 4) w[i] = (src[b]! << 24) | (src[b + 1]! << 16) | (src[b + 2]! << 8) | src[b + 3]!;
  if (full < n) {
    let x = 0;
    for (let b = full * 4, sh = 24; b < src.length; b++, sh -= 8) x |= src[b]! << sh;
    w[full] = x;
  }
  w[n] = 0;
  w[n + 1] = 0;
  return w;
}

/** 32 bits starting at bit `pos` of a word array from `toWords`, as an unsigned number. */
export function peekW(w: Uint32Array, pos: number): number {
  const k = pos >>> 5;
  const s = pos & 31;
  return s === 0 ? w[k]! : ((w[k]! << s) | (w[k + 1]! >>> (32 - s))) >>> 0;
}
