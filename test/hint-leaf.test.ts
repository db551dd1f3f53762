import { describe, expect, it } from 'vitest';
import { HintIndex, LeafHints, candidateLeaves, deriveHints, hintSeed, type HintUpdate } from '../src/hint/index.js';
import type { Labels } from '../src/model/index.js';

const L = (o: Record<string, string>): Labels =>
  Object.entries(o)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

describe('LeafHints delta log', () => {
  it('emits adds for new hints only and removals when the last series goes', () => {
    const lh = new LeafHints({ epoch: 'e1' });
    lh.addSeries('t', L({ __name__: 'up', job: 'api' }));
    const s1 = lh.seq;
    const upHints = deriveHints(hintSeed('t', '__name__'), 'up').length;
    const apiHints = deriveHints(hintSeed('t', 'job'), 'api').length;
    expect(lh.size).toBe(upHints + apiHints);
    expect(s1).toBe(upHints + apiHints);
    lh.addSeries('t', L({ __name__: 'up', job: 'web' }));
    const d = lh.since({ epoch: 'e1', seq: s1 });
    expect(d.kind).toBe('delta');
    if (d.kind !== 'delta') return;
    expect(d.removed.length).toBe(0);
    expect(d.added.length).toBe(deriveHints(hintSeed('t', 'job'), 'web').length);
    // Removing one of two series carrying `up` keeps `up`'s hints.
    const s2 = lh.seq;
    lh.removeSeries('t', L({ __name__: 'up', job: 'api' }));
    const d2 = lh.since({ epoch: 'e1', seq: s2 }) as Extract<HintUpdate, { kind: 'delta' }>;
    expect(d2.added.length).toBe(0);
    expect(d2.removed.length).toBe(apiHints);
    expect(lh.has(deriveHints(hintSeed('t', '__name__'), 'up')[0]!)).toBe(true);
    lh.removeSeries('t', L({ __name__: 'up', job: 'web' }));
    expect(lh.size).toBe(0);
  });

  it('keeps shared trigrams while another value still derives them', () => {
    const lh = new LeafHints();
    lh.addSeries('t', L({ job: 'abcd' }));
    lh.addSeries('t', L({ job: 'zabc' })); // shares 'abc' with 'abcd'
    const abc = deriveHints(hintSeed('t', 'job'), 'zabc');
    lh.removeSeries('t', L({ job: 'abcd' }));
    for (const fp of abc) expect(lh.has(fp)).toBe(true);
  });

  it('coalesces add-then-remove and resumes across batches', () => {
    const lh = new LeafHints({ epoch: 'e' });
    const at = lh.seq;
    lh.addSeries('t', L({ job: 'tmp' }));
    lh.removeSeries('t', L({ job: 'tmp' }));
    const d = lh.since({ epoch: 'e', seq: at });
    expect(d.kind).toBe('delta');
    if (d.kind === 'delta') {
      expect(d.added.length).toBe(0);
      expect(d.removed.length).toBe(deriveHints(hintSeed('t', 'job'), 'tmp').length);
      expect(d.toSeq).toBe(lh.seq);
    }
  });

  it('answers a full snapshot when the resume point is too old, from another epoch, or in the future', () => {
    const lh = new LeafHints({ ringCapacity: 16, epoch: 'e' });
    lh.addSeries('t', L({ job: 'a' })); // 4 hints
    const early = lh.seq;
    for (let i = 0; i < 10; i++) lh.addSeries('t', L({ instance: `host-${i}` }));
    expect(lh.since({ epoch: 'e', seq: early }).kind).toBe('full');
    expect(lh.since({ epoch: 'other', seq: lh.seq }).kind).toBe('full');
    expect(lh.since({ epoch: 'e', seq: lh.seq + 5 }).kind).toBe('full');
    expect(lh.since(undefined).kind).toBe('full');
    const cur = lh.since({ epoch: 'e', seq: lh.seq });
    expect(cur.kind).toBe('delta');
    if (cur.kind === 'delta') expect(cur.added.length + cur.removed.length).toBe(0);
  });

  it('notifies subscribers once per microtask batch', async () => {
    const lh = new LeafHints();
    const seen: number[] = [];
    const off = lh.onChange((s) => seen.push(s));
    lh.addSeries('t', L({ job: 'a' }));
    lh.addSeries('t', L({ job: 'b' }));
    await Promise.resolve();
    expect(seen).toEqual([lh.seq]);
    off();
    lh.addSeries('t', L({ job: 'c' }));
    await Promise.resolve();
    expect(seen.length).toBe(1);
  });
});

