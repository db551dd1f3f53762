import { describe, expect, it } from 'vitest';
import { MemoryQuerier, STALE_NAN, isStaleNaN, labelsFromRecord } from '../src/model/index.js';

describe('MemoryQuerier', () => {
  it('keeps the stale marker bit-exact through fromSamples', async () => {
    const t = new Float64Array([1000, 2000, 3000]);
    // Assign element-wise: an array literal would canonicalise the marker before the test starts.
    const v = new Float64Array(3);
    v[0] = 1;
    v[1] = STALE_NAN;
    v[2] = NaN;
    expect(isStaleNaN(v[1]!)).toBe(true);
    const q = MemoryQuerier.fromSamples([{ labels: labelsFromRecord({ __name__: 'x' }), t, v }]);
    const [s] = await q.select([], { start: 0, end: 10_000 });
    expect(s!.v.length).toBe(3);
    expect(isStaleNaN(s!.v[1]!)).toBe(true);
    expect(Number.isNaN(s!.v[2]!)).toBe(true);
    expect(isStaleNaN(s!.v[2]!)).toBe(false);
  });

  it('recognises the stale marker after V8 quieted it in a JS array', () => {
    const viaArray = Float64Array.from([STALE_NAN])[0]!;
    expect(isStaleNaN(viaArray)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    expect(isStaleNaN(0)).toBe(false);
  });

  it('merges duplicate label sets, sorts by time and lets the later write win', async () => {
    const labels = labelsFromRecord({ __name__: 'x', job: 'a' });
    const q = MemoryQuerier.fromSamples([
      { labels, t: [3000, 1000], v: [3, 1] },
      { labels, t: [2000, 3000], v: [2, 33] },
    ]);
    const [s] = await q.select([{ type: '=', name: 'job', value: 'a' }], { start: 0, end: 10_000 });
    expect(Array.from(s!.t)).toEqual([1000, 2000, 3000]);
    expect(Array.from(s!.v)).toEqual([1, 2, 33]);
  });

  it('clips to the hinted window and filters by matchers', async () => {
    const q = MemoryQuerier.fromSamples([
      { labels: labelsFromRecord({ __name__: 'x', job: 'a' }), t: [1, 2, 3], v: [1, 2, 3] },
      { labels: labelsFromRecord({ __name__: 'x', job: 'b' }), t: [1], v: [1] },
    ]);
    const res = await q.select([{ type: '=~', name: 'job', value: 'a|c' }], { start: 2, end: 3 });
    expect(res.length).toBe(1);
    expect(Array.from(res[0]!.t)).toEqual([2, 3]);
    expect(await q.labelValues('job', {})).toEqual(['a', 'b']);
  });
});
