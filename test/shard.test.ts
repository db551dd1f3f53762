import { describe, expect, it } from 'vitest';
import { compareKeys, encodeTuple, formatKey, KeyEncoder, labelsFromRecord, prefixEnd, spanContains, spansOverlap, type Key } from '../src/model/index.js';
import {
  defaultSplitKeys,
  initialRanges,
  MemoryAssignmentStore,
  quorumReached,
  RangeTable,
  readReplicas,
  writeQuorum,
  writeReplicas,
  type RangeAssignment,
} from '../src/shard/index.js';
import { rng } from '../bench/lib-prng.js';

const ALPHABET = ['a', 'g', 'j', 'n', 'r', 'z', 'A', '0', '_', '\u0000', 'é', '日', '\u{1F600}', '~'];
function randomString(r: () => number, max = 6): string {
  let s = '';
  const n = Math.floor(r() * (max + 1));
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return s;
}

describe('initialRanges', () => {
  it('tiles the whole key space for 1..40 leaves', () => {
    for (let n = 1; n <= 40; n++) {
      const ids = Array.from({ length: n }, (_, i) => `leaf-${i}`);
      const ranges = initialRanges(ids);
      expect(ranges).toHaveLength(n);
      expect(new RangeTable(ranges).validate()).toEqual([]);
      // each leaf is the primary of exactly one range
      expect(new Set(ranges.map((r) => r.replicas[0]!.leafId)).size).toBe(n);
    }
  });

  it('splits the default tenant on job prefixes', () => {
    expect(defaultSplitKeys(3).map(formatKey)).toEqual(['"default"/"j"', '"default"/"r"']);
    expect(defaultSplitKeys(4).map(formatKey)).toEqual(['"default"/"h"', '"default"/"n"', '"default"/"u"']);
    const table = new RangeTable(initialRanges(['a', 'b', 'c']));
    const enc = new KeyEncoder();
    const idOf = (job: string) => table.rangeOf(enc.keyOf('default', labelsFromRecord({ __name__: 'up', job, instance: 'x:1' })))!.id;
    expect(idOf('api')).toBe('r0');
    expect(idOf('j')).toBe('r1');
    expect(idOf('node')).toBe('r1');
    expect(idOf('prometheus')).toBe('r1');
    expect(idOf('r')).toBe('r2');
    expect(idOf('web')).toBe('r2');
    // no job label at all: the empty field sorts first
    expect(table.rangeOf(enc.keyOf('default', labelsFromRecord({ __name__: 'up' })))!.id).toBe('r0');
    // other tenants land in the first or last range
    expect(table.rangeOf(enc.keyOf('acme', labelsFromRecord({ job: 'zzz' })))!.id).toBe('r0');
    expect(table.rangeOf(enc.keyOf('zeta', labelsFromRecord({ job: 'aaa' })))!.id).toBe('r2');
  });

  it('honours explicit split keys (unsorted, duplicated) and replication', () => {
    const k1 = encodeTuple(['default', 'm']);
    const k2 = encodeTuple(['b']);
    const ranges = initialRanges(['x', 'y', 'z'], { splitKeys: [k1, k2, k1], replicationFactor: 2 });
    expect(ranges.map((r) => [formatKey(r.start), formatKey(r.end)])).toEqual([
      ['∞', '"b"'],
      ['"b"', '"default"/"m"'],
      ['"default"/"m"', '∞'],
    ]);
    expect(ranges.map((r) => r.replicas.map((x) => x.leafId))).toEqual([
      ['x', 'y'],
      ['y', 'z'],
      ['z', 'x'],
    ]);
    expect(() => initialRanges(['x'], { replicationFactor: 2 })).toThrow(/exceeds/);
    expect(() => initialRanges([])).toThrow();
  });
});

