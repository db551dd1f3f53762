/**
 * The fan-out executor with in-process fake leaves whose delays and failures are scripted (the
 * executor is pure orchestration; process-level fault tests with real leaves come with wiring).
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { CanopyError, InvalidArgumentError, UnavailableError } from '../src/model/index.js';
import {
  BreakerRegistry,
  computeDeadlines,
  createReliabilityMetrics,
  executeChildren,
  HealthBuilder,
  HedgeBudget,
  LatencyTracker,
  PartialError,
  type CallInfo,
  supersededError,
  type Child,
  type LeafCall,
} from '../src/reliability/index.js';

type Behaviour = { delay?: number; fail?: string | CanopyError; failAfterItems?: number; hang?: boolean; ignoreSignal?: boolean };

interface Seen {
  leaf: string;
  ids: string[];
  info: CallInfo;
  aborted: boolean;
  settled: boolean;
}

/** Fake leaves: each answers `leaf:id` strings, one item per child, after its scripted delay. */
function fakeLeaves(script: Record<string, Behaviour | ((n: number) => Behaviour)>) {
  const seen: Seen[] = [];
  const count: Record<string, number> = {};
  const stream: LeafCall<string> = (leaf, ids, signal, info) => {
    const n = (count[leaf] = (count[leaf] ?? 0) + 1);
    const s = script[leaf];
    const b = (typeof s === 'function' ? s(n) : s) ?? {};
    const rec: Seen = { leaf, ids: [...ids], info, aborted: false, settled: false };
    seen.push(rec);
    signal.addEventListener('abort', () => (rec.aborted = true), { once: true });
    return (async function* () {
      try {
        for (let i = 0; i < ids.length; i++) {
          if (b.failAfterItems === i) throw typeof b.fail === 'string' ? new UnavailableError(b.fail) : b.fail;
          if (i === 0) await wait(b.hang ? 1e9 : (b.delay ?? 1), b.ignoreSignal ? undefined : signal);
          yield `${leaf}:${ids[i]}`;
        }
        if (b.fail !== undefined && b.failAfterItems === undefined) throw typeof b.fail === 'string' ? new UnavailableError(b.fail) : b.fail;
      } finally {
        rec.settled = true;
      }
    })();
  };
  return { stream, seen };
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new CanopyError('CANCELLED', 'aborted'));
    });
  });
}

const children = (spec: Record<string, string[]>): Child[] => Object.entries(spec).map(([id, replicas]) => ({ id, replicas }));
const items = (r: { results: { items: string[] }[] }): string[] => r.results.flatMap((x) => x.items).sort();
const kinds = (r: { issues: { kind: string; rangeId: string }[] }): string[] => r.issues.map((i) => `${i.kind}:${i.rangeId}`).sort();

let breakers: BreakerRegistry | undefined;
afterEach(() => breakers?.close());

