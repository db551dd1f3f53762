/**
 * Fault injection with real leaf processes (`node bin/canopy.js leaf`) on loopback behind an
 * in-process gateway (RF=2, 3 leaves: r0=[leaf-0, leaf-1], r1=[leaf-1, leaf-2], r2=[leaf-2,
 * leaf-0]; job api → r0, node → r1, web → r2), with real signals:
 *
 *  1. SIGSTOP the primary of r0: with hedging every answer stays complete and fast (hedged); on
 *     a gateway with hedging off the soft deadline gives up the range that leaf reads first
 *     (partial, `timeout` on it); SIGCONT restores complete answers;
 *  2. kill -9 a current primary in the middle of a bounded query loop: every answer complete,
 *     fallback_used; its breaker opens and later queries do not call it at all;
 *  3. kill -9 a second leaf (both replicas of one range down): WARN → partial, `unavailable` for
 *     exactly that range; ABORT → error carrying the health;
 *  4. restart both at their ports: the half-open breaker is probed and closes.
 *
 * Step 4 relies on the production channel options (CHANNEL_OPTIONS caps the reconnect backoff at
 * 2 s): with grpc-js's default (up to 120 s) a channel to a killed leaf keeps failing fast long
 * after the leaf is back at the same address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanopyError } from '../src/model/index.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore, type RangeAssignment } from '../src/shard/index.js';
import { labelsOf, silent, TestClient, type SeriesIn } from './gateway-harness.js';

const BIN = path.resolve('bin/canopy.js');
const T0 = 1_700_000_000_000;
const STEP = 15_000;
const N = 21;

function series(rec: Record<string, string>): SeriesIn {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < N; i++) {
    t.push(T0 - (N - 1 - i) * STEP);
    v.push(i);
  }
  return { labels: labelsOf(rec), t, v };
}

/** Which range holds each job's series (target keys "default"/job/…, 3 ranges). */
const JOB_RANGE: Record<string, string> = { api: 'r0', node: 'r1', web: 'r2' };

const DATA: SeriesIn[] = [
  series({ __name__: 'up', job: 'api', instance: 'a:1' }),
  series({ __name__: 'up', job: 'api', instance: 'a:2' }),
  series({ __name__: 'up', job: 'node', instance: 'n:1' }),
  series({ __name__: 'up', job: 'web', instance: 'w:1' }),
];

interface LeafProc {
  id: string;
  port: number;
  child: ChildProcess;
  exited: Promise<unknown>;
}

