/**
 * The balancer's decisions as tables (src/balancer/policy.ts): re-replication of dead leaves,
 * drains, splits over thresholds at reported keys, rebalancing moves, and the limits.
 */
import { describe, expect, it } from 'vitest';
import { planActions, splitKeyFromLoads, type ClusterState } from '../src/balancer/index.js';
import { encodeTuple, formatKey } from '../src/model/index.js';
import { initialRanges, type LeafLoad, type RangeAssignment } from '../src/shard/index.js';

const hex = (job: string): string => Buffer.from(encodeTuple(['default', job, 'i0'])).toString('hex');

function load(leafId: string, ranges: { id: string; series: number; rate?: number; keys?: string[] }[]): LeafLoad {
  return {
    leafId,
    at: 0,
    series: ranges.reduce((s, r) => s + r.series, 0),
    samples: 0,
    bytes: 0,
    writeRate: 0,
    ranges: ranges.map((r) => ({ rangeId: r.id, series: r.series, samples: r.series * 100, bytes: 0, writeRate: r.rate ?? 0, ...(r.keys ? { keySamples: r.keys } : {}) })),
  };
}

function state(ranges: RangeAssignment[], leaves: string[], loads: LeafLoad[], extra: Partial<ClusterState> = {}): ClusterState {
  return { ranges, leaves: leaves.map((id) => ({ id, address: `${id}:1` })), loads, dead: new Set(), draining: new Set(), busy: new Set(), movesInFlight: 0, ...extra };
}

