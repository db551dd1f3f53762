import { describe, expect, it } from 'vitest';
import { coverageIssues, coverageOf, hedgeDelay, hedgeOptions, LatencyTracker, planChildren, replicaOrder, resolveRange, type BreakerState, type ReplicaInfo } from '../src/reliability/index.js';

const full = { minTime: 0, maxTime: 1000 };

interface Case {
  name: string;
  replicas: ReplicaInfo[];
  breakers?: Record<string, BreakerState>;
  ewma?: Record<string, number>;
  inflight?: Record<string, number>;
  window?: [number, number];
  order: string[];
  incomplete?: boolean;
}

const cases: Case[] = [
  { name: 'assignment order when nothing differs', replicas: [{ leafId: 'a', state: 'available' }, { leafId: 'b', state: 'available' }], order: ['a', 'b'] },
  {
    name: 'available, then a fully covering initializing replica, then leaving',
    replicas: [{ leafId: 'l', state: 'leaving' }, { leafId: 'i', state: 'initializing', coverage: full }, { leafId: 'a', state: 'available' }],
    order: ['a', 'i', 'l'],
  },
  { name: 'initializing with unknown coverage comes after leaving', replicas: [{ leafId: 'i', state: 'initializing' }, { leafId: 'l', state: 'leaving' }], order: ['l', 'i'] },
  {
    name: 'initializing still copying history comes after leaving',
    replicas: [{ leafId: 'i', state: 'initializing', coverage: { minTime: 900, maxTime: 1000 } }, { leafId: 'l', state: 'leaving', coverage: full }],
    order: ['l', 'i'],
  },
  { name: 'leaving is a last resort even when faster', replicas: [{ leafId: 'l', state: 'leaving' }, { leafId: 'a', state: 'available' }], ewma: { l: 1, a: 100 }, order: ['a', 'l'] },
  {
    name: 'full time coverage before partial',
    replicas: [
      { leafId: 'new', state: 'available', coverage: { minTime: 600, maxTime: 1000 } },
      { leafId: 'old', state: 'available', coverage: full },
    ],
    order: ['old', 'new'],
  },
  {
    name: 'a known gap lowers coverage',
    replicas: [
      { leafId: 'gappy', state: 'available', coverage: { minTime: 0, maxTime: 1000, gaps: [{ start: 100, end: 300 }] } },
      { leafId: 'whole', state: 'available', coverage: full },
    ],
    order: ['whole', 'gappy'],
  },
  {
    name: 'unknown coverage counts as full',
    replicas: [{ leafId: 'u', state: 'available' }, { leafId: 'f', state: 'available', coverage: full }],
    order: ['u', 'f'],
  },
  {
    name: 'no replica covers the window: best partial first, flagged',
    replicas: [
      { leafId: 'p30', state: 'available', coverage: { minTime: 700, maxTime: 1000 } },
      { leafId: 'p60', state: 'available', coverage: { minTime: 400, maxTime: 1000 } },
    ],
    order: ['p60', 'p30'],
    incomplete: true,
  },
  { name: 'open breaker after closed and halfOpen', replicas: [{ leafId: 'o', state: 'available' }, { leafId: 'h', state: 'available' }, { leafId: 'c', state: 'available' }], breakers: { o: 'open', h: 'halfOpen' }, order: ['c', 'h', 'o'] },
  { name: 'coverage outranks breaker', replicas: [{ leafId: 'part', state: 'available', coverage: { minTime: 500, maxTime: 1000 } }, { leafId: 'open', state: 'available' }], breakers: { open: 'open' }, order: ['open', 'part'], incomplete: false },
  { name: 'similar latency keeps assignment order (no flapping)', replicas: [{ leafId: 'a', state: 'available' }, { leafId: 'b', state: 'available' }], ewma: { a: 12, b: 8 }, order: ['a', 'b'] },
  { name: 'a slow primary moves after the fast replica', replicas: [{ leafId: 'a', state: 'available' }, { leafId: 'b', state: 'available' }], ewma: { a: 900, b: 8 }, order: ['b', 'a'] },
  { name: 'unknown latency is neutral (optimistic)', replicas: [{ leafId: 'x', state: 'available' }, { leafId: 'b', state: 'available' }], ewma: { b: 8 }, order: ['x', 'b'] },
  { name: 'load counts: many calls in flight make a replica slow', replicas: [{ leafId: 'a', state: 'available' }, { leafId: 'b', state: 'available' }], ewma: { a: 10, b: 10 }, inflight: { a: 40 }, order: ['b', 'a'] },
  {
    name: 'slow replicas ordered by score',
    replicas: [{ leafId: 's2', state: 'available' }, { leafId: 's1', state: 'available' }, { leafId: 'f', state: 'available' }],
    ewma: { s2: 500, s1: 200, f: 5 },
    order: ['f', 's1', 's2'],
  },
  { name: 'instant query inside the data', replicas: [{ leafId: 'a', state: 'available', coverage: { minTime: 600, maxTime: 1000 } }, { leafId: 'b', state: 'available' }], window: [700, 700], order: ['a', 'b'] },
  { name: 'instant query before the data', replicas: [{ leafId: 'a', state: 'available', coverage: { minTime: 600, maxTime: 1000 } }, { leafId: 'b', state: 'available' }], window: [100, 100], order: ['b', 'a'] },
];

