/**
 * Unit tests of the pushdown pieces: placement rules, query-time resolution inside fragments,
 * plan ↔ proto, fragment grids and grid layout, and the exact moment merge.
 */
import { describe, expect, it } from 'vitest';
import { isStaleNaN, type Series } from '../src/model/index.js';
import { formatExpr, parse } from '../src/promql/index.js';
import { distributedPlanToProto, planDistributed, planNodeFromProto, planNodeToProto, PlacementRules, resolveQueryTime, STATE_LABEL } from '../src/planner/index.js';
import { fragmentGrid, onGrid } from '../src/router/pushdown-exec.js';
import { MomentMerger } from '../src/router/merge-moments.js';
import { PartialFolder } from '../src/router/merge-partials.js';

const rules = () => new PlacementRules(['job', 'instance']);

describe('placement rules', () => {
  it.each([
    ['1 + 2', 'const'],
    ['vector(time())', 'const'],
    ['x', 'partitioned'],
    ['rate(x[5m])', 'partitioned'],
    ['clamp(x, 0, 1)', 'partitioned'],
    ['clamp(x, 0, scalar(y))', 'global'],
    ['histogram_quantile(0.9, rate(x[5m]))', 'partitioned'],
    ['sum by (job, instance, le) (x)', 'partitioned'],
    ['sum without (mode) (x)', 'partitioned'],
    ['sum by (job) (x)', 'global'],
    ['sum without (instance) (x)', 'global'],
    ['count_values by (job, instance) ("job", x)', 'global'],
    ['x / on (job, instance, mode) y', 'partitioned'],
    ['x / on (job) y', 'global'],
    ['x / ignoring (mode) y', 'partitioned'],
    ['x / ignoring (instance) y', 'global'],
    ['x or y', 'partitioned'],
    ['x or vector(1)', 'global'],
    ['x > 1', 'partitioned'],
    ['x > scalar(y)', 'global'],
    ['label_replace(x, "dst", "$1", "job", "(.*)")', 'partitioned'],
    ['label_replace(x, "job", "$1", "mode", "(.*)")', 'global'],
    ['sort(x)', 'global'],
    ['absent(x)', 'global'],
    ['max_over_time(rate(x[5m])[1h:1m])', 'partitioned'],
    ['max_over_time(sum(x)[1h:1m])', 'global'],
  ])('%s is %s', (q, want) => {
    expect(rules().of(parse(q))).toBe(want);
  });
});

describe('query-time references inside fragments', () => {
  const qt = { startMs: 1_000_000, endMs: 2_000_000, stepMs: 30_000, defaultSubqueryStepMs: 60_000 };
  it.each([
    ['x @ start()', 'x @ 1000.000'],
    ['rate(x[5m] @ end())', 'rate(x[5m] @ 2000.000)'],
    ['max_over_time(x[10m:])', 'max_over_time(x[10m:1m])'],
    ['max_over_time(x[10m:] @ end() offset 1m)', 'max_over_time(x[10m:1m] @ 2000.000 offset 1m)'],
    ['rate(x[5m])', 'rate(x[5m])'],
  ])('%s → %s', (q, want) => {
    expect(formatExpr(resolveQueryTime(parse(q), qt))).toBe(want);
  });
});

describe('plan serialisation', () => {
  it('plan nodes round-trip through the proto shape', () => {
    const q = 'histogram_quantile(0.9, sum by (le, job) (rate(b[5m]))) / on (job) avg by (job) (x)';
    const p = planDistributed(q, parse(q), { targetLabels: ['job', 'instance'], startMs: 0, endMs: 3_600_000, stepMs: 60_000, defaultSubqueryStepMs: 60_000 });
    expect(planNodeFromProto(planNodeToProto(p.tree))).toEqual(p.tree);
    const proto = distributedPlanToProto(p);
    expect(proto.fragments!.map((f) => [f.id, f.variant, f.state])).toEqual([
      ['f0', 'partial', 'sum'],
      ['f1', 'partial', 'avg moments (count, mean)'],
    ]);
    expect(proto.fragments![0]!.selectors).toEqual(['b']);
  });
});