describe('balancer policy', () => {
  const three = initialRanges(['a', 'b', 'c'], { replicationFactor: 2 }); // r0:a,b r1:b,c r2:c,a

  it('replaces replicas on dead leaves with the least loaded live leaf, within the move limit', () => {
    const loads = [load('a', [{ id: 'r0', series: 10 }, { id: 'r2', series: 30 }]), load('b', [{ id: 'r0', series: 10 }, { id: 'r1', series: 20 }]), load('d', [])];
    const s = state(three, ['a', 'b', 'd'], loads, { dead: new Set(['c']) });
    expect(planActions(s, { maxConcurrentMoves: 2, rebalance: false })).toEqual([
      { kind: 'replace', rangeId: 'r1', from: 'c', to: 'd' },
      { kind: 'replace', rangeId: 'r2', from: 'c', to: 'd' },
    ]);
    // One at a time by default; none while a move is already in flight.
    expect(planActions(s, { rebalance: false })).toHaveLength(1);
    expect(planActions({ ...s, movesInFlight: 1 }, { rebalance: false })).toEqual([]);
    // A missing leaf that is not yet dead (grace period) is left alone.
    expect(planActions({ ...s, dead: new Set() }, { rebalance: false })).toEqual([]);
    // No live available replica to copy from (RF 1 and its leaf died): nothing to do.
    expect(planActions(state(initialRanges(['a', 'b']), ['b', 'd'], [], { dead: new Set(['a']) }), { rebalance: false })).toEqual([]);
    // No live leaf outside the replica set: nothing to do.
    expect(planActions(state(initialRanges(['a', 'b'], { replicationFactor: 2 }), ['a'], [], { dead: new Set(['b']) }), { rebalance: false })).toEqual([]);
  });

  it('drains a leaf and never picks a draining leaf as a target', () => {
    const s = state(initialRanges(['a', 'b']), ['a', 'b', 'c'], [], { draining: new Set(['a', 'c']) });
    expect(planActions(s, { maxConcurrentMoves: 5 })).toEqual([{ kind: 'move', rangeId: 'r0', from: 'a', to: 'b', reason: 'drain' }]);
  });

  it('splits a range over a threshold at the median reported key inside it', () => {
    const ranges = initialRanges(['a', 'b']); // r0 [-∞, n) on a, r1 [n, +∞) on b
    const keys = ['b', 'd', 'f', 'h', 'k'].map(hex);
    const loads = [load('a', [{ id: 'r0', series: 500, keys }]), load('b', [{ id: 'r1', series: 10, keys: [hex('p')] }])];
    const acts = planActions(state(ranges, ['a', 'b'], loads), { splitSeries: 100, rebalance: false });
    expect(acts.map((a) => a.kind)).toEqual(['split']);
    expect(formatKey((acts[0] as { key: Uint8Array }).key)).toBe(formatKey(encodeTuple(['default', 'f', 'i0'])));
    // By write rate too; and not for a range being moved.
    expect(planActions(state(ranges, ['a', 'b'], [load('a', [{ id: 'r0', series: 5, rate: 1e6, keys }])]), { rebalance: false })).toHaveLength(1);
    expect(planActions(state(ranges, ['a', 'b'], loads, { busy: new Set(['r0']) }), { splitSeries: 100, rebalance: false })).toEqual([]);
    // A single target cannot be split (the key must lie strictly inside the range).
    expect(splitKeyFromLoads(ranges[1]!, [load('b', [{ id: 'r1', series: 10, keys: [Buffer.from(ranges[1]!.start).toString('hex')] }])])).toBeUndefined();
  });

  it('moves the range that best narrows the gap from the most to the least loaded leaf', () => {
    const ranges = initialRanges(['a', 'b', 'c'], { splitKeys: ['d', 'h', 'p'].map((j) => encodeTuple(['default', j])) }); // r0 a, r1 b, r2 c, r3 a
    ranges[1] = { ...ranges[1]!, replicas: [{ leafId: 'a', state: 'available' }] }; // a: r0, r1, r3
    const loads = [load('a', [{ id: 'r0', series: 300 }, { id: 'r1', series: 500 }, { id: 'r3', series: 100 }]), load('c', [{ id: 'r2', series: 100 }])];
    // Scores: a 900, b 0, c 100; gap 900 → the range closest to 450 is r1 (500).
    expect(planActions(state(ranges, ['a', 'b', 'c'], loads), {})).toEqual([{ kind: 'move', rangeId: 'r1', from: 'a', to: 'b', reason: 'rebalance' }]);
    // Write rate counts in the score (10 series-equivalents per sample/s by default): r0 has one
    // series but 45 samples/s (score 451), r1 and r3 100 series each; the gap is 651.
    const hot = [load('a', [{ id: 'r0', series: 1, rate: 45 }, { id: 'r1', series: 100 }, { id: 'r3', series: 100 }])];
    expect(planActions(state(ranges, ['a', 'b', 'c'], hot), {})).toEqual([{ kind: 'move', rangeId: 'r0', from: 'a', to: 'b', reason: 'rebalance' }]);
    expect(planActions(state(ranges, ['a', 'b', 'c'], hot), { rateWeight: 0 })).toEqual([{ kind: 'move', rangeId: 'r1', from: 'a', to: 'b', reason: 'rebalance' }]);
    // Moving a leaf's only range would just move the hotspot: no move.
    const single = [load('c', [{ id: 'r2', series: 1, rate: 100 }])];
    expect(planActions(state(ranges, ['a', 'b', 'c'], single), {})).toEqual([]);
    // Balanced enough: nothing.
    const even = [load('a', [{ id: 'r0', series: 100 }, { id: 'r1', series: 0 }, { id: 'r3', series: 0 }]), load('b', []), load('c', [{ id: 'r2', series: 90 }])];
    expect(planActions(state(ranges, ['a', 'c'], even), {})).toEqual([]);
    // Capacity divides the score: with c ten times larger, a (900) → c (100 / 10) moves r1.
    const caps = state(ranges, ['a', 'c'], loads);
    caps.leaves = [{ id: 'a', address: '' }, { id: 'c', address: '', capacity: 10 }];
    expect(planActions(caps, {})).toEqual([{ kind: 'move', rangeId: 'r1', from: 'a', to: 'c', reason: 'rebalance' }]);
    // A twice-as-large a (score 450 vs 100, gap 350): r1 (500) would overshoot; r3 (100) is
    // closest to half the gap.
    caps.leaves = [{ id: 'a', address: '', capacity: 2 }, { id: 'c', address: '' }];
    expect(planActions(caps, {})).toEqual([{ kind: 'move', rangeId: 'r3', from: 'a', to: 'c', reason: 'rebalance' }]);
  });
});
