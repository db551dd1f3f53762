import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../../model/index.js';
import { chunkSampleCount, decodeChunk, encodeChunk } from './chunk-codec.js';
import { SyntheticSeries } from './synthetic.js';

function roundTrip(t: Float64Array, v: Float64Array): { t: Float64Array; v: Float64Array; bytes: number } {
  const c = encodeChunk(t, v);
  expect(chunkSampleCount(c)).toBe(t.length);
  const ot = new Float64Array(t.length + 3);
  const ov = new Float64Array(t.length + 3);
  expect(decodeChunk(c, ot, ov, 3)).toBe(t.length);
  return { t: ot.subarray(3), v: ov.subarray(3), bytes: c.length };
}

function bitsEqual(a: Float64Array, b: Float64Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe('chunk codec', () => {
  it('round-trips every synthetic kind bit-exact', () => {
    for (let s = 0; s < 40; s++) {
      const g = new SyntheticSeries(s, { seed: 7 });
      const n = 1 + ((s * 53) % 300);
      const t = new Float64Array(n);
      const v = new Float64Array(n);
      g.fill(t, v, 0, n);
      const r = roundTrip(t, v);
      expect(Array.from(r.t)).toEqual(Array.from(t));
      expect(bitsEqual(r.v, v)).toBe(true);
    }
  });

  it('keeps stale NaN, other NaNs, -0, infinities and extreme values bit-exact', () => {
    const weird = [1.5, STALE_NAN, NaN, -0, 0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -(2 ** 60), 1e-300, STALE_NAN, 3];
    const t = Float64Array.from(weird, (_, i) => 1000 + i * 15_000 + (i % 3 === 0 ? 7 : 0));
    // Element stores keep the signalling stale NaN; Float64Array.from(array) would quiet it.
    const v = new Float64Array(weird.length);
    for (let i = 0; i < weird.length; i++) v[i] = weird[i]!;
    // JS arrays of doubles quiet signalling NaNs, so write the stale marker's exact words.
    const vw = new Uint32Array(v.buffer);
    for (const i of [1, 12]) { vw[i * 2] = 2; vw[i * 2 + 1] = 0x7ff00000; }
    // A NaN with a custom payload too.
    new Uint32Array(v.buffer)[5] = 0x12345678;
    const r = roundTrip(t, v);
    expect(bitsEqual(r.v, v)).toBe(true);
    // Checked on the raw words: reading a NaN out as a JS number may canonicalize it in some tiers.
    const w = new Uint32Array(r.v.buffer, r.v.byteOffset, r.v.length * 2);
    expect([w[2], w[3]]).toEqual([0x00000002, 0x7ff00000]);
    expect([w[24], w[25]]).toEqual([0x00000002, 0x7ff00000]);
    expect(isStaleNaN(r.v[1]!)).toBe(true);
    expect(Object.is(r.v[3], -0)).toBe(true);
  });

  it('handles huge timestamp gaps and integer extremes', () => {
    const t = Float64Array.from([0, 1, 8.64e15 - 10, 8.64e15 - 9, 8.64e15]);
    const v = Float64Array.from([0, 2 ** 53, -(2 ** 53), 5, 2 ** 52 + 1]);
    const r = roundTrip(t, v);
    expect(Array.from(r.t)).toEqual(Array.from(t));
    expect(Array.from(r.v)).toEqual(Array.from(v));
    const one = roundTrip(Float64Array.of(42), Float64Array.of(0.1));
    expect(one.t[0]).toBe(42);
    expect(one.v[0]).toBe(0.1);
  });

  it('compresses the realistic mix below 1.5 bytes per sample', () => {
    let bytes = 0;
    let samples = 0;
    const n = 240;
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    for (let s = 0; s < 400; s++) {
      const g = new SyntheticSeries(s, { seed: 3 });
      for (let c = 0; c < 4; c++) {
        g.fill(t, v, 0, n);
        bytes += encodeChunk(t, v).length;
        samples += n;
      }
    }
    expect(bytes / samples).toBeLessThan(1.5);
  });
});

describe('chunk codec special cases', () => {
  it('encodes constant values and perfectly regular timestamps compactly', () => {
    const n = 240;
    const t = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const v = new Float64Array(n);
    const w = new Uint32Array(v.buffer);
    for (let i = 0; i < n; i++) { w[i * 2] = 2; w[i * 2 + 1] = 0x7ff00000; } // all stale markers
    const c = encodeChunk(t, v);
    expect(c.length).toBeLessThan(24);
    const ot = new Float64Array(n);
    const ov = new Float64Array(n);
    decodeChunk(c, ot, ov);
    expect(Array.from(ot)).toEqual(Array.from(t));
    expect(Array.from(new Uint32Array(ov.buffer))).toEqual(Array.from(w));
  });
});
