/**
 * Hand-computed, exact (bit-level where upstream relies on it) checks of the kernels.
 * Broad value coverage comes from the upstream scripts (*-scripts.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ExecutionError } from '../../model/index.js';
import {
  ANCHORED_KERNELS, AvgAccumulator, DATE_FUNCTIONS, MATH_FUNCTIONS, RANGE_KERNELS, SMOOTHED_KERNELS,
  SumAccumulator, VarianceAccumulator, clamp, clampIsEmpty, clampMax, clampMin, durationSeconds,
  extendFloats, extendedSelection, formatGoF, formatGoG, histogramFraction, histogramQuantile,
  invalidQuantileWarning, kahanSumInc, newKahanPair, quantile, round, roundTo,
} from './index.js';
import type { RangeWindow } from './index.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

/** Runs a kernel over all samples of `(t, v)` inside `(end - range, end]`. */
function run(name: string, ts: number[], vs: number[], end: number, rangeMs: number, extra: Partial<RangeWindow> = {}) {
  const t = f64(ts);
  const v = f64(vs);
  let lo = 0;
  while (lo < t.length && t[lo]! <= end - rangeMs) lo++;
  let hi = lo;
  while (hi < t.length && t[hi]! <= end) hi++;
  return RANGE_KERNELS[name]!(t, v, lo, hi, { windowStart: end - rangeMs, windowEnd: end, rangeMs, params: [], ...extra });
}

describe('kahanSumInc', () => {
  it('compensates and resets on overflow', () => {
    const p = newKahanPair();
    kahanSumInc(1e100, 1, 0, p);
    expect(p[0]).toBe(1e100);
    expect(p[1]).toBe(1);
    kahanSumInc(Infinity, 1, 5, p);
    expect(p[0]).toBe(Infinity);
    expect(p[1]).toBe(0);
  });
});

describe('rate family', () => {
  // metric 1+1x4 9+1x4 every 15 s (extended_vectors.test).
  const ts = [0, 15, 30, 45, 60, 75, 90, 105, 120, 135].map((s) => s * 1000);
  const vs = [1, 2, 3, 4, 5, 9, 10, 11, 12, 13];
  it('increase extrapolates with the zero-point cutoff', () => {
    expect(run('increase', ts, vs, 20_000, 60_000)).toBeCloseTo(1.833333333, 8);
    expect(run('increase', ts, vs, 50_000, 60_000)).toBe(4);
    expect(run('increase', ts, vs, 5_000, 60_000)).toBeUndefined();
  });
  it('rate = increase / range seconds; counter reset adds the pre-reset value', () => {
    const inc = run('increase', [0, 10_000, 20_000, 30_000], [10, 20, 5, 15], 30_000, 30_000)!;
    // raw delta 5 + reset 20 = 25; first sample at the window start (excluded: window is (0, 30s]).
    expect(inc).toBeGreaterThan(0);
    const r = run('rate', [0, 10_000, 20_000, 30_000], [10, 20, 5, 15], 30_000, 30_000)!;
    expect(r).toBe(inc / 30);
  });
  it('delta does not treat decreases as resets and may be negative', () => {
    // samples at 10,20,30 s in window (0,30]: delta -20 over 20 s, extrapolated to 30 s: avg 10 s
    // → durationToStart 10 (< 11) → factor (20 + 10 + 0) / 20.
    expect(run('delta', [10_000, 20_000, 30_000], [30, 20, 10], 30_000, 30_000)).toBe(-30);
  });
  it('irate/idelta use the last two samples; reset → last value', () => {
    expect(run('irate', [0, 10_000, 20_000], [1, 5, 2], 20_000, 60_000)).toBe(0.2);
    expect(run('idelta', [0, 10_000, 20_000], [1, 5, 2], 20_000, 60_000)).toBe(-3);
    expect(run('irate', [0], [1], 20_000, 60_000)).toBeUndefined();
  });
  it('durationSeconds matches Go Duration.Seconds', () => {
    expect(durationSeconds(300_000)).toBe(300);
    expect(durationSeconds(1_500)).toBe(1.5);
    expect(durationSeconds(901_001)).toBe(901 + 0.001);
  });
});

