/**
 * The leaf store's hint hooks (src/leaf/store.ts) and the time candidates (src/hint):
 *  - a created series publishes its field hints and its time buckets; a range drop removes the
 *    field hints, and samples arriving again for a dropped series bring them back;
 *  - a durable store recovers hints (fields and time buckets) from its WAL on reopen;
 *  - timeCandidates: only leaves with a bucket overlapping the window (or unsynced) are candidates.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidateLeaves, HintIndex, hintSeed, LeafHints, timeCandidates, TIME_BUCKET_MS, timeBucket, timeHint, valueHint } from '../src/hint/index.js';
import { LeafStore } from '../src/leaf/store.js';
import { prefixRange, type Labels } from '../src/model/index.js';

const T = 1_700_000_000_000;
const L = (rec: Record<string, string>): Labels =>
  Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));

describe('leaf store hint hooks', () => {
  it('adds on creation, removes on range drop, re-adds when samples return', () => {
    const s = new LeafStore(['job']);
    const fp = valueHint(hintSeed('default', 'color'), 'red');
    expect(s.hints.has(fp)).toBe(false);
    s.append('default', L({ __name__: 'm', job: 'a', color: 'red' }), [T], [1]);
    expect(s.hints.has(fp)).toBe(true);
    expect(s.hints.has(timeHint('default', timeBucket(T)))).toBe(true);
    expect(s.hints.has(timeHint('default', timeBucket(T) - 1))).toBe(false);
    s.dropSpan(prefixRange(['default', 'a']));
    expect(s.hints.has(fp)).toBe(false);
    s.append('default', L({ __name__: 'm', job: 'a', color: 'red' }), [T + 1000], [2]);
    expect(s.hints.has(fp)).toBe(true);
    // A backfill of a new series adds its (old) time bucket.
    s.append('default', L({ __name__: 'old', job: 'b' }), [T - 50 * TIME_BUCKET_MS], [1]);
    expect(s.hints.has(timeHint('default', timeBucket(T - 50 * TIME_BUCKET_MS)))).toBe(true);
  });

  it('a durable store recovers its hints on reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'canopy-prune-hints-'));
    try {
      const a = await LeafStore.open(dir, ['job'], { fsync: 'off' });
      a.append('default', L({ __name__: 'm', job: 'a', color: 'blue' }), [T - 3 * TIME_BUCKET_MS, T], [1, 2]);
      await a.commit();
      await a.close();
      const b = await LeafStore.open(dir, ['job'], { fsync: 'off' });
      expect(b.hints.has(valueHint(hintSeed('default', 'color'), 'blue'))).toBe(true);
      for (let k = 0; k <= 3; k++) expect(b.hints.has(timeHint('default', timeBucket(T) - k))).toBe(true);
      expect(b.hints.epoch).not.toBe(a.hints.epoch);
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('timeCandidates', () => {
  it('keeps leaves with data in the window, unsynced leaves, and does not prune wide windows', () => {
    const idx = new HintIndex();
    const recent = new LeafHints();
    const old = new LeafHints();
    recent.addTime('default', T - 60_000, T);
    old.addTime('default', T - 100 * TIME_BUCKET_MS, T - 99 * TIME_BUCKET_MS);
    idx.applyUpdate('recent', recent.since(undefined));
    idx.applyUpdate('old', old.since(undefined));
    expect(timeCandidates(idx, 'default', T - 300_000, T).leafIds()).toEqual(['recent']);
    expect(timeCandidates(idx, 'default', T - 100 * TIME_BUCKET_MS, T - 99 * TIME_BUCKET_MS).leafIds()).toEqual(['old']);
    expect(timeCandidates(idx, 'other', T - 300_000, T).leafIds()).toEqual([]);
    expect(timeCandidates(idx, 'default', -1e15, T).all).toBe(true);
    idx.markUnsynced('old');
    expect(timeCandidates(idx, 'default', T - 300_000, T).leafIds().sort()).toEqual(['old', 'recent']);
    // A very wide batch publishes the "any time" hint: every window matches it.
    const wide = new LeafHints();
    wide.addTime('default', 0, T);
    idx.applyUpdate('wide', wide.since(undefined));
    expect(timeCandidates(idx, 'default', T - 20 * TIME_BUCKET_MS, T - 19 * TIME_BUCKET_MS).has('wide')).toBe(true);
    // field candidates ignore time hints
    expect(candidateLeaves(idx, 'default', [{ type: '=', name: 'job', value: 'x' }]).has('recent')).toBe(false);
  });
});
