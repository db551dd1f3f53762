import { describe, expect, it } from 'vitest';
import { decodeSeriesBatch, encodeSeriesBatch } from '../src/rpc/arrow-series.js';
import { isStaleNaN, STALE_NAN, type Series } from '../src/model/index.js';

function s(labels: Record<string, string>, t: number[], v: number[]): Series {
  return {
    labels: Object.keys(labels).sort().map((name) => ({ name, value: labels[name]! })),
    t: Float64Array.from(t),
    v: Float64Array.from(v),
  };
}

describe('arrow series codec', () => {
  it('round-trips labels and samples', () => {
    const input = [
      s({ __name__: 'up', job: 'api', instance: 'a:1' }, [1000, 2000, 3000], [1, 0, 1]),
      s({ __name__: 'up', job: 'api', instance: 'b:1' }, [1000], [0.5]),
    ];
    const out = decodeSeriesBatch(encodeSeriesBatch(input));
    expect(out).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(out[i]!.labels).toEqual(input[i]!.labels);
      expect(out[i]!.t).toBeInstanceOf(Float64Array);
      expect(Array.from(out[i]!.t)).toEqual(Array.from(input[i]!.t));
      expect(Array.from(out[i]!.v)).toEqual(Array.from(input[i]!.v));
    }
  });

  it('handles an empty batch and series with 0 samples', () => {
    expect(decodeSeriesBatch(encodeSeriesBatch([]))).toEqual([]);
    const out = decodeSeriesBatch(encodeSeriesBatch([s({ __name__: 'x' }, [], []), s({ __name__: 'y' }, [5], [6])]));
    expect(out.map((x) => x.t.length)).toEqual([0, 1]);
    expect(out[1]!.v[0]).toBe(6);
  });

  it('preserves the stale NaN payload and ordinary NaN/Inf', () => {
    // Build the column by element stores: JS arrays canonicalise NaN payloads, Float64Arrays do not.
    const input = s({ __name__: 'x' }, [1, 2, 3, 4], [0, NaN, Infinity, -0]);
    input.v[0] = STALE_NAN;
    expect(isStaleNaN(input.v[0]!)).toBe(true);
    const out = decodeSeriesBatch(encodeSeriesBatch([input]));
    const v = out[0]!.v;
    expect(isStaleNaN(v[0]!)).toBe(true);
    expect(Number.isNaN(v[1]!)).toBe(true);
    expect(isStaleNaN(v[1]!)).toBe(false);
    expect(v[2]).toBe(Infinity);
    expect(Object.is(v[3], -0)).toBe(true);
  });

  it('round-trips unicode labels and JSON-special characters', () => {
    const input = [s({ __name__: 'métrique_温度', 'ключ': 'значение "q" \\ \n 🌲', job: '\u0000x' }, [1], [2])];
    const out = decodeSeriesBatch(encodeSeriesBatch(input));
    expect(out[0]!.labels).toEqual(input[0]!.labels);
  });

  it('decodes from a misaligned buffer and yields views, not per-sample objects', () => {
    const n = 1000;
    const series = Array.from({ length: 50 }, (_, i) => s({ __name__: 'm', i: String(i) }, Array.from({ length: n }, (_, k) => k * 15000), Array.from({ length: n }, (_, k) => k + i)));
    const bytes = encodeSeriesBatch(series);
    const buf = new Uint8Array(bytes.length + 3);
    buf.set(bytes, 3);
    const out = decodeSeriesBatch(buf.subarray(3));
    expect(out).toHaveLength(50);
    // Every series' columns share one backing buffer.
    expect(out[7]!.t.buffer).toBe(out[42]!.t.buffer);
    expect(out[42]!.v[999]).toBe(999 + 42);
    expect(out[42]!.t[999]).toBe(999 * 15000);
  });
});