describe('over_time precision (functions.test)', () => {
  it('avg of equal values is exact', () => {
    for (let n = 10; n <= 14; n++) {
      const ts = Array.from({ length: n }, (_, i) => i * 10_000);
      expect(run('avg_over_time', ts, ts.map(() => 52), ts[n - 1]!, 1e9)).toBe(52);
      const a = new AvgAccumulator();
      a.first(52);
      for (let i = 1; i < n; i++) a.add(52);
      expect(a.result()).toBe(52);
    }
  });
  it('Kahan keeps small terms next to huge ones', () => {
    const ts = [0, 10_000, 20_000, 30_000];
    expect(run('sum_over_time', ts, [1, 1e100, 1, -1e100], 60_000, 120_000)).toBe(2);
    expect(run('avg_over_time', ts, [1, 1e100, 1, -1e100], 60_000, 120_000)).toBe(0.5);
    const s = new SumAccumulator();
    s.first(1);
    for (const x of [1e100, 1, -1e100]) s.add(x);
    expect(s.result()).toBe(2);
  });
  it('avg switches to an incremental mean on overflow', () => {
    const vs = [-2.258e220, -1.78264e219, 0.76342771, 1.9592258, 2.3757689e217, -2.3757689e217, 2.258e220,
      7.69805412, 1.78264e219, -458.90154];
    const ts = vs.map((_, i) => i * 5000);
    expect(run('avg_over_time', ts, vs, 55_000, 60_000)).toBe(0);
    const big = [1.78264e50, 0.76342771, 1.9592258, 2.258e220, 7.69805412, 458.90154];
    const r = run('avg_over_time', big.map((_, i) => i * 5000), big, 55_000, 60_000)!;
    expect(Math.abs(r - 3.76333333333333e219) / r).toBeLessThan(1e-12);
    const avg = new AvgAccumulator();
    avg.first(Number.MAX_VALUE);
    avg.add(Number.MAX_VALUE);
    expect(avg.incremental).toBe(true);
    expect(avg.result()).toBe(Number.MAX_VALUE);
  });
  it('min/max skip a leading NaN; ts_of_* returns seconds of the last extreme', () => {
    const ts = [0, 10_000, 20_000, 30_000];
    expect(run('max_over_time', ts, [NaN, 3, 1, 3], 30_000, 60_000)).toBe(3);
    expect(run('min_over_time', ts, [NaN, 3, 1, 3], 30_000, 60_000)).toBe(1);
    expect(run('max_over_time', ts, [NaN, NaN, NaN, NaN], 30_000, 60_000)).toBeNaN();
    expect(run('ts_of_max_over_time', ts, [NaN, 3, 1, 3], 30_000, 60_000)).toBe(30);
    expect(run('ts_of_min_over_time', ts, [2, 1, 1, 3], 30_000, 60_000)).toBe(20);
    expect(run('ts_of_first_over_time', ts, [2, 1, 1, 3], 30_000, 25_000)).toBe(10);
  });
  it('stddev/stdvar over time', () => {
    const ts = [0, 10_000, 20_000, 30_000, 40_000];
    expect(run('stdvar_over_time', ts, [0, 8, 8, 2, 3], 60_000, 120_000)).toBeCloseTo(10.56, 12);
    expect(run('stddev_over_time', ts, [0, 8, 8, 2, 3], 60_000, 120_000)).toBeCloseTo(Math.sqrt(10.56), 12);
  });
  it('changes treats NaN→NaN as no change; resets counts decreases', () => {
    const ts = [0, 1, 2, 3, 4];
    expect(run('changes', ts, [1, NaN, NaN, 2, 2], 4, 10)).toBe(2);
    expect(run('resets', ts, [5, 1, 2, 0, 3], 4, 10)).toBe(2);
  });
  it('count/present/first/last', () => {
    const ts = [1000, 2000, 3000];
    expect(run('count_over_time', ts, [7, 8, 9], 3000, 2000)).toBe(2);
    expect(run('present_over_time', ts, [7, 8, 9], 3000, 2000)).toBe(1);
    expect(run('first_over_time', ts, [7, 8, 9], 3000, 2000)).toBe(8);
    expect(run('last_over_time', ts, [7, 8, 9], 3000, 2000)).toBe(9);
    expect(run('count_over_time', ts, [7, 8, 9], 10_000, 2000)).toBeUndefined();
  });
});