describe('gateway index following leaf streams', () => {
  it('applies deltas, detects gaps, resyncs with a snapshot, and handles removals', () => {
    const idx = new HintIndex();
    const a = new LeafHints({ epoch: 'A', ringCapacity: 32 });
    const b = new LeafHints({ epoch: 'B' });
    a.addSeries('t', L({ __name__: 'up', job: 'api' }));
    b.addSeries('t', L({ __name__: 'up', job: 'web' }));
    // Leaf c is known but never synced: always a candidate.
    idx.leafNumber('c');
    expect(idx.applyUpdate('a', a.since(idx.resumePoint('a')))).toBe('applied');
    expect(idx.applyUpdate('b', b.since(idx.resumePoint('b')))).toBe('applied');
    const q = (v: string): string[] => candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: v }]).leafIds().sort();
    expect(q('api')).toEqual(['a', 'c']);
    expect(q('web')).toEqual(['b', 'c']);
    expect(candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: 'api' }]).has('never-seen')).toBe(true);

    // Delta: series moves from a to b.
    a.removeSeries('t', L({ __name__: 'up', job: 'api' }));
    b.addSeries('t', L({ __name__: 'up', job: 'api' }));
    expect(idx.applyUpdate('a', a.since(idx.resumePoint('a')))).toBe('applied');
    expect(idx.applyUpdate('b', b.since(idx.resumePoint('b')))).toBe('applied');
    expect(q('api')).toEqual(['b', 'c']);

    // A delta that does not continue where the index stands is a gap: nothing applied, leaf unsynced.
    const stale = idx.resumePoint('a')!;
    a.addSeries('t', L({ job: 'x1' }));
    const skipped = a.seq;
    a.addSeries('t', L({ job: 'x2' }));
    const gapDelta = a.since({ epoch: 'A', seq: skipped });
    expect(gapDelta.kind).toBe('delta');
    expect(idx.applyUpdate('a', gapDelta)).toBe('gap');
    expect(idx.isSynced('a')).toBe(false);
    expect(q('nothing-anywhere')).toEqual(['a', 'c']); // unsynced leaves are never pruned
    expect(idx.resumePoint('a')).toBeUndefined();
    expect(stale.seq).toBeLessThan(a.seq);
    // Resync: full snapshot replaces a's hints.
    expect(idx.applyUpdate('a', a.since(idx.resumePoint('a')))).toBe('applied');
    expect(idx.isSynced('a')).toBe(true);
    expect(q('x2')).toEqual(['a', 'c']);
    expect(q('nothing-anywhere')).toEqual(['c']);

    // Ring overflow: the leaf answers a snapshot, which replaces (removes stale hints too).
    const before = idx.resumePoint('a')!;
    a.removeSeries('t', L({ job: 'x2' }));
    for (let i = 0; i < 20; i++) a.addSeries('t', L({ instance: `i${i}` }));
    const u = a.since(before);
    expect(u.kind).toBe('full');
    expect(idx.applyUpdate('a', u)).toBe('applied');
    expect(q('x2')).toEqual(['c']);
    expect(q('x1')).toEqual(['a', 'c']);

    // Lost stream: never pruned until resumed; resume from the same point applies a delta.
    idx.markUnsynced('b');
    expect(q('x1')).toEqual(['a', 'b', 'c']);
    b.addSeries('t', L({ job: 'late' }));
    expect(idx.applyUpdate('b', b.since(idx.resumePoint('b')))).toBe('applied');
    expect(q('x1')).toEqual(['a', 'c']);
    expect(q('late')).toEqual(['b', 'c']);

    // Leaf restart (new epoch): the old resume point gets a snapshot.
    const b2 = new LeafHints({ epoch: 'B2' });
    b2.addSeries('t', L({ job: 'fresh' }));
    expect(b2.since(idx.resumePoint('b')).kind).toBe('full');
    expect(idx.applyUpdate('b', b2.since(idx.resumePoint('b')))).toBe('applied');
    expect(q('late')).toEqual(['c']);
    expect(q('fresh')).toEqual(['b', 'c']);

    // Leaf removal.
    idx.removeLeaf('b');
    expect(q('fresh')).toEqual(['c']);
    expect(idx.leafIds().sort()).toEqual(['a', 'c']);
  });
});

describe('pruneRanges', () => {
  it('keeps a range when any replica is a candidate, and ranges of unknown leaves', async () => {
    const { pruneRanges } = await import('../src/hint/index.js');
    const idx = new HintIndex();
    const a = new LeafHints();
    a.addSeries('t', L({ job: 'api' }));
    idx.applyUpdate('a', a.since(undefined));
    idx.applyUpdate('b', new LeafHints().since(undefined));
    const c = candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: 'api' }]);
    const ranges = [
      { id: 'r1', replicas: [{ leafId: 'b' }, { leafId: 'a' }] },
      { id: 'r2', replicas: [{ leafId: 'b' }] },
      { id: 'r3', replicas: [{ leafId: 'new-leaf' }] },
    ];
    const { kept, pruned } = pruneRanges(ranges, c);
    expect(kept.map((r) => r.id)).toEqual(['r1', 'r3']);
    expect(pruned.map((r) => r.id)).toEqual(['r2']);
    expect(c.explain).toEqual(['job="api": value hint → 1 leaves']);
    const all = candidateLeaves(idx, 't', [{ type: '!=', name: 'job', value: 'x' }]);
    expect(all.all).toBe(true);
    expect(pruneRanges(ranges, all).pruned).toEqual([]);
  });
});
