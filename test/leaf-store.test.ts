import { describe, expect, it } from 'vitest';
import { LeafStore, instantAtSteps, rangeWindows, stepTimes, evalSelector } from '../src/leaf/index.js';
import { KeyEncoder, labelsFromRecord, MemoryQuerier, STALE_NAN, type Matcher, type Series } from '../src/model/index.js';

function fill(store: LeafStore): void {
  const rows: Record<string, string>[] = [
    { __name__: 'up', job: 'api', instance: 'a' },
    { __name__: 'up', job: 'api', instance: 'b', env: 'prod' },
    { __name__: 'up', job: 'db', instance: 'c', env: 'dev' },
    { __name__: 'up', job: 'db', instance: 'd', env: '' },
    { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '200' },
    { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '500' },
  ];
  rows.forEach((r, i) => store.append('t1', labelsFromRecord(r), [1000, 2000, 3000], [i, i + 0.5, i + 1]));
}

async function names(store: LeafStore, ms: Matcher[], spans?: Parameters<LeafStore['querier']>[1]): Promise<string[]> {
  const set = await store.querier('t1', spans).select(ms, { start: 0, end: 10_000 });
  return set.map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(','));
}

describe('leaf store: matchers', () => {
  const store = new LeafStore();
  fill(store);
  const n = (type: Matcher['type'], name: string, value: string): Matcher => ({ type, name, value });

  it('= and sorted output', async () => {
    // Prometheus label-set order: pairwise by name, then value (env < instance).
    expect(await names(store, [n('=', '__name__', 'up'), n('=', 'job', 'api')])).toEqual([
      '__name__=up,env=prod,instance=b,job=api',
      '__name__=up,instance=a,job=api',
    ]);
  });
  it('!= (matches series lacking the label)', async () => {
    const r = await names(store, [n('=', '__name__', 'up'), n('!=', 'env', 'prod')]);
    expect(r).toEqual(['__name__=up,env=dev,instance=c,job=db', '__name__=up,instance=a,job=api', '__name__=up,instance=d,job=db']);
  });
  it('=~ anchored, and =~ matching empty', async () => {
    expect(await names(store, [n('=~', 'code', '5..')])).toEqual(['__name__=http_requests_total,code=500,instance=a,job=api']);
    expect(await names(store, [n('=~', 'code', '2')])).toEqual([]);
    // env=~"|dev" matches missing env and dev
    const r = await names(store, [n('=', '__name__', 'up'), n('=~', 'env', '|dev')]);
    expect(r).toEqual(['__name__=up,env=dev,instance=c,job=db', '__name__=up,instance=a,job=api', '__name__=up,instance=d,job=db']);
  });
  it('!~ and empty-value equality', async () => {
    expect(await names(store, [n('=', '__name__', 'up'), n('!~', 'job', 'a.*')])).toHaveLength(2);
    expect(await names(store, [n('=', '__name__', 'up'), n('=', 'env', '')])).toEqual(['__name__=up,instance=a,job=api', '__name__=up,instance=d,job=db']);
    expect(await names(store, [n('!=', 'env', '')])).toEqual(['__name__=up,env=dev,instance=c,job=db', '__name__=up,env=prod,instance=b,job=api']);
    // Only empty-matching matchers: start from all series.
    expect(await names(store, [n('=~', 'nope', '.*')])).toHaveLength(6);
  });
  it('bad regex is an INVALID_ARGUMENT', async () => {
    await expect(store.querier('t1').select([n('=~', 'job', '(')], { start: 0, end: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
  it('selects decoded copies in the window and labelsOnly', async () => {
    const set = await store.querier('t1').select([n('=', 'instance', 'c')], { start: 1500, end: 3000 });
    expect(Array.from(set[0]!.t)).toEqual([2000, 3000]);
    expect(Array.from(set[0]!.v)).toEqual([2.5, 3]);
    const lo = await store.querier('t1').select([n('=', 'instance', 'c')], { start: 1500, end: 3000, labelsOnly: true });
    expect(lo[0]!.t.length).toBe(0);
    expect(await store.querier('t1').select([n('=', 'instance', 'c')], { start: 5000, end: 6000 })).toEqual([]);
  });
  it('label names and values, scoped by spans and matchers', async () => {
    const q = store.querier('t1');
    expect(await q.labelNames({})).toEqual(['__name__', 'code', 'env', 'instance', 'job']);
    expect(await q.labelValues('job', {})).toEqual(['api', 'db']);
    expect(await q.labelValues('instance', { matchers: [n('=', 'job', 'db')] })).toEqual(['c', 'd']);
    const db = new KeyEncoder().spanFor('t1', new Map([['job', 'db']]));
    expect(await store.querier('t1', [db]).labelNames({})).toEqual(['__name__', 'env', 'instance', 'job']);
    expect(await store.querier('nobody').labelNames({})).toEqual([]);
  });
  it('scopes reads to key spans', async () => {
    const keys = new KeyEncoder();
    const apiA = keys.spanFor('t1', new Map([['job', 'api'], ['instance', 'a']]));
    expect(await names(store, [n('=~', '__name__', '.+')], [apiA])).toHaveLength(3);
    const other = keys.tenantSpan('t2');
    expect(await names(store, [n('=~', '__name__', '.+')], [other])).toHaveLength(0);
    expect(store.stats('t1', [apiA])).toMatchObject({ series: 3, samples: 9, minTimeMs: 1000, maxTimeMs: 3000 });
    expect(store.stats('t1')).toMatchObject({ series: 6, samples: 18 });
  });
});

describe('leaf store: append', () => {
  it('without a window: rejects out of order and conflicting duplicates, ignores identical duplicates', () => {
    const store = new LeafStore(undefined, { oooWindowMs: 0 });
    const l = labelsFromRecord({ __name__: 'm', job: 'j' });
    expect(store.append('t', l, [10, 20, 30], [1, 2, 3])).toMatchObject({ appended: 3, ignored: 0, rejected: undefined });
    const r = store.append('t', l, [5, 30, 30, 40, 35, 50], [0, 3, 9, 4, 0, 5]);
    expect(r.appended).toBe(2);
    expect(r.ignored).toBe(1);
    expect(r.rejected!.get('out_of_order')!.count).toBe(2);
    expect(r.rejected!.get('duplicate_sample')!.count).toBe(1);
    const got = store.tenant('t')!.read(0)!;
    expect(Array.from(got.t)).toEqual([10, 20, 30, 40, 50]);
    expect(Array.from(got.v)).toEqual([1, 2, 3, 4, 5]);
  });
  it('inside the admission window: inserts older samples in time order (sealed chunks re-encoded), rejects older ones', () => {
    const store = new LeafStore(undefined, { oooWindowMs: 150, chunkSamples: 4 });
    const l = labelsFromRecord({ __name__: 'm', job: 'j' });
    store.append('t', l, [100, 120, 140, 160, 180, 200, 220], [1, 2, 3, 4, 5, 6, 7]);
    const r = store.append('t', l, [110, 130, 100, 100, 50, 210], [1.5, 2.5, 1, 9, 0, 6.5]);
    expect(r.appended).toBe(3); // 110, 130, 210 (inside the window: ≥ 220 − 150)
    expect(r.ignored).toBe(1); // 100 with its stored value
    expect(r.rejected!.get('duplicate_sample')!.count).toBe(1); // 100 with another value
    expect(r.rejected!.get('out_of_order')!.count).toBe(1); // 50: more than 150 ms before 220
    const got = store.tenant('t')!.read(0)!;
    expect(Array.from(got.t)).toEqual([100, 110, 120, 130, 140, 160, 180, 200, 210, 220]);
    expect(Array.from(got.v)).toEqual([1, 1.5, 2, 2.5, 3, 4, 5, 6, 6.5, 7]);
    const st = store.storageStats();
    expect(st.chunks).toBe(2);
    expect(st.headSamples).toBe(2);
    expect(st.inserted).toBe(3);
  });
  it('insert (transfers) has no window and keeps stored values; dropSpan forgets a range', () => {
    const store = new LeafStore();
    const l = labelsFromRecord({ __name__: 'm', job: 'j', instance: 'i' });
    store.append('t', l, [1_000_000, 1_000_015], [1, 2]);
    expect(store.insert('t', l, [15, 30, 1_000_000], [7, 8, 99])).toEqual({ merged: 2, present: 1, tooOld: 0 });
    expect(Array.from(store.tenant('t')!.read(0)!.v)).toEqual([7, 8, 1, 2]);
    expect(store.dropSpan(store.keys.tenantSpan('t'))).toBe(4);
    expect(store.stats('t').series).toBe(0);
    expect(store.tenant('t')!.read(0)).toBeUndefined();
  });
  it('keeps stale markers bit-exact and treats them as equal only to themselves', async () => {
    const store = new LeafStore();
    const l = labelsFromRecord({ __name__: 'm' });
    const v = new Float64Array([1, 0]);
    v[1] = STALE_NAN;
    store.append('t', l, new Float64Array([1, 2]), v);
    expect(store.append('t', l, [2], v.subarray(1)).ignored).toBe(1);
    expect(store.append('t', l, [2], [NaN]).rejected!.get('duplicate_sample')!.count).toBe(1);
  });
  it('seals old samples into compressed chunks: the head stays bounded, bytes/sample counts what is held', () => {
    const store = new LeafStore();
    const l = labelsFromRecord({ __name__: 'm' });
    for (let i = 0; i < 5000; i++) store.append('t', l, [i * 10_000, i * 10_000 + 5000], [i, i]);
    const st = store.storageStats();
    expect(st.samples).toBe(10_000);
    expect(st.headSamples).toBe(10_000 % 240);
    expect(st.chunks).toBe(Math.floor(10_000 / 240));
    const s = store.stats('t');
    expect(s.samples).toBe(10_000);
    // Chunk bytes + per-chunk overhead + the head's capacity + labels: far below 16 bytes/sample.
    expect(s.bytes / s.samples).toBeLessThan(3);
    const got = store.tenant('t')!.read(0)!;
    expect(got.t[9999]).toBe(49_995_000);
    expect(got.v[9999]).toBe(4999);
  });
  it('does not create a series when every sample is invalid', () => {
    const store = new LeafStore();
    const r = store.append('t', labelsFromRecord({ __name__: 'm' }), [NaN, -1], [1, 2]);
    expect(r.rejected!.get('invalid_timestamp')!.count).toBe(2);
    expect(store.stats('t').series).toBe(0);
  });
});

describe('selector evaluation', () => {
  const s: Series = { labels: [], t: Float64Array.from([0, 10, 20, 30, 60]), v: Float64Array.from([1, 2, 3, 0, 5]) };
  s.v[3] = STALE_NAN;
  it('instant: lookback window (t-lookback, t], skipping stale markers', () => {
    const r = instantAtSteps(s, stepTimes(0, 70, 5), 0, 15);
    // steps 0..70 by 5; at 30..40 the last sample is stale; at 45 the last sample (30) is stale
    expect(Array.from(r.t)).toEqual([0, 5, 10, 15, 20, 25, 60, 65, 70]);
    expect(Array.from(r.v)).toEqual([1, 1, 2, 2, 3, 3, 5, 5, 5]);
    // lookback boundary is exclusive: sample at 0 is not visible at t=15 with lookback 15
    expect(Array.from(instantAtSteps(s, Float64Array.of(15), 0, 15).v)).toEqual([2]);
    expect(instantAtSteps(s, Float64Array.of(75), 0, 15).t.length).toBe(0);
    // offset shifts the evaluation time but not the output timestamps
    expect(Array.from(instantAtSteps(s, Float64Array.of(100), 40, 15).t)).toEqual([100]);
  });
  it('range: raw samples in (t-range, t] windows, stale dropped', () => {
    const r = rangeWindows(s, Float64Array.of(20, 70), 0, 20);
    expect(Array.from(r.t)).toEqual([10, 20, 60]);
  });
  it('evalSelector raw/instant/range through the store with max_samples', () => {
    const store = new LeafStore();
    store.append('t', labelsFromRecord({ __name__: 'm', job: 'a' }), s.t, s.v);
    const base = { matchers: [{ type: 'EQ' as const, name: '__name__', value: 'm' }], startMs: 0, endMs: 70, stepMs: 0, lookbackMs: 0, rangeMs: 0, offsetMs: 0, raw: false, labelsOnly: false };
    const ts = store.tenant('t');
    expect(evalSelector(ts, undefined, { ...base, raw: true })[0]!.t.length).toBe(5);
    expect(Array.from(evalSelector(ts, undefined, { ...base, stepMs: 10, lookbackMs: 15 })[0]!.t)).toEqual([0, 10, 20, 60, 70]);
    expect(Array.from(evalSelector(ts, undefined, { ...base, rangeMs: 25, startMs: 30, endMs: 30 })[0]!.t)).toEqual([10, 20]);
    expect(() => evalSelector(ts, undefined, { ...base, raw: true }, 3)).toThrow(/limit of 3/);
    expect(() => evalSelector(ts, undefined, { ...base, matchers: [] })).toThrow(/at least one matcher/);
  });
});

describe('leaf store vs MemoryQuerier (differential)', () => {
  it('selects the same series for random matchers of every kind', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const store = new LeafStore();
    const rows: { labels: ReturnType<typeof labelsFromRecord>; t: number[]; v: number[] }[] = [];
    const vals = ['a', 'b', 'c', 'ab', ''];
    for (let i = 0; i < 300; i++) {
      const rec: Record<string, string> = { __name__: ['up', 'x', 'y'][rnd(3)]! };
      for (const name of ['job', 'env', 'zone']) rec[name] = vals[rnd(vals.length)]!;
      rec.instance = `i${i}`;
      const labels = labelsFromRecord(rec);
      const t = [1000 + rnd(5) * 1000, 10_000];
      rows.push({ labels, t, v: [i, i] });
      store.append('t', labels, t, [i, i]);
    }
    const mem = MemoryQuerier.fromSamples(rows);
    const types: Matcher['type'][] = ['=', '!=', '=~', '!~'];
    const patterns = ['a', 'a.*', '.*', '.+', 'a|b', '', 'c|', '(a|b)b?'];
    let nonEmpty = 0;
    for (let k = 0; k < 300; k++) {
      const ms: Matcher[] = [];
      const count = 1 + rnd(3);
      for (let j = 0; j < count; j++) {
        const type = types[rnd(4)]!;
        const name = ['job', 'env', 'zone', '__name__', 'missing'][rnd(5)]!;
        const value = type === '=' || type === '!=' ? vals[rnd(vals.length)]! : patterns[rnd(patterns.length)]!;
        ms.push({ type, name, value });
      }
      const hints = { start: 500 + rnd(4) * 1000, end: 20_000 };
      const a = await store.querier('t').select(ms, hints);
      const b = await mem.select(ms, hints);
      expect(a.map((s) => s.labels), JSON.stringify(ms)).toEqual(b.map((s) => s.labels));
      for (let i = 0; i < a.length; i++) expect(Array.from(a[i]!.t)).toEqual(Array.from(b[i]!.t));
      if (a.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(50);
    expect(nonEmpty).toBeLessThan(290);
  });
});