describe('quantile_over_time / mad_over_time / quantile', () => {
  const ts = [0, 1, 2, 3];
  it('interpolates between closest ranks', () => {
    expect(run('quantile_over_time', ts, [0, 1, 2, 3], 3, 10, { params: [0.75] })).toBe(2.25);
    expect(run('quantile_over_time', ts, [3, 1, 2, 0], 3, 10, { params: [0.5] })).toBe(1.5);
  });
  it('out-of-range φ warns and yields ±Inf/NaN', () => {
    const msgs: string[] = [];
    const annotate = (_l: 'warn' | 'info', m: string) => { msgs.push(m); };
    expect(run('quantile_over_time', ts, [0, 1, 2, 3], 3, 10, { params: [-1], annotate })).toBe(-Infinity);
    expect(run('quantile_over_time', ts, [0, 1, 2, 3], 3, 10, { params: [2], annotate })).toBe(Infinity);
    expect(run('quantile_over_time', ts, [0, 1, 2, 3], 3, 10, { params: [NaN], annotate })).toBeNaN();
    expect(msgs).toEqual([
      'PromQL warning: quantile value should be between 0 and 1, got -1',
      'PromQL warning: quantile value should be between 0 and 1, got 2',
      'PromQL warning: quantile value should be between 0 and 1, got NaN',
    ]);
  });
  it('NaN sorts first, as upstream', () => {
    expect(quantile(0, f64([2, NaN, 1]), 3)).toBeNaN();
    expect(quantile(1, f64([2, NaN, 1]), 3)).toBe(2);
    expect(quantile(0.5, f64([2, NaN, 1]), 3)).toBe(1);
    const src = f64([3, 1, 2]);
    quantile(0.5, src, 3);
    expect([...src]).toEqual([3, 1, 2]); // input untouched
  });
  it('mad_over_time', () => {
    expect(run('mad_over_time', [0, 1, 2, 3, 4], [1, 2, 3, 4, 100], 4, 10)).toBe(1);
    expect(run('mad_over_time', [0, 1], [1, NaN], 1, 10)).toBeNaN();
  });
});

describe('deriv / predict_linear', () => {
  it('slope per second; constant input gives 0', () => {
    expect(run('deriv', [0, 10_000, 20_000], [0, 10, 20], 20_000, 60_000)).toBe(1);
    expect(run('deriv', [0, 10_000], [5, 5], 20_000, 60_000)).toBe(0);
    expect(run('deriv', [0, 10_000], [Infinity, Infinity], 20_000, 60_000)).toBeNaN();
    expect(run('deriv', [0], [5], 20_000, 60_000)).toBeUndefined();
  });
  it('predict_linear anchors at the evaluation time (before offset)', () => {
    const ts = [0, 10_000, 20_000];
    expect(run('predict_linear', ts, [0, 10, 20], 20_000, 60_000, { params: [10] })).toBe(30);
    // Window shifted by an offset of 20 s but evaluated at 40 s: predicts value at 50 s.
    expect(run('predict_linear', ts, [0, 10, 20], 20_000, 60_000, { params: [10], evalTime: 40_000 })).toBe(50);
  });
});

