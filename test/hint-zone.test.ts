import { describe, expect, it } from 'vitest';
import { HintIndex, LeafHints, candidateLeaves, followLeafHints, hintUpdates, publishIndex, type HintSource, type HintUpdate, type ResumePoint } from '../src/hint/index.js';
import type { Labels } from '../src/model/index.js';

const L = (job: string): Labels => [
  { name: '__name__', value: 'up' },
  { name: 'job', value: job },
];
const sync = (idx: HintIndex, id: string, src: HintSource): void => {
  if (idx.applyUpdate(id, src.since(idx.resumePoint(id))) === 'gap') idx.applyUpdate(id, src.since(undefined));
};

describe('zone gateways republish their children one level up', () => {
  it('root prunes zones; removals propagate; an incomplete zone is never pruned', () => {
    const leaves = { a: new LeafHints(), b: new LeafHints(), c: new LeafHints() };
    const z1 = new HintIndex();
    const z2 = new HintIndex();
    const p1 = publishIndex(z1, { epoch: 'z1' });
    const p2 = publishIndex(z2, { epoch: 'z2' });
    const root = new HintIndex();
    leaves.a.addSeries('t', L('api'));
    leaves.b.addSeries('t', L('web'));
    leaves.c.addSeries('t', L('db'));
    const step = (): void => {
      sync(z1, 'a', leaves.a);
      sync(z1, 'b', leaves.b);
      sync(z2, 'c', leaves.c);
      sync(root, 'z1', p1);
      sync(root, 'z2', p2);
    };
    step();
    const q = (idx: HintIndex, job: string): string[] => candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: job }]).leafIds().sort();
    expect(q(root, 'api')).toEqual(['z1']);
    expect(q(root, 'db')).toEqual(['z2']);
    expect(q(z1, 'web')).toEqual(['b']);

    // `up` is on a and b: it leaves z1 only when both drop it.
    leaves.a.removeSeries('t', L('api'));
    step();
    expect(q(root, 'api')).toEqual([]);
    expect(candidateLeaves(root, 't', [{ type: '=', name: '__name__', value: 'up' }]).leafIds().sort()).toEqual(['z1', 'z2']);
    leaves.b.removeSeries('t', L('web'));
    step();
    expect(candidateLeaves(root, 't', [{ type: '=', name: '__name__', value: 'up' }]).leafIds().sort()).toEqual(['z2']);

    // A child of z2 goes out of sync: z2 publishes `incomplete` and the root stops pruning it.
    z2.markUnsynced('c');
    sync(root, 'z2', p2);
    expect(root.isSynced('z2')).toBe(true);
    expect(q(root, 'api')).toEqual(['z2']);
    sync(z2, 'c', leaves.c);
    sync(root, 'z2', p2);
    expect(q(root, 'api')).toEqual([]);

    // A child the zone knows of but never heard from also makes it incomplete.
    z1.leafNumber('d');
    sync(root, 'z1', p1);
    expect(q(root, 'nothing')).toEqual(['z1']);
  });

  it('streams through the same stream halves, flipping incomplete without fingerprint changes', async () => {
    const leaf = new LeafHints();
    leaf.addSeries('t', L('api'));
    const zone = new HintIndex();
    const pub = publishIndex(zone, { epoch: 'Z' });
    const root = new HintIndex();
    const ctl = new AbortController();
    const open = (src: HintSource) =>
      async function* (from: ResumePoint | undefined, signal: AbortSignal): AsyncGenerator<HintUpdate> {
        yield* hintUpdates(src, from, signal);
      };
    const f1 = followLeafHints(zone, 'leaf', open(leaf), ctl.signal, { retryMs: 5 });
    const f2 = followLeafHints(root, 'zone', open(pub), ctl.signal, { retryMs: 5 });
    const pruned = (): boolean => candidateLeaves(root, 't', [{ type: '=', name: 'job', value: 'none' }]).count === 0;
    const until = async (c: () => boolean): Promise<void> => {
      for (let i = 0; i < 400 && !c(); i++) await new Promise((r) => setTimeout(r, 5));
      expect(c()).toBe(true);
    };
    await until(pruned);
    expect(candidateLeaves(root, 't', [{ type: '=', name: 'job', value: 'api' }]).count).toBe(1);
    zone.expectAtLeast('leaf', { epoch: leaf.epoch, seq: leaf.seq + 1 }); // waits for a write's hints
    await until(() => !pruned());
    leaf.addSeries('t', L('web'));
    await until(pruned);
    expect(candidateLeaves(root, 't', [{ type: '=', name: 'job', value: 'web' }]).count).toBe(1);
    ctl.abort();
    await Promise.all([f1, f2]);
  });
});