describe('executeChildren', () => {
  it('groups children by primary leaf; healthy fan-out is complete with no issues', async () => {
    const { stream, seen } = fakeLeaves({ a: { delay: 5 }, b: { delay: 5 } });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'], r2: ['b', 'a'], r3: ['a', 'b'] }), call: stream, hedge: false });
    expect(seen.map((s) => `${s.leaf}:${s.ids.join(',')}`).sort()).toEqual(['a:r1,r3', 'b:r2']);
    expect(items(r)).toEqual(['a:r1', 'a:r3', 'b:r2']);
    expect(r.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, completeness: 1, partial: false, issues: [] });
    expect([...r.children].sort()).toEqual([
      ['r1', { status: 'ok', leafId: 'a' }],
      ['r2', { status: 'ok', leafId: 'b' }],
      ['r3', { status: 'ok', leafId: 'a' }],
    ]);
  });

  it('a failing primary → its children retry on the fallback (fallback_used)', async () => {
    const { stream, seen } = fakeLeaves({ a: { fail: 'connection refused' }, b: {} });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'], r2: ['b', 'a'] }), call: stream, hedge: false });
    expect(items(r)).toEqual(['b:r1', 'b:r2']);
    expect(r.health.partial).toBe(false);
    expect(kinds(r)).toEqual(['fallback_used:r1']);
    expect(r.issues[0]).toEqual({ kind: 'fallback_used', rangeId: 'r1', leafId: 'b', message: 'answered by replica b (replica a failed: connection refused)' });
    expect(seen.filter((s) => s.leaf === 'b').map((s) => s.info.round).sort()).toEqual([0, 1]);
  });

  it('a stream failing mid-way is discarded whole and retried on the fallback', async () => {
    const { stream } = fakeLeaves({ a: { failAfterItems: 1, fail: 'stream reset' }, b: {} });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'], r2: ['a', 'b'] }), call: stream, hedge: false });
    expect(items(r)).toEqual(['b:r1', 'b:r2']); // nothing of a's partial stream
    expect(r.results).toHaveLength(1);
    expect(kinds(r)).toEqual(['fallback_used:r1', 'fallback_used:r2']);
  });

  it('no replica left → unavailable; a deadline error as last → timeout; WARN keeps the partial answer', async () => {
    const { stream } = fakeLeaves({ a: { fail: 'down' }, b: { fail: new CanopyError('DEADLINE_EXCEEDED', 'leaf deadline') }, c: {} });
    const r = await executeChildren({ children: children({ r1: ['a'], r2: ['a', 'b'], r3: ['c'], r4: [] }), call: stream, hedge: false, strategy: 'warn' });
    expect(items(r)).toEqual(['c:r3']);
    expect(r.health).toMatchObject({ expectedChildren: 4, completedChildren: 1, completeness: 0.25, partial: true });
    const byRange = Object.fromEntries(r.issues.map((i) => [i.rangeId, i]));
    expect(byRange.r1).toEqual({ kind: 'unavailable', rangeId: 'r1', leafId: 'a', message: 'down' });
    expect(byRange.r2).toEqual({ kind: 'timeout', rangeId: 'r2', leafId: 'b', message: 'leaf deadline' });
    expect(byRange.r4).toEqual({ kind: 'unavailable', rangeId: 'r4', leafId: '', message: 'no readable replica' });
  });

  it('ABORT turns a partial answer into PartialError carrying the health; all failed is an error under WARN too', async () => {
    const { stream } = fakeLeaves({ a: { delay: 40, fail: 'down' }, c: {} }); // c answers before a fails
    const e = await executeChildren({ children: children({ r1: ['a'], r2: ['c'] }), call: stream, hedge: false, strategy: 'abort' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PartialError);
    expect((e as PartialError).health).toMatchObject({ expectedChildren: 2, completedChildren: 1, partial: true });
    const all = await executeChildren({ children: children({ r1: ['a'] }), call: stream, hedge: false, strategy: 'warn' }).catch((x: unknown) => x);
    expect(all).toBeInstanceOf(UnavailableError);
    expect((all as Error).message).toMatch(/^all 1 children failed/);
  });

  it('hedging: a slow primary is hedged to the fallback after the delay; the first answer wins and the loser is cancelled', async () => {
    const { stream, seen } = fakeLeaves({ slow: { delay: 2000 }, fast: { delay: 5 } });
    const t0 = performance.now();
    const r = await executeChildren({ children: children({ r1: ['slow', 'fast'], r2: ['slow', 'fast'] }), call: stream, hedge: { defaultDelayMs: 30 } });
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(500);
    expect(items(r)).toEqual(['fast:r1', 'fast:r2']);
    expect(kinds(r)).toEqual(['fallback_used:r1', 'fallback_used:r2', 'hedged:r1', 'hedged:r2']);
    const hedged = r.issues.find((i) => i.kind === 'hedged')!;
    expect(hedged.leafId).toBe('slow');
    expect(hedged.message).toBe('hedged to fast: replica slow had not answered after 30 ms; the fallback answered first');
    const primary = seen.find((s) => s.leaf === 'slow')!;
    expect(primary.aborted).toBe(true); // the loser was cancelled through its signal
    expect(seen.find((s) => s.leaf === 'fast')!.info).toMatchObject({ round: 1, hedge: true });
    expect(primary.info).toMatchObject({ round: 0, hedge: false });
    expect(r.health.partial).toBe(false);
  });

  it('hedging: when the primary answers before the hedge, its answer is used and the hedge is cancelled', async () => {
    const { stream, seen } = fakeLeaves({ a: { delay: 60 }, b: { delay: 1000 } });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'] }), call: stream, hedge: { defaultDelayMs: 10 } });
    expect(items(r)).toEqual(['a:r1']);
    expect(kinds(r)).toEqual(['hedged:r1']);
    expect(r.issues[0]!.message).toContain('the primary answered first');
    expect(seen.find((s) => s.leaf === 'b')!.aborted).toBe(true);
  });

  it('hedging: a hedge whose fallback fails waits for the primary', async () => {
    const { stream } = fakeLeaves({ a: { delay: 80 }, b: { fail: 'down' } });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'] }), call: stream, hedge: { defaultDelayMs: 10 } });
    expect(items(r)).toEqual(['a:r1']);
    expect(r.health.partial).toBe(false);
  });

  it('hedging: the hedge delay is the leaf p95 (bounded); fast primaries are never hedged', async () => {
    const latency = new LatencyTracker({ minSamples: 4 });
    for (let i = 0; i < 10; i++) latency.observe('a', 250);
    const { stream, seen } = fakeLeaves({ a: { delay: 20 }, b: { delay: 1 } });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'] }), call: stream, latency, hedge: { defaultDelayMs: 1 } });
    expect(items(r)).toEqual(['a:r1']);
    expect(seen.map((s) => s.leaf)).toEqual(['a']);
    expect(r.issues).toEqual([]);
  });

  it('the soft deadline gives up on missing children (timeout) and answers with the rest, even if a call ignores its signal', async () => {
    const { stream } = fakeLeaves({ a: { delay: 5 }, h: { hang: true, ignoreSignal: true }, g: { hang: true } });
    const deadlines = computeDeadlines({ timeoutMs: 400, softTimeoutMs: 150 });
    const t0 = performance.now();
    const r = await executeChildren({ children: children({ r1: ['a'], r2: ['h', 'g'] }), call: stream, deadlines, hedge: { defaultDelayMs: 20 } });
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(400);
    expect(items(r)).toEqual(['a:r1']);
    expect(r.health).toMatchObject({ expectedChildren: 2, completedChildren: 1, partial: true });
    const t = r.issues.find((i) => i.kind === 'timeout')!;
    expect(t).toMatchObject({ rangeId: 'r2', message: 'no complete answer within the soft deadline (150 ms)' });
    expect(kinds(r)).toContain('hedged:r2');
  });

  it('deadlines reach the call (gRPC deadline = hard deadline)', async () => {
    const { stream, seen } = fakeLeaves({ a: {} });
    const deadlines = computeDeadlines({ timeoutMs: 5000 });
    await executeChildren({ children: children({ r1: ['a'] }), call: stream, deadlines });
    expect(seen[0]!.info).toMatchObject({ round: 0, hedge: false, deadlineAt: deadlines.hardAt, softDeadlineAt: deadlines.softAt });
  });

  it('an error another replica would repeat fails the fan-out at once, without retry', async () => {
    const { stream, seen } = fakeLeaves({ a: { fail: new InvalidArgumentError('bad fragment') }, b: { delay: 300 } });
    const e = await executeChildren({ children: children({ r1: ['a', 'b'], r2: ['b', 'a'] }), call: stream, hedge: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(seen.filter((s) => s.leaf === 'a')).toHaveLength(1);
    expect(seen.find((s) => s.leaf === 'b')!.aborted).toBe(true); // the rest was cancelled
  });

  it('the caller cancelling throws CANCELLED and cancels the calls', async () => {
    const { stream, seen } = fakeLeaves({ a: { hang: true } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const e = await executeChildren({ children: children({ r1: ['a'] }), call: stream, signal: ac.signal }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CanopyError);
    expect((e as CanopyError).code).toBe('CANCELLED');
    expect(seen[0]!.aborted).toBe(true);
  });

  it('breakers: a failing leaf opens, later fan-outs skip it without calling it', async () => {
    breakers = new BreakerRegistry({ volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeout: 60_000 });
    const { stream, seen } = fakeLeaves({ a: { fail: 'refused' }, b: {} });
    for (let i = 0; i < 2; i++) await executeChildren({ children: children({ r1: ['a', 'b'] }), call: stream, breakers, hedge: false });
    expect(breakers.state('a')).toBe('open');
    const before = seen.filter((s) => s.leaf === 'a').length;
    const r = await executeChildren({ children: children({ r1: ['a', 'b'] }), call: stream, breakers, hedge: false });
    expect(seen.filter((s) => s.leaf === 'a').length).toBe(before);
    expect(items(r)).toEqual(['b:r1']);
    expect(r.issues).toEqual([{ kind: 'fallback_used', rangeId: 'r1', leafId: 'b', message: 'answered by replica b (circuit breaker open for a)' }]);
    // Only open breakers left: they are still tried (a rejection, then unavailable).
    const only = await executeChildren({ children: children({ r2: ['a'] }), call: stream, breakers, hedge: false });
    expect(only.issues).toEqual([{ kind: 'unavailable', rangeId: 'r2', leafId: 'a', message: 'circuit breaker open for leaf a' }]);
  });

  it('plain promise calls work too, and health accumulates in a query-wide builder', async () => {
    const health = new HealthBuilder().prune('range', ['r9']);
    const call = async (leaf: string, ids: readonly string[]): Promise<string> => `${leaf}:${ids.join(',')}`;
    await executeChildren({ children: children({ r1: ['a'] }), call, health });
    const r = await executeChildren({ children: children({ r1: ['a'], r2: ['b'] }), call, health });
    expect(r.results.map((x) => x.items)).toEqual([['a:r1'], ['b:r2']]);
    expect(r.health).toMatchObject({ expectedChildren: 2, completedChildren: 2, prunedByRange: 1 });
  });

  it('latency feeds back: a hedged-away slow leaf gets a higher EWMA (censored sample), its p95 untouched', async () => {
    const latency = new LatencyTracker({ minSamples: 1 });
    const { stream } = fakeLeaves({ slow: { delay: 500 }, fast: { delay: 2 } });
    await executeChildren({ children: children({ r1: ['slow', 'fast'] }), call: stream, latency, hedge: { defaultDelayMs: 20 } });
    expect(latency.ewma('slow')).toBeGreaterThanOrEqual(20);
    expect(latency.p95('slow')).toBeUndefined();
    expect(latency.ewma('fast')).toBeLessThan(50);
    expect(latency.inflight('slow')).toBe(0);
  });

  it('metrics: leaf calls by outcome and issues by kind', async () => {
    const registry = new Registry();
    const metrics = createReliabilityMetrics(registry);
    const { stream } = fakeLeaves({ slow: { delay: 1000 }, fast: { delay: 2 }, bad: { fail: 'down' } });
    await executeChildren({ children: children({ r1: ['slow', 'fast'], r2: ['bad', 'fast'] }), call: stream, metrics, hedge: { defaultDelayMs: 150 } });
    const calls = await registry.getSingleMetric('canopy_fanout_leaf_calls_total')!.get();
    const c = Object.fromEntries(calls.values.map((v) => [`${v.labels.leaf}/${v.labels.outcome}`, v.value]));
    expect(c).toEqual({ 'slow/cancelled': 1, 'fast/ok': 2, 'bad/error': 1 });
    const issues = await registry.getSingleMetric('canopy_query_health_issues_total')!.get();
    expect(Object.fromEntries(issues.values.map((v) => [v.labels.kind, v.value]))).toEqual({ hedged: 1, fallback_used: 2 });
    createReliabilityMetrics(registry); // registering again reuses the metrics
  });

  it('ABORT stops at the first child that fails for good: PartialError at once, the rest cancelled', async () => {
    const { stream, seen } = fakeLeaves({ bad: { delay: 5, fail: 'refused' }, slow: { delay: 3000 }, ok: { delay: 1 } });
    const t0 = performance.now();
    const e = await executeChildren({ children: children({ r1: ['bad'], r2: ['slow'], r3: ['ok'] }), call: stream, hedge: false, strategy: 'abort' }).catch((x: unknown) => x);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(e).toBeInstanceOf(PartialError);
    expect((e as Error).message).toBe('partial response aborted: range r1 unavailable on leaf bad: refused');
    const h = (e as PartialError).health;
    expect(h).toMatchObject({ expectedChildren: 3, completedChildren: 1, partial: true });
    expect(h.issues.find((i) => i.rangeId === 'r2')).toEqual({ kind: 'unavailable', rangeId: 'r2', leafId: 'slow', message: 'not awaited: partial response aborted after range r1 failed (unavailable)' });
    expect(seen.find((x) => x.leaf === 'slow')!.aborted).toBe(true);
  });

  it('ABORT does not give up on a child whose hedged primary may still answer', async () => {
    const { stream } = fakeLeaves({ a: { delay: 120 }, b: { fail: 'down' } });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'] }), call: stream, hedge: { defaultDelayMs: 10 }, strategy: 'abort' });
    expect(items(r)).toEqual(['a:r1']);
    expect(r.health.partial).toBe(false);
  });

  it('the hedge budget caps hedges; without tokens the slow primary is awaited', async () => {
    const budget = new HedgeBudget({ ratio: 0, burst: 1 });
    const { stream, seen } = fakeLeaves({ slow: { delay: 400 }, fast: { delay: 1 } });
    const first = await executeChildren({ children: children({ r1: ['slow', 'fast'] }), call: stream, hedge: { defaultDelayMs: 10 }, hedgeBudget: budget });
    expect(items(first)).toEqual(['fast:r1']);
    const second = await executeChildren({ children: children({ r1: ['slow', 'fast'] }), call: stream, hedge: { defaultDelayMs: 10 }, hedgeBudget: budget });
    expect(items(second)).toEqual(['slow:r1']);
    expect(second.issues).toEqual([]);
    expect(seen.filter((x) => x.leaf === 'fast')).toHaveLength(1);
    expect({ spent: budget.spent, denied: budget.denied }).toEqual({ spent: 1, denied: 1 });
    const b = new HedgeBudget({ ratio: 0.5, burst: 1 });
    expect(b.trySpend()).toBe(true);
    b.earn();
    expect(b.trySpend()).toBe(false);
    b.earn();
    expect(b.trySpend()).toBe(true);
  });

  it('claim: a hedge and its primary finishing in the same tick apply their side effects once', async () => {
    // Both calls wait on one gate, so they finish together; each claims before "applying".
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    setTimeout(() => open(), 60);
    const applied: string[] = [];
    const call: LeafCall<string> = async (leaf, ids, signal, info) => {
      await gate;
      if (!info.claim()) throw supersededError();
      applied.push(`${leaf}:${ids.join(',')}`); // the side effect (e.g. folding into a merger)
      expect(info.claim()).toBe(true); // idempotent for the same call
      return `${leaf}:${ids.join(',')}`;
    };
    breakers = new BreakerRegistry({ volumeThreshold: 1 });
    const r = await executeChildren({ children: children({ r1: ['a', 'b'] }), call, breakers, hedge: { defaultDelayMs: 10, minDelayMs: 1 } });
    expect(applied).toHaveLength(1);
    expect(items(r)).toEqual(applied);
    expect(r.health).toMatchObject({ expectedChildren: 1, completedChildren: 1, partial: false });
    expect(kinds(r)).toContain('hedged:r1');
    // The loser's "superseded" is not the leaf's fault: no breaker failure counted.
    expect(breakers.describe().every((b) => b.failures === 0 && b.state === 'closed')).toBe(true);
  });

  it('claim: a primary that lost part of its group to a hedge is asked again for the rest', async () => {
    // Group {r1, r2} on slow `a`; hedged: r1 → b (answers, claims r1), r2 → c (down). `a` then
    // answers both but cannot claim r1: it is asked again for r2 alone.
    const calls: string[] = [];
    const call: LeafCall<string> = async (leaf, ids, signal, info) => {
      calls.push(`${leaf}:${ids.join(',')}`);
      if (leaf === 'c') throw new UnavailableError('c is down');
      await wait(leaf === 'a' ? 120 : 1, signal);
      if (!info.claim()) throw supersededError();
      return ids.map((id) => `${leaf}:${id}`).join(',');
    };
    const r = await executeChildren({ children: children({ r1: ['a', 'b'], r2: ['a', 'c'] }), call, hedge: { defaultDelayMs: 10, minDelayMs: 1 } });
    expect(items(r)).toEqual(['a:r2', 'b:r1']);
    expect(r.health).toMatchObject({ expectedChildren: 2, completedChildren: 2, partial: false });
    expect(calls).toEqual(['a:r1,r2', 'b:r1', 'c:r2', 'a:r2']);
  });
});