describe('RangeTable', () => {
  const r = rng(42);
  const enc = new KeyEncoder(['job', 'instance']);
  const tenants = ['default', 'acme', 'zeta', 'a', 'default2', 'defaul'];

  function randomKey(): Key {
    const tenant = r() < 0.7 ? 'default' : tenants[Math.floor(r() * tenants.length)]!;
    return enc.keyOf(tenant, labelsFromRecord({ job: randomString(r), instance: randomString(r) }));
  }

  for (const n of [1, 2, 3, 7, 30]) {
    it(`maps every key to exactly one range (n=${n}), agreeing with a linear scan`, () => {
      const table = new RangeTable(initialRanges(Array.from({ length: n }, (_, i) => `l${i}`)));
      for (let i = 0; i < 2000; i++) {
        const key = randomKey();
        const containing = table.ranges.filter((x) => spanContains(x, key));
        expect(containing).toHaveLength(1);
        expect(table.rangeOf(key)).toBe(containing[0]);
      }
    });

    it(`finds the ranges overlapping a span (n=${n}), agreeing with a linear scan`, () => {
      const table = new RangeTable(initialRanges(Array.from({ length: n }, (_, i) => `l${i}`)));
      for (let i = 0; i < 1000; i++) {
        let span;
        if (r() < 0.5) {
          const tenant = r() < 0.7 ? 'default' : tenants[Math.floor(r() * tenants.length)]!;
          const eq = new Map<string, string>();
          if (r() < 0.8) eq.set('job', randomString(r, 2));
          if (eq.size && r() < 0.5) eq.set('instance', randomString(r, 2));
          span = enc.spanFor(tenant, eq);
        } else {
          const a = randomKey();
          const b = randomKey();
          span = compareKeys(a, b) <= 0 ? { start: a, end: b } : { start: b, end: a };
          if (compareKeys(span.start, span.end) === 0) span = { start: span.start, end: prefixEnd(span.start) };
        }
        const expected = table.ranges.filter((x) => spansOverlap(x, span));
        expect(table.overlapping(span).map((x) => x.id)).toEqual(expected.map((x) => x.id));
      }
    });
  }

  it('the whole key space overlaps every range; a tenant span a subset', () => {
    const table = new RangeTable(initialRanges(['a', 'b', 'c']));
    expect(table.overlapping({ start: new Uint8Array(0), end: new Uint8Array(0) }).map((x) => x.id)).toEqual(['r0', 'r1', 'r2']);
    expect(table.overlapping(enc.tenantSpan('acme')).map((x) => x.id)).toEqual(['r0']);
    expect(table.overlapping(enc.tenantSpan('default')).map((x) => x.id)).toEqual(['r0', 'r1', 'r2']);
    expect(table.overlapping(enc.spanFor('default', new Map([['job', 'node']]))).map((x) => x.id)).toEqual(['r1']);
  });

  it('reports gaps, overlaps and open ends', () => {
    const k = (s: string) => encodeTuple([s]);
    const mk = (id: string, start: Key, end: Key): RangeAssignment => ({ id, start, end, replicas: [{ leafId: 'a', state: 'available' }], epoch: 1 });
    const gap = new RangeTable([mk('a', new Uint8Array(0), k('b')), mk('b', k('c'), new Uint8Array(0))]);
    expect(gap.validate()).toEqual(['gap between a and b']);
    expect(gap.rangeOf(k('bb'))).toBeUndefined();
    expect(gap.overlapping({ start: k('bb'), end: k('bc') })).toEqual([]);
    const overlap = new RangeTable([mk('a', new Uint8Array(0), k('d')), mk('b', k('c'), new Uint8Array(0))]);
    expect(overlap.validate()).toEqual(['ranges a and b overlap']);
    expect(new RangeTable([mk('a', k('a'), k('b'))]).validate()).toEqual([
      'first range a does not start at the empty key',
      'last range a does not end at +∞',
    ]);
  });
});

describe('replica choice', () => {
  const range: RangeAssignment = {
    id: 'r0',
    start: new Uint8Array(0),
    end: new Uint8Array(0),
    epoch: 3,
    replicas: [
      { leafId: 'l-leaving', state: 'leaving' },
      { leafId: 'l-init', state: 'initializing' },
      { leafId: 'l-a', state: 'available' },
      { leafId: 'l-b', state: 'available' },
    ],
  };

  it('reads available first, leaving last, never initializing', () => {
    expect(readReplicas(range)).toEqual(['l-a', 'l-b', 'l-leaving']);
  });

  it('writes to all replicas, quorum over voting ones', () => {
    expect(writeReplicas(range)).toEqual(['l-leaving', 'l-init', 'l-a', 'l-b']);
    expect(writeQuorum(range)).toBe(2);
    expect(quorumReached(range, new Set(['l-a', 'l-init']))).toBe(false);
    expect(quorumReached(range, new Set(['l-a', 'l-leaving']))).toBe(true);
    const rf1: RangeAssignment = { ...range, replicas: [{ leafId: 'x', state: 'available' }] };
    expect(writeQuorum(rf1)).toBe(1);
    const onlyInit: RangeAssignment = { ...range, replicas: [{ leafId: 'x', state: 'initializing' }] };
    expect(readReplicas(onlyInit)).toEqual([]);
    expect(quorumReached(onlyInit, new Set(['x']))).toBe(true);
  });
});

describe('MemoryAssignmentStore', () => {
  it('stores leaves and ranges, notifies watchers once per burst, refuses stale epochs', async () => {
    const store = new MemoryAssignmentStore({ ranges: initialRanges(['a', 'b']) });
    let calls = 0;
    const stop = store.watch(() => calls++);
    await Promise.all([store.putLeaf({ id: 'b', address: '127.0.0.1:2' }), store.putLeaf({ id: 'a', address: '127.0.0.1:1', zone: 'z1' })]);
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toBe(1);
    expect(store.leaves().map((l) => l.id)).toEqual(['a', 'b']);
    const r0 = store.ranges()[0]!;
    await store.putRange({ ...r0, epoch: 2, replicas: [{ leafId: 'b', state: 'initializing' }, ...r0.replicas] });
    await expect(store.putRange({ ...r0, epoch: 1 })).rejects.toThrow(/stale epoch/);
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toBe(2);
    expect(store.ranges()[0]!.replicas.map((x) => x.state)).toEqual(['initializing', 'available']);
    await store.removeLeaf('b');
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toBe(3);
    stop();
    await store.removeLeaf('a');
    await new Promise((res) => setTimeout(res, 0));
    expect(calls).toBe(3);
  });
});

describe('RangeTable replica helpers', () => {
  it('reads never from initializing replicas, writes to all', () => {
    const ranges = initialRanges(['a', 'b', 'c'], { replicationFactor: 2 });
    const r1 = { ...ranges[1]!, replicas: [{ leafId: 'd', state: 'initializing' as const }, ...ranges[1]!.replicas] };
    const t = new RangeTable([ranges[0]!, r1, ranges[2]!]);
    const key = encodeTuple(['default', 'node', 'x']);
    const r = t.rangeOf(key)!;
    expect(r.id).toBe('r1');
    expect(t.readReplicas(r)).toEqual(['b', 'c']);
    expect(t.writeReplicas(r)).toEqual(['d', 'b', 'c']);
  });
});