describe('double_exponential_smoothing', () => {
  it('smooths and validates factors like upstream', () => {
    const r = run('double_exponential_smoothing', [0, 1, 2], [1, 2, 3], 2, 10, { params: [0.5, 0.5] });
    // s1=1,b=1; i=1: x=1, b stays 1 (i-1==0), y=.5*(1+1)=1 → s1=2;
    // i=2: x=1.5, b=.5*(2-1)+.5*1=1, y=.5*(2+1)=1.5 → 3
    expect(r).toBe(3);
    expect(() => run('double_exponential_smoothing', [0, 1], [1, 2], 2, 10, { params: [1, 0.5] }))
      .toThrow(new ExecutionError('invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000'));
    expect(() => run('double_exponential_smoothing', [0, 1], [1, 2], 2, 10, { params: [0.5, 0] }))
      .toThrow('invalid trend factor. Expected: 0 < tf < 1, got: 0.000000');
    expect(run('double_exponential_smoothing', [0], [1], 2, 10, { params: [0.5, 0.5] })).toBeUndefined();
  });
});

describe('anchored / smoothed', () => {
  it('selection bounds', () => {
    expect(extendedSelection('anchored', 100, 200, 50)).toEqual({ startExclusive: 50, endInclusive: 200 });
    expect(extendedSelection('smoothed', 100, 200, 50)).toEqual({ startExclusive: 50, endInclusive: 250 });
    expect(Object.keys(ANCHORED_KERNELS).sort()).toEqual(['changes', 'delta', 'increase', 'rate', 'resets']);
    expect(Object.keys(SMOOTHED_KERNELS).sort()).toEqual(['delta', 'increase', 'rate']);
  });
  it('smoothed interpolates at both boundaries', () => {
    const t = f64([0, 10_000, 20_000, 30_000]);
    const v = f64([0, 10, 20, 30]);
    const w = { windowStart: 5_000, windowEnd: 25_000, rangeMs: 20_000, params: [] };
    expect(SMOOTHED_KERNELS.increase!(t, v, 0, 4, w)).toBe(20);
    expect(ANCHORED_KERNELS.increase!(t, v, 0, 3, w)).toBe(20); // 20 - 0 (anchor at t=0)
    const ext = extendFloats(t, v, 0, 4, 5_000, 25_000, true);
    expect([...ext.t]).toEqual([5_000, 10_000, 20_000, 25_000]);
    expect([...ext.v]).toEqual([5, 10, 20, 25]);
  });
});

describe('histogramQuantile (classic buckets)', () => {
  const ub = f64([0.1, 0.5, 1, Infinity]);
  it('interpolates linearly, lowest bucket from 0, highest returns the 2nd-highest bound', () => {
    expect(histogramQuantile(0.5, ub, f64([10, 20, 30, 40]), 4).value).toBe(0.5);
    expect(histogramQuantile(0.1, ub, f64([10, 20, 30, 40]), 4).value).toBeCloseTo(0.04, 15);
    expect(histogramQuantile(0.9, ub, f64([10, 20, 30, 40]), 4).value).toBe(1);
  });
  it('special cases', () => {
    expect(histogramQuantile(-0.1, ub, f64([1, 2, 3, 4]), 4).value).toBe(-Infinity);
    expect(histogramQuantile(1.1, ub, f64([1, 2, 3, 4]), 4).value).toBe(Infinity);
    expect(histogramQuantile(NaN, ub, f64([1, 2, 3, 4]), 4).value).toBeNaN();
    expect(histogramQuantile(0.5, f64([0.1, 0.5]), f64([1, 2]), 2).value).toBeNaN(); // no +Inf
    expect(histogramQuantile(0.5, ub, f64([0, 0, 0, 0]), 4).value).toBeNaN();
    expect(histogramQuantile(0.5, f64([Infinity]), f64([4]), 1).value).toBeNaN();
    expect(histogramQuantile(0.1, f64([-1, 0, Infinity]), f64([5, 8, 10]), 3).value).toBe(-1);
  });
  it('sorts, coalesces duplicate le and forces monotonicity', () => {
    const r = histogramQuantile(0.5, f64([Infinity, 1, 0.5, 1]), f64([40, 10, 20, 20]), 4);
    // coalesced: le=0.5 → 20, le=1 → 30, +Inf → 40.
    expect(r.value).toBe(0.5);
    expect(r.forcedMonotonicity).toBe(false);
    const m = histogramQuantile(0.5, ub, f64([10, 30, 20, 40]), 4);
    expect(m.forcedMonotonicity).toBe(true);
    expect(m.minBucket).toBe(1);
    expect(m.maxBucket).toBe(1);
    expect(m.maxDiff).toBe(10);
    const tiny = histogramQuantile(0.5, ub, f64([10, 20, 20 * (1 - 1e-15), 40]), 4);
    expect(tiny.forcedMonotonicity).toBe(false);
    expect(tiny.fixedPrecision).toBe(true);
  });
  it('histogramFraction', () => {
    const c = f64([10, 20, 30, 40]);
    expect(histogramFraction(0, 0.5, ub, c, 4)).toBe(0.5);
    expect(histogramFraction(0, 0.05, ub, c, 4)).toBe(0.125);
    expect(histogramFraction(2, 1, ub, c, 4)).toBe(0);
    expect(histogramFraction(NaN, 1, ub, c, 4)).toBeNaN();
    expect(histogramFraction(-Infinity, Infinity, ub, c, 4)).toBe(1);
  });
});

