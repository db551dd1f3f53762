import { describe, expect, it } from 'vitest';
import { HintIndex, LeafHints, candidateLeaves, followLeafHints, fromHintsMessage, hintUpdates, toHintsMessage, type HintUpdate, type ResumePoint } from '../src/hint/index.js';
import type { Labels } from '../src/model/index.js';

const L = (job: string): Labels => [
  { name: '__name__', value: 'up' },
  { name: 'job', value: job },
];

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('hint streams (leaf → gateway, transport-agnostic)', () => {
  it('follows a leaf: snapshot, live deltas through the wire form, reconnect with resume, gap → snapshot', async () => {
    const lh = new LeafHints({ epoch: 'E', ringCapacity: 64 });
    lh.addSeries('t', L('api'));
    const idx = new HintIndex();
    const ctl = new AbortController();
    const opened: (ResumePoint | undefined)[] = [];
    let breakNext = false;
    // The "transport": each update goes through the proposed proto message shape and back.
    const open = async function* (from: ResumePoint | undefined, signal: AbortSignal): AsyncGenerator<HintUpdate> {
      opened.push(from);
      const inner = new AbortController();
      signal.addEventListener('abort', () => inner.abort(), { once: true });
      for await (const u of hintUpdates(lh, from, inner.signal)) {
        if (breakNext) {
          breakNext = false;
          inner.abort();
          throw new Error('connection reset');
        }
        yield fromHintsMessage(toHintsMessage(u));
      }
    };
    const errors: unknown[] = [];
    const done = followLeafHints(idx, 'leaf-1', open, ctl.signal, { retryMs: 10, onError: (e) => errors.push(e) });
    const cands = (job: string): boolean => !candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: job }]).all && candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: job }]).count === 1;
    await until(() => idx.isSynced('leaf-1'));
    expect(cands('api')).toBe(true);
    expect(cands('web')).toBe(false);

    lh.addSeries('t', L('web'));
    await until(() => cands('web'));
    expect(opened).toEqual([undefined]);

    // Connection drops: the leaf becomes unsynced, then the follower resumes from its point.
    breakNext = true;
    lh.addSeries('t', L('db'));
    await until(() => opened.length === 2 && idx.isSynced('leaf-1') && cands('db'));
    expect(opened[1]).toEqual({ epoch: 'E', seq: expect.any(Number) });
    expect(errors.length).toBe(1);

    lh.removeSeries('t', L('api'));
    await until(() => !cands('api'));

    ctl.abort();
    await done;
    expect(idx.isSynced('leaf-1')).toBe(false);
  });

  it('keeps a just-written leaf unpruned until its hints arrive (read-your-writes)', () => {
    const lh = new LeafHints({ epoch: 'E' });
    const idx = new HintIndex();
    idx.applyUpdate('a', lh.since(undefined));
    idx.applyUpdate('b', new LeafHints({ epoch: 'B' }).since(undefined));
    const q = (): string[] => candidateLeaves(idx, 't', [{ type: '=', name: 'job', value: 'new' }]).leafIds().sort();
    expect(q()).toEqual([]);
    lh.addSeries('t', L('new'));
    // The Write response carries the leaf's hint position; the delta is still in flight.
    idx.expectAtLeast('a', { epoch: lh.epoch, seq: lh.seq });
    expect(q()).toEqual(['a']);
    idx.applyUpdate('a', lh.since(idx.resumePoint('a')));
    expect(q()).toEqual(['a']);
    lh.removeSeries('t', L('new'));
    idx.applyUpdate('a', lh.since(idx.resumePoint('a')));
    expect(q()).toEqual([]); // expectation satisfied and cleared
  });
});
