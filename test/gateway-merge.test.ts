import { describe, expect, it } from 'vitest';
import { mergeSeriesSets } from '../src/router/index.js';
import type { Series } from '../src/model/index.js';

const s = (name: string, t: number[], v: number[]): Series => ({ labels: [{ name: '__name__', value: name }], t: Float64Array.from(t), v: Float64Array.from(v) });

describe('mergeSeriesSets', () => {
  it('sorts by labels and merges copies of one label set by timestamp, first copy winning', () => {
    const out = mergeSeriesSets([
      [s('b', [1, 3], [10, 30]), s('a', [1], [1])],
      [s('b', [2, 3, 4], [20, 99, 40])],
      [],
    ]);
    expect(out.map((x) => x.labels[0]!.value)).toEqual(['a', 'b']);
    expect(Array.from(out[1]!.t)).toEqual([1, 2, 3, 4]);
    expect(Array.from(out[1]!.v)).toEqual([10, 20, 30, 40]);
  });

  it('keeps label-only series (no samples)', () => {
    const out = mergeSeriesSets([[s('x', [], [])], [s('x', [], [])]]);
    expect(out).toHaveLength(1);
    expect(out[0]!.t.length).toBe(0);
  });
});
