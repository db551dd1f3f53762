/**
 * The fan-out executor against real leaves over gRPC on loopback (RF = 2): a stopped leaf's
 * ranges are read from their fallback replica, and a leaf delayed by a real gRPC delay proxy is
 * hedged away — the answer is complete and arrives long before the delay.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../bench/tail.js';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { BreakerRegistry, executeChildren, LatencyTracker, type LeafCall } from '../src/reliability/index.js';
import { matchersToProto } from '../src/router/index.js';
import { LeafClient, type ExecuteEvent } from '../src/rpc/index.js';
import { initialRanges, type RangeAssignment } from '../src/shard/index.js';

const N = 60;
const T0 = 1_700_000_000_000;
let leaves: LeafHandle[] = [];
let proxies: DelayProxy[] = [];
let ranges: RangeAssignment[] = [];
const clients = new Map<string, LeafClient>();

beforeAll(async () => {
  const logger = pino({ level: 'silent' });
  for (const id of ['leaf-1', 'leaf-2']) {
    const leaf = await startLeaf({ id, logger });
    leaves.push(leaf);
    proxies.push(await startDelayProxy(leaf.address));
  }
  ranges = initialRanges(['leaf-1', 'leaf-2'], { replicationFactor: 2 });
  const series = Array.from({ length: N }, (_, i) => ({
    labels: [
      { name: '__name__', value: 'm' },
      { name: 'instance', value: `i${i}` },
      { name: 'job', value: `j${i % 7}` },
    ],
    t: [T0, T0 + 15_000],
    v: [i, i + 1],
  }));
  for (let i = 0; i < leaves.length; i++) {
    const c = new LeafClient(proxies[i]!.address);
    clients.set(leaves[i]!.id, c);
    await c.write('', series); // every leaf is a replica of every range
  }
});

afterAll(async () => {
  for (const c of clients.values()) c.close();
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(leaves.map((l) => l.stop()));
});

const call: LeafCall<ExecuteEvent> = (leafId, childIds, signal, info) =>
  clients.get(leafId)!.execute(
    {
      tenant: '',
      queryId: 'reliability-test',
      ranges: childIds.map((id) => {
        const r = ranges.find((x) => x.id === id)!;
        return { id, start: Buffer.from(r.start), end: Buffer.from(r.end) };
      }),
      maxSamples: 0,
      fragment: { selector: { matchers: matchersToProto([{ type: '=', name: '__name__', value: 'm' }]), startMs: T0 - 1, endMs: T0 + 60_000, raw: true, labelsOnly: false } },
    },
    { signal, deadlineMs: info.deadlineAt },
  );

const seriesCount = (rs: { items: ExecuteEvent[] }[]): number => rs.reduce((n, r) => n + r.items.reduce((k, e) => k + (e.kind === 'batch' ? e.series.length : 0), 0), 0);

describe('executeChildren over real leaves', () => {
  it('reads every series once from the primaries when healthy', async () => {
    const children = ranges.map((r) => ({ id: r.id, replicas: r.replicas.map((x) => x.leafId) }));
    const res = await executeChildren({ children, call, hedge: false });
    expect(seriesCount(res.results)).toBe(N);
    expect(res.health).toMatchObject({ expectedChildren: ranges.length, completedChildren: ranges.length, partial: false, issues: [] });
  });

  it('hedges a leaf delayed by 2 s: complete answer well before the delay, hedged + fallback_used', async () => {
    proxies[0]!.delayMs = 2000;
    try {
      const children = ranges.map((r) => ({ id: r.id, replicas: ['leaf-1', 'leaf-2'] }));
      const latency = new LatencyTracker();
      const t0 = performance.now();
      const res = await executeChildren({ children, call, latency, hedge: { defaultDelayMs: 50 } });
      expect(performance.now() - t0).toBeLessThan(1500);
      expect(seriesCount(res.results)).toBe(N);
      expect(res.health.partial).toBe(false);
      expect(new Set(res.issues.map((i) => i.kind))).toEqual(new Set(['hedged', 'fallback_used']));
      expect(latency.ewma('leaf-1')).toBeGreaterThanOrEqual(50); // the censored sample demotes it
    } finally {
      proxies[0]!.delayMs = 0;
    }
  });

  it('a stopped leaf: its ranges come from the fallback; the breaker then opens and skips it', async () => {
    const proxy = proxies[0]!;
    await proxy.stop(); // connection refused from now on
    const breakers = new BreakerRegistry({ volumeThreshold: 1 });
    try {
      const children = ranges.map((r) => ({ id: r.id, replicas: ['leaf-1', 'leaf-2'] }));
      const res = await executeChildren({ children, call, breakers, hedge: false });
      expect(seriesCount(res.results)).toBe(N);
      expect(res.health).toMatchObject({ partial: false, completedChildren: ranges.length });
      expect(res.issues.every((i) => i.kind === 'fallback_used' && i.leafId === 'leaf-2')).toBe(true);
      expect(breakers.state('leaf-1')).toBe('open');
      const again = await executeChildren({ children, call, breakers, hedge: false });
      expect(seriesCount(again.results)).toBe(N);
      expect(again.issues[0]!.message).toContain('circuit breaker open for leaf-1');
      // Only the stopped leaf: every child fails, which is an error whatever the strategy.
      const only = ranges.map((r) => ({ id: r.id, replicas: ['leaf-1'] }));
      await expect(executeChildren({ children: only, call, breakers, strategy: 'warn' })).rejects.toThrow(/^all 2 children failed/);
    } finally {
      breakers.close();
    }
  });
});