describe('accumulators', () => {
  it('variance (Welford, no compensation) and NaN/Inf first sample', () => {
    const v = new VarianceAccumulator();
    v.first(0);
    for (const x of [8, 8, 2, 3]) v.add(x);
    expect(v.stdvar()).toBeCloseTo(10.56, 12);
    v.first(Infinity);
    v.add(1);
    expect(v.stdvar()).toBeNaN();
  });
});

describe('instant math', () => {
  it('sgn keeps ±0 and NaN', () => {
    expect(MATH_FUNCTIONS.sgn!(-3)).toBe(-1);
    expect(Object.is(MATH_FUNCTIONS.sgn!(-0), -0)).toBe(true);
    expect(MATH_FUNCTIONS.sgn!(NaN)).toBeNaN();
  });
  it('round ties up, with toNearest through the inverse', () => {
    expect(round(2.5)).toBe(3);
    expect(round(-2.5)).toBe(-2);
    expect(round(0.15, 0.1)).toBe(Math.floor(0.15 * 10 + 0.5) / 10);
    expect(roundTo(5)(12.5)).toBe(15);
    expect(round(NaN)).toBeNaN();
  });
  it('clamp', () => {
    expect(clamp(10, -25, 75)).toBe(10);
    expect(clamp(100, -25, 75)).toBe(75);
    expect(clamp(1, 0, NaN)).toBeNaN();
    expect(clampMin(-50, -25)).toBe(-25);
    expect(clampMax(100, 75)).toBe(75);
    expect(clampIsEmpty(5, -5)).toBe(true);
    expect(clampIsEmpty(NaN, 0)).toBe(false);
  });
  it('deg/rad/ln/log2', () => {
    expect(MATH_FUNCTIONS.deg!(Math.PI)).toBe(180);
    expect(MATH_FUNCTIONS.rad!(180)).toBe(Math.PI);
    expect(MATH_FUNCTIONS.ln!(-1)).toBeNaN();
    expect(MATH_FUNCTIONS.log2!(8)).toBe(3);
  });
});

describe('date functions (seconds, UTC)', () => {
  const d = DATE_FUNCTIONS;
  it('matches functions.test', () => {
    const t = 1136239445; // 2006-01-02T22:04:05Z, a Monday
    expect([d.year!(t), d.month!(t), d.day_of_month!(t), d.day_of_week!(t), d.hour!(t), d.minute!(t), d.day_of_year!(t)])
      .toEqual([2006, 1, 2, 1, 22, 4, 2]);
    expect(d.year!(1230767999)).toBe(2008);
    expect(d.year!(1230768000)).toBe(2009);
    expect(d.month!(1456790399) + d.day_of_month!(1456790399) / 100).toBe(2.29);
    expect(d.day_of_year!(1483191420)).toBe(366);
    expect(d.day_of_year!(1672493820)).toBe(365);
    expect(d.days_in_month!(1454284800)).toBe(29);
    expect(d.days_in_month!(1485907200)).toBe(28);
    expect(d.day_of_week!(0)).toBe(4);
  });
  it('truncates fractions toward zero like int64()', () => {
    expect(d.year!(-0.5)).toBe(1970);
    expect(d.year!(-1)).toBe(1969);
    expect(d.minute!(NaN)).toBeNaN();
  });
});

