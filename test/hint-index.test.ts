import { describe, expect, it } from 'vitest';
import { HintIndex, type HintUpdate } from '../src/hint/index.js';
import { rng } from '../bench/lib-prng.js';

describe('HintIndex table', () => {
  it('agrees with a Map model under random adds, removes, resyncs and leaf removals', () => {
    const r = rng(42);
    const idx = new HintIndex();
    const model = new Map<string, Set<number>>(); // leaf → fingerprints
    const seqs = new Map<string, number>();
    // A small fingerprint universe with colliding low bits forces long probe chains and shifts.
    const universe = Array.from({ length: 3000 }, (_, i) => (i % 7) * 0x100000000 + ((i * 2654435761) >>> 0) * (i % 3 === 0 ? 1 : 0) + i * 1024);
    const leaves = Array.from({ length: 70 }, (_, i) => `leaf-${i}`); // > 64: stride grows past two words
    for (let step = 0; step < 4000; step++) {
      const leaf = leaves[Math.floor(r() * leaves.length)]!;
      const have = model.get(leaf) ?? new Set<number>();
      const seq = seqs.get(leaf) ?? 0;
      const x = r();
      let u: HintUpdate;
      if (!model.has(leaf) || x < 0.05) {
        const fps = new Set<number>();
        const n = Math.floor(r() * 200);
        for (let i = 0; i < n; i++) fps.add(universe[Math.floor(r() * universe.length)]!);
        u = { kind: 'full', epoch: leaf, seq: seq + 1, fingerprints: Float64Array.from(fps) };
        model.set(leaf, fps);
      } else if (x < 0.07) {
        idx.removeLeaf(leaf);
        model.delete(leaf);
        seqs.delete(leaf);
        continue;
      } else {
        const added: number[] = [];
        const removed: number[] = [];
        for (let i = 0; i < 20; i++) {
          const fp = universe[Math.floor(r() * universe.length)]!;
          if (added.includes(fp) || removed.includes(fp)) continue;
          if (r() < 0.5) {
            added.push(fp);
            have.add(fp);
          } else {
            removed.push(fp);
            have.delete(fp);
          }
        }
        u = { kind: 'delta', epoch: leaf, fromSeq: seq, toSeq: seq + 1, added: Float64Array.from(added), removed: Float64Array.from(removed) };
      }
      expect(idx.applyUpdate(leaf, u)).toBe('applied');
      seqs.set(leaf, seq + 1);
      if (step % 500 === 499) check();
    }
    check();

    function check(): void {
      const expected = new Map<number, Set<string>>();
      for (const [leaf, fps] of model) for (const fp of fps) (expected.get(fp) ?? expected.set(fp, new Set()).get(fp)!).add(leaf);
      expect(idx.hints).toBe(expected.size);
      for (const fp of universe) {
        const bits = new Uint32Array(idx.stride);
        idx.orInto(fp, bits);
        const got = new Set<string>();
        for (let n = 0; n < idx.stride * 32; n++) if (bits[n >>> 5]! & (1 << (n & 31))) got.add(idx.leafId(n)!);
        expect([...got].sort()).toEqual([...(expected.get(fp) ?? [])].sort());
        expect(idx.leafCount(fp)).toBe(expected.get(fp)?.size ?? 0);
      }
    }
  });

  it('reports its memory from typed arrays', () => {
    const idx = new HintIndex();
    const b0 = idx.bytes();
    idx.applyUpdate('a', { kind: 'full', epoch: 'a', seq: 1, fingerprints: Float64Array.from({ length: 10_000 }, (_, i) => i * 7919) });
    expect(idx.bytes()).toBeGreaterThan(b0);
    expect(idx.hints).toBe(10_000);
  });
});

describe('HintIndex maxHints', () => {
  it('never prunes a leaf whose hints did not fit, until a snapshot fits', async () => {
    const { LeafHints, candidateLeaves } = await import('../src/hint/index.js');
    const idx = new HintIndex({ maxHints: 40 });
    const a = new LeafHints({ epoch: 'a' });
    const b = new LeafHints({ epoch: 'b' });
    a.addSeries('t', [{ name: 'job', value: 'small' }]); // 1 + 7 hints
    idx.applyUpdate('a', a.since(undefined));
    for (let i = 0; i < 10; i++) b.addSeries('t', [{ name: 'job', value: `big-value-${i}` }]);
    idx.applyUpdate('b', b.since(undefined));
    expect(idx.hints).toBeLessThanOrEqual(40);
    const q = (v: string): string[] => candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: v }]).leafIds().sort();
    expect(q('big-value-9')).toEqual(['b']); // may not be indexed, but b is never pruned
    expect(q('small')).toEqual(['a', 'b']);
    // b shrinks; its next snapshot fits and it is pruned normally again.
    const b2 = new LeafHints({ epoch: 'b2' });
    b2.addSeries('t', [{ name: 'job', value: 'tiny' }]);
    idx.applyUpdate('b', b2.since(undefined));
    expect(q('small')).toEqual(['a']);
    expect(q('tiny')).toEqual(['b']);
  });
});
