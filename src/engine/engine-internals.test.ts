import { describe, expect, it } from 'vitest';
import { labelsFromRecord, MemoryQuerier, type Series } from '../model/index.js';
import { goG } from './annotations.js';
import { formatFloatF } from './format-float.js';
import { Engine } from './index.js';
import { labelsBytes, ratioHash, xxhash64 } from './label-hash.js';
import { normalizeSeriesSet } from './normalize.js';

const enc = new TextEncoder();

function s(rec: Record<string, string>, t: number[], v: number[]): Series {
  return { labels: labelsFromRecord(rec), t: Float64Array.from(t), v: Float64Array.from(v) };
}

describe('xxhash64 / ratio hash', () => {
  it('matches the reference xxhash64 vectors', () => {
    expect(xxhash64(new Uint8Array(0)).toString(16)).toBe('ef46db3751d8e999');
    expect(xxhash64(enc.encode('abc')).toString(16)).toBe('44bc2cf5ad770999');
    expect(xxhash64(enc.encode('Nobody inspects the spammish repetition')).toString(16)).toBe('fbcea83c8a378bf1');
  });
  it('encodes labels as length-prefixed strings and maps to [0, 1]', () => {
    expect([...labelsBytes(labelsFromRecord({ a: 'bc' }))]).toEqual([1, 97, 2, 98, 99]);
    const long = 'x'.repeat(300);
    expect([...labelsBytes(labelsFromRecord({ a: long })).slice(2, 6)]).toEqual([255, 44, 1, 0]);
    const r = ratioHash(labelsFromRecord({ job: 'api' }));
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThanOrEqual(1);
  });
});

describe('number formatting', () => {
  it('formats like Go FormatFloat(f, -1) without exponent', () => {
    expect(formatFloatF(1e21)).toBe('1000000000000000000000');
    expect(formatFloatF(1e-7)).toBe('0.0000001');
    expect(formatFloatF(-1.5e-7)).toBe('-0.00000015');
    expect(formatFloatF(Infinity)).toBe('+Inf');
    expect(formatFloatF(NaN)).toBe('NaN');
    expect(formatFloatF(12.5)).toBe('12.5');
  });
  it('formats like Go %g', () => {
    expect(goG(1.1)).toBe('1.1');
    expect(goG(NaN)).toBe('NaN');
    expect(goG(-Infinity)).toBe('-Inf');
  });
});

describe('normalizeSeriesSet', () => {
  it('sorts by labels, merges duplicate label sets and orders samples', () => {
    const out = normalizeSeriesSet([s({ a: '2' }, [1], [1]), s({ a: '1' }, [3, 1], [30, 10]), s({ a: '1' }, [2, 3], [20, 31])]);
    expect(out.map((x) => x.labels[0]!.value)).toEqual(['1', '2']);
    expect([...out[0]!.t]).toEqual([1, 2, 3]);
    expect([...out[0]!.v]).toEqual([10, 20, 31]);
  });
  it('returns well-formed input unchanged', () => {
    const input = [s({ a: '1' }, [1, 2], [1, 2])];
    expect(normalizeSeriesSet(input)).toBe(input);
  });
});

describe('name removal modes', () => {
  const q = new MemoryQuerier([
    s({ __name__: 'a', env: '1' }, [0], [1]),
    s({ __name__: 'b', env: '1' }, [0], [2]),
  ]);
  it('immediate removal makes colliding label sets an error', async () => {
    await expect(new Engine().instant(q, '-{env="1"}', 0)).rejects.toThrow('vector cannot contain metrics with the same labelset');
  });
  it('delayed removal lets label_replace keep the name', async () => {
    const out = await new Engine({ delayedNameRemoval: true }).instant(q, 'label_replace(-{env="1"}, "__name__", "neg_$1", "__name__", "(.+)")', 0);
    if (out.value.resultType !== 'vector') throw new Error('vector expected');
    expect(out.value.samples.map((x) => x.labels.map((l) => l.value).join(','))).toEqual(['neg_a,1', 'neg_b,1']);
  });
});

describe('errors and modifiers', () => {
  const q = new MemoryQuerier([
    s({ __name__: 'm', job: 'x', i: '1' }, [0], [1]),
    s({ __name__: 'm', job: 'x', i: '2' }, [0], [2]),
    s({ __name__: 'one', job: 'x' }, [0], [10]),
    s({ __name__: 'target_info', job: 'x', instance: 'h', version: 'v1' }, [0], [1]),
    s({ __name__: 'up', job: 'x', instance: 'h' }, [0], [1]),
  ]);
  const e = new Engine();
  it('reports many-to-many matches like Prometheus', async () => {
    await expect(e.instant(q, 'one + on(job) m', 0)).rejects.toThrow(
      'found duplicate series for the match group {job="x"} on the right hand-side of the operation: [{__name__="m", i="1", job="x"}, {__name__="m", i="2", job="x"}];many-to-many matching not allowed: matching labels must be unique on one side',
    );
  });
  it('fills a missing side with fill()', async () => {
    const out = await e.instant(q, 'm + on(i) fill(100) one', 0);
    if (out.value.resultType !== 'vector') throw new Error('vector expected');
    expect(out.value.samples.map((x) => x.v).sort((a, b) => a - b)).toEqual([101, 102, 110]);
  });
  it('joins info metrics', async () => {
    const out = await e.instant(q, 'info(up)', 0);
    if (out.value.resultType !== 'vector') throw new Error('vector expected');
    expect(out.value.samples[0]!.labels.find((l) => l.name === 'version')?.value).toBe('v1');
  });
  it('rejects range queries over range vectors', async () => {
    await expect(e.range(q, 'm[5m]', 0, 60_000, 15_000)).rejects.toThrow('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
  });
  it('warns about sort in range queries', async () => {
    const out = await e.range(q, 'sort(m)', 0, 60_000, 15_000);
    expect(out.warnings).toEqual(['PromQL warning: sort is ineffective for range queries since results are always ordered by labels']);
  });
});
