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
  /** Number of bits written. */
  bits = 0;

  constructor(capacityBytes = 256) {
    this.buf = new Uint8Array(capacityBytes);
  }

  private ensure(extraBits: number): void {
    const need = ((this.bits + extraBits + 7) >>> 3) + 8;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf);
    this.buf = next;
  }

  /** Writes the low `n` bits of `v` (0 ≤ n ≤ 32, v treated as unsigned 32-bit). */
  write(v: number, n: number): void {
    if (n === 0) return;
    this.ensure(n);
    if (n < 32) v &= (1 << n) - 1;
    const buf = this.buf;
    let pos = this.bits;
    let left = n;
    while (left > 0) {
      const byte = pos >>> 3;
      const used = pos & 7;
      const take = Math.min(8 - used, left);
      const chunk = (v >>> (left - take)) & ((1 << take) - 1);
      buf[byte] = buf[byte]! | (chunk << (8 - used - take));
      pos += take;
      left -= take;
    }
    this.bits = pos;
  }

  writeBit(b: number): void {
    this.write(b, 1);
  }

  /** Byte length after padding the last byte. */
  get byteLength(): number {
    return (this.bits + 7) >>> 3;
  }

  /** Appends whole bytes (the writer must be byte-aligned). */
  writeBytes(b: Uint8Array): void {
    if ((this.bits & 7) !== 0) throw new Error('BitWriter.writeBytes: not byte-aligned');
    this.ensure(b.length * 8);
    this.buf.set(b, this.bits >>> 3);
    this.bits += b.length * 8;
  }

  alignToByte(): void {
    this.bits = (this.bits + 7) & ~7;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.byteLength);
  }
}

/** Unsigned LEB128 varint of a non-negative integer up to 2^53 (arithmetic, not 32-bit ops). */
export function writeUvarint(w: BitWriter, x: number): void {
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