describe('Go formatting', () => {
  it('%g', () => {
    expect(formatGoG(0.5)).toBe('0.5');
    expect(formatGoG(-1)).toBe('-1');
    expect(formatGoG(123456)).toBe('123456');
    expect(formatGoG(1e6)).toBe('1e+06');
    expect(formatGoG(1.5e300)).toBe('1.5e+300');
    expect(formatGoG(0.0001)).toBe('0.0001');
    expect(formatGoG(1e-5)).toBe('1e-05');
    expect(formatGoG(Infinity)).toBe('+Inf');
    expect(formatGoG(NaN)).toBe('NaN');
    expect(invalidQuantileWarning(1.01)).toBe('PromQL warning: quantile value should be between 0 and 1, got 1.01');
  });
  it('%f', () => {
    expect(formatGoF(1)).toBe('1.000000');
    expect(formatGoF(-Infinity)).toBe('-Inf');
  });
});

describe('Go-compatible logarithms', () => {
  it('log10/log2 as Go computes them', () => {
    expect(MATH_FUNCTIONS.log10!(10)).toBe(1);
    expect(MATH_FUNCTIONS.log10!(20)).toBe(1.301029995663981); // JS Math.log10 gives …813
    expect(MATH_FUNCTIONS.log10!(0)).toBe(-Infinity);
    expect(MATH_FUNCTIONS.log10!(-1)).toBeNaN();
    expect(MATH_FUNCTIONS.log2!(8)).toBe(3);
    expect(MATH_FUNCTIONS.log2!(0.25)).toBe(-2);
    expect(MATH_FUNCTIONS.log2!(5e-324)).toBe(-1074);
    expect(MATH_FUNCTIONS.log2!(Infinity)).toBe(Infinity);
    expect(MATH_FUNCTIONS.log2!(0)).toBe(-Infinity);
    expect(MATH_FUNCTIONS.log2!(-8)).toBeNaN();
    expect(MATH_FUNCTIONS.log2!(10)).toBeCloseTo(3.3219280948873626, 14);
  });
});

describe('inlined Kahan steps equal kahanSumInc bit for bit', () => {
  // Deterministic pseudo-random values spanning many magnitudes, signs, and ±Inf/overflow.
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const vals = Array.from({ length: 400 }, (_, i) =>
    i % 97 === 0 ? Number.MAX_VALUE : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20));
  const ts = vals.map((_, i) => i * 1000);
  it('sum_over_time / SumAccumulator', () => {
    const p = newKahanPair();
    let sum = 0, c = 0;
    for (const x of vals) { kahanSumInc(x, sum, c, p); sum = p[0]!; c = p[1]!; }
    const ref = sum === Infinity || sum === -Infinity ? sum : sum + c;
    expect(run('sum_over_time', ts, vals, ts.at(-1)!, 1e9)).toBe(ref);
    const acc = new SumAccumulator();
    acc.first(vals[0]!);
    for (const x of vals.slice(1)) acc.add(x);
    let s2 = vals[0]!, c2 = 0;
    for (const x of vals.slice(1)) { kahanSumInc(x, s2, c2, p); s2 = p[0]!; c2 = p[1]!; }
    expect(acc.result()).toBe(s2 + c2);
  });
  it('avg_over_time equals AvgAccumulator (same algorithm, incl. overflow switch)', () => {
    const a = new AvgAccumulator();
    a.first(vals[0]!);
    for (const x of vals.slice(1)) a.add(x);
    expect(run('avg_over_time', ts, vals, ts.at(-1)!, 1e9)).toBe(a.result());
    expect(a.incremental).toBe(true);
  });
});