const procs: LeafProc[] = [];

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function spawnLeaf(id: string, port: number): Promise<LeafProc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'leaf', '--id', id, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CANOPY_LOG_LEVEL: 'warn' } });
    const p: LeafProc = { id, port, child, exited: new Promise((r) => child.on('exit', (code, sig) => r(sig ?? code))) };
    procs.push(p);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`leaf ${id} did not start: ${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/listening on/.test(out)) {
        clearTimeout(timer);
        resolve(p);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void p.exited.then((s) => {
      clearTimeout(timer);
      reject(new Error(`leaf ${id} exited (${String(s)}) before listening: ${out}`));
    });
  });
}

async function kill9(p: LeafProc): Promise<void> {
  process.kill(p.child.pid!, 'SIGKILL');
  await p.exited;
}

type Res = Awaited<ReturnType<TestClient['instant']>>;
const kinds = (r: Res): string[] => [...new Set(r.health!.issues.map((i) => i.kind))].sort();

async function metricValue(g: GatewayHandle, name: string, labels: Record<string, string>): Promise<number> {
  const m = await g.registry.getSingleMetric(name)?.get();
  let sum = 0;
  for (const v of m?.values ?? []) if (Object.entries(labels).every(([k, x]) => v.labels[k] === x)) sum += v.value;
  return sum;
}

describe('fault injection: real leaf processes, RF=2', () => {
  let store: MemoryAssignmentStore;
  let gw: GatewayHandle;
  let noHedge: GatewayHandle;
  let client: TestClient;
  let clientNoHedge: TestClient;
  let leaves: LeafProc[];
  let RANGES: RangeAssignment[];

  beforeAll(async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    leaves = await Promise.all(ports.map((port, i) => spawnLeaf(`leaf-${i}`, port)));
    RANGES = initialRanges(leaves.map((l) => l.id), { replicationFactor: 2 });
    store = new MemoryAssignmentStore({ leaves: leaves.map((l) => ({ id: l.id, address: `127.0.0.1:${l.port}` })), ranges: RANGES });
    const breaker = { resetTimeout: 1500, volumeThreshold: 3 };
    // A generous hedge budget: on a loaded machine, warm-up hedges could otherwise spend the
    // default one (10% of calls), and a spent budget means the hung primary is awaited.
    gw = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent, reliability: { breaker, hedgeBudget: { ratio: 0.5, burst: 50 } } });
    noHedge = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent, reliability: { hedge: false, breaker } });
    client = new TestClient(gw.address);
    clientNoHedge = new TestClient(noHedge.address);
    const w = await client.write('default', DATA);
    expect(w.acceptedSeries).toBe(DATA.length);
    expect(w.replicaErrors).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      try {
        process.kill(p.child.pid!, 'SIGCONT');
        process.kill(p.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    client?.close();
    clientNoHedge?.close();
    await gw?.stop();
    await noHedge?.stop();
    await Promise.all(procs.map((p) => p.exited));
  });

  /** The gateway's current read order: range id → primary leaf (Explain). */
  async function primaries(): Promise<Record<string, string>> {
    const ex = JSON.parse((await client.explain('up', T0)).json) as { reliability: { ranges: { rangeId: string; primary: string }[] } };
    return Object.fromEntries(ex.reliability.ranges.map((r) => [r.rangeId, r.primary]));
  }
  const leafProc = (id: string): LeafProc => leaves.find((l) => l.id === id)!;
  const jobsOf = (res: Res): string[] => res.vector.map((s) => s.labels.find((l) => l.name === 'job')!.value).sort();
  const jobsWithout = (rangeId: string): string[] => DATA.filter((d) => JOB_RANGE[d.labels.find((l) => l.name === 'job')!.value] !== rangeId).map((d) => d.labels.find((l) => l.name === 'job')!.value).sort();
  // Chosen as the test goes (which leaf is primary depends on the latencies seen so far).
  let stopped = '';
  let killed = '';
  let killed2 = '';

  it('SIGSTOP a leaf: hedging keeps answers complete and latency bounded; without hedging the soft deadline gives a partial answer; SIGCONT restores', async () => {
    for (let i = 0; i < 15; i++) expect((await client.instant('up', T0, { timeoutMs: 20_000 })).health!.partial).toBe(false); // warm up latencies
    stopped = (await primaries())['r0']!;
    process.kill(leafProc(stopped).child.pid!, 'SIGSTOP');
    try {
      const times: number[] = [];
      const issueKinds = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const t = performance.now();
        const res = await client.instant('up', T0, { timeoutMs: 20_000 });
        times.push(performance.now() - t);
        expect(res.vector, JSON.stringify({ stopped, i, ms: times.at(-1), health: res.health })).toHaveLength(4);
        expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
        for (const k of kinds(res)) issueKinds.add(k);
      }
      expect(issueKinds.has('hedged')).toBe(true);
      // Far below the 10 s soft deadline: the hedge delay (the leaf's p95, ≤ 500 ms) + one fallback call.
      expect(Math.max(...times)).toBeLessThan(2500);

      // Without hedging (a fresh gateway: assignment order), the stopped leaf's first range waits
      // for the soft deadline (1 s of a 2 s timeout) and is given up.
      const lost = RANGES.find((r) => r.replicas[0]!.leafId === stopped)!.id;
      const t = performance.now();
      const part = await clientNoHedge.instant('up', T0, { timeoutMs: 2000 });
      const ms = performance.now() - t;
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(2000);
      expect(part.health).toMatchObject({ expectedChildren: 3, completedChildren: 2, partial: true });
      expect(part.health!.issues.filter((i) => i.kind === 'timeout' || i.kind === 'unavailable')).toEqual([expect.objectContaining({ kind: 'timeout', rangeId: lost, leafId: stopped })]);
      expect(jobsOf(part)).toEqual(jobsWithout(lost));
      // The call given up at the soft deadline counts as a (censored) latency sample: the hung
      // leaf drops down the ranking, so the next query reads the range elsewhere, complete.
      const t2 = performance.now();
      const next = await clientNoHedge.instant('up', T0, { timeoutMs: 2000 });
      expect(performance.now() - t2).toBeLessThan(900);
      expect(next.health).toMatchObject({ completedChildren: 3, partial: false });
    } finally {
      process.kill(leafProc(stopped).child.pid!, 'SIGCONT');
    }
    const back = await clientNoHedge.instant('up', T0, { timeoutMs: 20_000 });
    expect(back.health).toMatchObject({ completedChildren: 3, partial: false });
    expect(back.vector).toHaveLength(4);
  }, 60_000);

  it('kill -9 a leaf during a bounded query loop: every answer complete, fallback_used; its breaker opens and calls skip it', async () => {
    const order = await primaries();
    killed = Object.values(order).find((id) => id !== stopped)!; // a primary (the stopped leaf was demoted as slow)
    let fallback = 0;
    let queries = 0;
    // The breaker opens once more than half of the leaf's calls in its 5 s window failed: query
    // until then (bounded), each answer complete.
    for (let i = 0; i < 80; i++) {
      if (i === 3) await kill9(leafProc(killed));
      const res = await client.instant('up', T0, { timeoutMs: 20_000 });
      queries++;
      expect(res.vector).toHaveLength(4);
      expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
      if (kinds(res).includes('fallback_used')) fallback++;
      if (i > 3 && (await metricValue(gw, 'canopy_breaker_state', { leaf: killed })) === 2) break;
    }
    expect(queries).toBeLessThan(80);
    expect(fallback).toBeGreaterThan(0);
    const ex = await client.explain('up', T0);
    expect(ex.text, ex.text).toMatch(new RegExp(`leaf ${killed}: breaker=open`));
    expect(JSON.parse(ex.json).reliability.leaves).toContainEqual(expect.objectContaining({ leafId: killed, breaker: 'open' }));
    // The resolver's read order: no range reads the open-breaker leaf first.
    const after = await primaries();
    for (const r of RANGES) if (r.replicas.some((x) => x.leafId === killed)) expect(after[r.id]).not.toBe(killed);
    expect(await metricValue(gw, 'canopy_breaker_state', { leaf: killed })).toBe(2);
    // While open: no call reaches the leaf, answers stay complete.
    const before = await metricValue(gw, 'canopy_gateway_leaf_calls_total', { leaf: killed });
    for (let i = 0; i < 5; i++) expect((await client.instant('up', T0, { timeoutMs: 20_000 })).health!.partial).toBe(false);
    expect(await metricValue(gw, 'canopy_gateway_leaf_calls_total', { leaf: killed })).toBe(before);
  }, 60_000);

  it('both replicas of a range down: WARN → partial with unavailable for exactly that range; ABORT → error', async () => {
    killed2 = leaves.map((l) => l.id).find((id) => id !== killed)!;
    await kill9(leafProc(killed2));
    const down = new Set([killed, killed2]);
    const lost = RANGES.find((r) => r.replicas.every((x) => down.has(x.leafId)))!.id;
    const res = await client.instant('up', T0, { timeoutMs: 20_000 });
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 2, partial: true });
    const failures = res.health!.issues.filter((i) => i.kind === 'unavailable' || i.kind === 'timeout');
    expect(failures.map((i) => [i.kind, i.rangeId])).toEqual([['unavailable', lost]]);
    expect(jobsOf(res)).toEqual(jobsWithout(lost));
    expect(res.warnings.join('\n')).toMatch(/partial response: 1 of 3 ranges missing/);

    const err = (await client.instant('up', T0, { partialResponse: 'ABORT', timeoutMs: 20_000 }).catch((e: unknown) => e)) as CanopyError;
    expect(err).toBeInstanceOf(CanopyError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(new RegExp(`partial response aborted: range ${lost} unavailable`));
    expect((err.detail as { health: { partial: boolean } }).health).toMatchObject({ partial: true, completedChildren: 2 });
    // A query that needs only that range: every child failing is an error whatever the strategy.
    const job = Object.entries(JOB_RANGE).find(([, r]) => r === lost)![0];
    await expect(client.instant(`up{job="${job}"}`, T0, { timeoutMs: 20_000 })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/all 1 children failed/) });
  }, 60_000);

  it('after recovery the half-open breaker is probed and closes', async () => {
    await Promise.all([killed, killed2].map(async (id) => {
      const i = leaves.findIndex((l) => l.id === id);
      leaves[i] = await spawnLeaf(id, leaves[i]!.port);
    }));
    let state = 'open';
    for (let i = 0; i < 50 && state !== 'closed'; i++) {
      await client.instant('up', T0, { timeoutMs: 20_000 });
      const ex = JSON.parse((await client.explain('up', T0)).json) as { reliability: { leaves: { leafId: string; breaker: string }[] } };
      state = ex.reliability.leaves.find((l) => l.leafId === killed)!.breaker;
      if (state !== 'closed') await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('closed');
    expect(await metricValue(gw, 'canopy_breaker_state', { leaf: killed })).toBe(0);
    // The restarted leaves hold no data (memory only) but answer: the query is complete again
    // (once their hint streams resynced, their ranges are pruned by hint: they hold no `up`).
    const res = await client.instant('up', T0, { timeoutMs: 20_000 });
    const h = res.health as { expectedChildren: number; completedChildren: number; partial: boolean; prunedByHint: number };
    expect(h.partial).toBe(false);
    expect(h.completedChildren).toBe(h.expectedChildren);
    expect(h.expectedChildren + h.prunedByHint).toBe(3);
  }, 60_000);
});