describe('resolveRange', () => {
  it.each(cases)('$name', (c) => {
    const [start, end] = c.window ?? [0, 1000];
    const res = resolveRange(
      { rangeId: 'r1', replicas: c.replicas },
      { start, end, breakerState: (id) => c.breakers?.[id] ?? 'closed', ewma: (id) => c.ewma?.[id], inflight: (id) => c.inflight?.[id] ?? 0 },
    );
    expect(replicaOrder(res)).toEqual(c.order);
    expect(res.primary).toBe(c.order[0]);
    expect(res.fallbacks).toEqual(c.order.slice(1));
    expect(res.incompleteCoverage).toBe(c.incomplete ?? false);
  });

  it('no replica: no primary, no fallbacks', () => {
    const res = resolveRange({ rangeId: 'r', replicas: [] }, { start: 0, end: 1 });
    expect(res).toMatchObject({ primary: undefined, fallbacks: [], incompleteCoverage: false });
    expect(replicaOrder(res)).toEqual([]);
  });

  it('planChildren: assignment ranges → executor children, coverage notes', () => {
    const plan = planChildren(
      [
        { id: 'r1', replicas: [{ leafId: 'a', state: 'available' }, { leafId: 'b', state: 'available' }] },
        { id: 'r2', replicas: [{ leafId: 'b', state: 'leaving' }, { leafId: 'c', state: 'available' }] },
        { id: 'r3', replicas: [] },
      ],
      { start: 0, end: 1000, coverage: (leaf, range) => (leaf === 'c' && range === 'r2' ? { minTime: 500, maxTime: 1000 } : undefined), breakerState: (id) => (id === 'a' ? 'open' : 'closed') },
    );
    expect(plan.children).toEqual([
      { id: 'r1', replicas: ['b', 'a'] },
      { id: 'r2', replicas: ['c', 'b'] },
      { id: 'r3', replicas: [] },
    ]);
    expect(plan.issues).toEqual([{ kind: 'incomplete_coverage', rangeId: 'r2', leafId: 'c', message: 'best replica c holds 50% of the query window' }]);
  });

  it('incomplete coverage becomes a health note', () => {
    const res = resolveRange({ rangeId: 'r7', replicas: [{ leafId: 'a', state: 'available', coverage: { minTime: 750, maxTime: 1000 } }] }, { start: 0, end: 1000 });
    expect(coverageIssues([res])).toEqual([{ kind: 'incomplete_coverage', rangeId: 'r7', leafId: 'a', message: 'best replica a holds 25% of the query window' }]);
  });

  it('works with a LatencyTracker as the latency source', () => {
    const lt = new LatencyTracker();
    for (let i = 0; i < 5; i++) lt.observe('a', 1000);
    for (let i = 0; i < 5; i++) lt.observe('b', 10);
    const res = resolveRange({ rangeId: 'r', replicas: [{ leafId: 'a', state: 'available' }, { leafId: 'b', state: 'available' }] }, { start: 0, end: 1, ewma: (id) => lt.ewma(id), inflight: (id) => lt.inflight(id) });
    expect(replicaOrder(res)).toEqual(['b', 'a']);
  });
});