describe('fragment grids', () => {
  const f = (stepMs: number) => ({ id: 'f0', variant: 'whole' as const, state: 'series', expr: parse('x'), promql: 'x', selectors: [], stepMs });
  it('recovers the grid from the engine hints (t0 − lookback, t1]', () => {
    const g = fragmentGrid(f(60_000), { start: 600_000 - 300_000 + 1, end: 900_000 }, 300_000);
    expect([g.startMs, g.endMs, g.stepMs]).toEqual([600_000, 900_000, 60_000]);
    expect(Array.from(g.times)).toEqual([600_000, 660_000, 720_000, 780_000, 840_000, 900_000]);
    const i = fragmentGrid(f(0), { start: 1, end: 300_000 }, 300_000);
    expect(Array.from(i.times)).toEqual([300_000]);
  });
  it('lays answers on the grid with stale markers where absent', () => {
    const s: Series = { labels: [], t: Float64Array.of(20, 40), v: Float64Array.of(2, 4) };
    const out = onGrid(s, Float64Array.of(10, 20, 30, 40, 50));
    expect(Array.from(out.t)).toEqual([10, 20, 30, 40, 50]);
    // Read the typed array directly: a plain JS array may canonicalise the marker's NaN bits.
    const shown = Array.from({ length: out.v.length }, (_, i) => (isStaleNaN(out.v[i]!) ? 'stale' : out.v[i]));
    expect(shown).toEqual(['stale', 2, 'stale', 4, 'stale']);
  });
});

describe('moment merge', () => {
  const times = Float64Array.of(0);
  const part = (g: string, n: number, mean: number, stdvar?: number): Series[] => {
    const mk = (state: string, v: number): Series => ({ labels: [{ name: STATE_LABEL, value: state }, { name: 'g', value: g }], t: Float64Array.of(0), v: Float64Array.of(v) });
    return [mk('count', n), mk('mean', mean), ...(stdvar === undefined ? [] : [mk('stdvar', stdvar)])];
  };
  const merged = (kind: 'avg' | 'stdvar' | 'stddev', parts: Series[][]): number => {
    const m = new MomentMerger(kind, times);
    for (const p of parts) m.add(p);
    return m.result()[0]!.v[0]!;
  };
  it('equals the variance of the union (Chan)', () => {
    // {1,2,3} and {10,20}: mean 7.2, population variance 254.8 / 5 = 50.96.
    expect(merged('avg', [part('a', 3, 2), part('a', 2, 15)])).toBeCloseTo(7.2, 12);
    expect(merged('stdvar', [part('a', 3, 2, 2 / 3), part('a', 2, 15, 25)])).toBeCloseTo(50.96, 10);
  });
  it('is exact for equal values (variance exactly 0) and does not overflow', () => {
    expect(merged('stddev', [part('a', 2, 13.3, 0), part('a', 1, 13.3, 0)])).toBe(0);
    expect(merged('avg', [part('a', 2, 9.988465674311579e307), part('a', 2, 9.988465674311579e307)])).toBe(9.988465674311579e307);
    expect(merged('avg', [part('a', 2, 1e308), part('a', 2, -1e308)])).toBe(0);
  });
  it('follows the single-node rules for infinities and NaN', () => {
    expect(merged('avg', [part('a', 1, Infinity), part('a', 3, 5)])).toBe(Infinity);
    expect(merged('avg', [part('a', 1, Infinity), part('a', 1, -Infinity)])).toBeNaN();
    expect(merged('avg', [part('a', 1, NaN), part('a', 1, 5)])).toBeNaN();
    expect(merged('stdvar', [part('a', 1, Infinity, NaN), part('a', 1, 5, 0)])).toBeNaN();
  });
});

describe('partial fold (streaming, one series per group)', () => {
  const times = Float64Array.of(0, 10, 20);
  const s = (g: string, t: number[], v: number[]): Series => ({ labels: [{ name: 'g', value: g }], t: Float64Array.from(t), v: Float64Array.from(v) });
  const fold = (op: 'sum' | 'min' | 'max' | 'group', answers: Series[][]) => {
    const f = new PartialFolder(op, times);
    for (const a of answers) f.add(a);
    return f.result().map((r) => [r.labels[0]!.value, Array.from({ length: r.v.length }, (_, i) => (isStaleNaN(r.v[i]!) ? 'stale' : r.v[i]))]);
  };
  it('folds per group and step, absent steps stay absent', () => {
    const answers = [[s('a', [0, 10], [1, 2]), s('b', [20], [5])], [s('a', [10, 20], [10, 20])]];
    expect(fold('sum', answers)).toEqual([
      ['a', [1, 12, 20]],
      ['b', ['stale', 'stale', 5]],
    ]);
    expect(fold('min', answers)[0]).toEqual(['a', [1, 2, 20]]);
    expect(fold('max', answers)[0]).toEqual(['a', [1, 10, 20]]);
    expect(fold('group', answers)[0]).toEqual(['a', [1, 1, 1]]);
  });
  it('min/max replace NaN like the engine; sum propagates it', () => {
    const answers = [[s('a', [0], [NaN])], [s('a', [0], [3])]];
    expect(fold('min', answers)[0]![1]).toEqual([3, 'stale', 'stale']);
    expect(fold('sum', answers)[0]![1]).toEqual([NaN, 'stale', 'stale']);
  });
});