describe('coverageOf', () => {
  it.each([
    { c: undefined, w: [0, 100], v: 1 },
    { c: { minTime: 0, maxTime: 100 }, w: [0, 100], v: 1 },
    { c: { minTime: 50, maxTime: 100 }, w: [0, 100], v: 0.5 },
    { c: { minTime: 200, maxTime: 300 }, w: [0, 100], v: 0 },
    { c: { minTime: 1, maxTime: 0 }, w: [0, 100], v: 0 },
    { c: { minTime: 0, maxTime: 100, gaps: [{ start: 10, end: 30 }, { start: 90, end: 200 }] }, w: [0, 100], v: 0.7 },
    { c: { minTime: 0, maxTime: 100, gaps: [{ start: 10, end: 30 }] }, w: [20, 20], v: 0 },
  ])('$c over $w = $v', ({ c, w, v }) => {
    expect(coverageOf(c, w[0]!, w[1]!)).toBeCloseTo(v, 9);
  });
});

describe('LatencyTracker', () => {
  it('EWMA, bounded-window p95, censored samples raise only the EWMA, staleness', () => {
    let now = 0;
    const lt = new LatencyTracker({ alpha: 0.5, windowSize: 20, minSamples: 4, staleAfterMs: 1000, censoredPenalty: 2, now: () => now });
    expect(lt.ewma('a')).toBeUndefined();
    lt.observe('a', 10);
    lt.observe('a', 20);
    expect(lt.ewma('a')).toBe(15);
    expect(lt.p95('a')).toBeUndefined(); // < minSamples
    for (let i = 1; i <= 100; i++) lt.observe('a', i); // only the last 20 (81..100) remain
    expect(lt.p95('a')).toBe(99);
    lt.observeCensored('a', 5); // 5 × 2 is below the estimate: ignored
    const e = lt.ewma('a')!;
    expect(e).toBeCloseTo(99.0, 0);
    lt.observeCensored('a', 500); // counts as 500 × censoredPenalty
    expect(lt.ewma('a')).toBeCloseTo((e + 1000) / 2, 9);
    expect(lt.p95('a')).toBe(99); // censored samples stay out of the hedge delay
    expect(lt.p95All()).toBe(99);
    expect(lt.p95('b')).toBeUndefined();
    now = 5000;
    expect(lt.ewma('a')).toBeUndefined(); // stale: unknown again
    lt.begin('a');
    lt.begin('a');
    lt.end('a');
    expect(lt.inflight('a')).toBe(1);
  });
});

describe('explain lines', () => {
  it('describeResolutions and describeLeaves are stable', async () => {
    const { describeResolutions, describeLeaves, BreakerRegistry } = await import('../src/reliability/index.js');
    const res = resolveRange(
      { rangeId: 'r1', replicas: [{ leafId: 'a', state: 'available', coverage: { minTime: 500, maxTime: 1000 } }, { leafId: 'b', state: 'leaving' }] },
      { start: 0, end: 1000, breakerState: (id) => (id === 'a' ? 'halfOpen' : 'closed') },
    );
    expect(describeResolutions([res, resolveRange({ rangeId: 'r2', replicas: [] }, { start: 0, end: 1 })])).toEqual([
      'range r1: primary=a fallbacks=[b] coverage=50% state=available breaker=halfOpen',
      'range r2: primary=none fallbacks=[]',
    ]);
    const lt = new LatencyTracker({ minSamples: 1 });
    lt.observe('b', 4.25);
    const br = new BreakerRegistry();
    await br.fire('a', async () => 1);
    expect(describeLeaves(br, lt)).toEqual([
      'leaf a: breaker=closed fires=1 failures=0 rejects=0 ewma=- p95=- inflight=0',
      'leaf b: breaker=closed fires=0 failures=0 rejects=0 ewma=4.3ms p95=4.3ms inflight=0',
    ]);
    br.close();
  });
});

describe('hedgeDelay', () => {
  it('leaf p95, else all leaves p95, else the default; bounded; off when disabled', () => {
    const lt = new LatencyTracker({ minSamples: 2 });
    const o = hedgeOptions({ minDelayMs: 5, maxDelayMs: 300, defaultDelayMs: 80 });
    expect(hedgeDelay('a', lt, o)).toBe(80);
    lt.observe('a', 30);
    lt.observe('a', 40);
    expect(hedgeDelay('a', lt, o)).toBe(40);
    expect(hedgeDelay('new', lt, o)).toBe(40); // no samples of its own: the cluster's p95
    lt.observe('b', 1);
    lt.observe('b', 1);
    expect(hedgeDelay('b', lt, o)).toBe(5); // lower bound
    for (let i = 0; i < 5; i++) lt.observe('c', 5000);
    expect(hedgeDelay('c', lt, o)).toBe(300); // upper bound
    expect(hedgeDelay('a', lt, hedgeOptions(false))).toBeUndefined();
    expect(hedgeDelay('a', undefined, o)).toBe(80);
  });
});
