/**
 * Fault injection with real leaf processes (`node bin/canopy.js leaf`) on loopback behind an
 * in-process gateway (RF=2, 3 leaves: r0=[leaf-0, leaf-1], r1=[leaf-1, leaf-2], r2=[leaf-2,
 * leaf-0]; job api → r0, node → r1, web → r2), with real signals:
 *
 *  1. SIGSTOP leaf-0: with hedging every answer stays complete and fast (hedged); on a gateway
 *     with hedging off the soft deadline gives up r0 (partial, `timeout` on leaf-0); SIGCONT
 *     restores complete answers;
 *  2. kill -9 leaf-2 (primary of r2: leaf-0 was demoted as slow by step 1) in the middle of a
 *     bounded query loop: every answer complete, fallback_used; its breaker opens and later
 *     queries do not call it at all;
 *  3. kill -9 leaf-1 too (both replicas of r1 down): WARN → partial, `unavailable` for exactly
 *     r1; ABORT → error carrying the health;
 *  4. restart both at their ports: the half-open breaker is probed and closes.
 *
 * The gateway's channels get a 1 s maximum reconnect backoff here (CHANNEL_OPTIONS is shared):
 * with grpc-js's default (up to 120 s) a channel to a killed leaf keeps failing fast long after
 * the leaf is back at the same address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanopyError } from '../src/model/index.js';
import { CHANNEL_OPTIONS } from '../src/rpc/index.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore } from '../src/shard/index.js';
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

  beforeAll(async () => {
    (CHANNEL_OPTIONS as Record<string, unknown>)['grpc.max_reconnect_backoff_ms'] = 1000;
    (CHANNEL_OPTIONS as Record<string, unknown>)['grpc.initial_reconnect_backoff_ms'] = 200;
    const ports = [await freePort(), await freePort(), await freePort()];
    leaves = await Promise.all(ports.map((port, i) => spawnLeaf(`leaf-${i}`, port)));
    const ranges = initialRanges(leaves.map((l) => l.id), { replicationFactor: 2 });
    store = new MemoryAssignmentStore({ leaves: leaves.map((l) => ({ id: l.id, address: `127.0.0.1:${l.port}` })), ranges });
    const breaker = { resetTimeout: 1500, volumeThreshold: 3 };
    gw = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent, reliability: { breaker } });
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

  it('SIGSTOP a leaf: hedging keeps answers complete and latency bounded; without hedging the soft deadline gives a partial answer; SIGCONT restores', async () => {
    for (let i = 0; i < 15; i++) expect((await client.instant('up', T0)).health!.partial).toBe(false); // warm up latencies
    process.kill(leaves[0]!.child.pid!, 'SIGSTOP');
    try {
      const times: number[] = [];
      const issueKinds = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const t = performance.now();
        const res = await client.instant('up', T0, { timeoutMs: 10_000 });
        times.push(performance.now() - t);
        expect(res.vector).toHaveLength(4);
        expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
        for (const k of kinds(res)) issueKinds.add(k);
      }
      expect(issueKinds.has('hedged')).toBe(true);
      // Far below the 5 s soft deadline: p95 hedge delay (≤ 500 ms) + one fallback call.
      expect(Math.max(...times)).toBeLessThan(1500);

      const t = performance.now();
      const part = await clientNoHedge.instant('up', T0, { timeoutMs: 1000 });
      const ms = performance.now() - t;
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(1000);
      expect(part.health).toMatchObject({ expectedChildren: 3, completedChildren: 2, partial: true });
      expect(part.health!.issues.filter((i) => i.kind === 'timeout')).toEqual([expect.objectContaining({ kind: 'timeout', rangeId: 'r0', leafId: 'leaf-0' })]);
      expect(part.vector.map((s) => s.labels.find((l) => l.name === 'job')!.value).sort()).toEqual(['node', 'web']);
    } finally {
      process.kill(leaves[0]!.child.pid!, 'SIGCONT');
    }
    const back = await clientNoHedge.instant('up', T0, { timeoutMs: 5000 });
    expect(back.health).toMatchObject({ completedChildren: 3, partial: false });
    expect(back.vector).toHaveLength(4);
  }, 30_000);

  it('kill -9 a leaf during a bounded query loop: every answer complete, fallback_used; its breaker opens and calls skip it', async () => {
    let fallback = 0;
    let queries = 0;
    // The breaker opens once more than half of the leaf's calls in its 5 s window failed: query
    // until then (bounded), each answer complete.
    for (let i = 0; i < 80; i++) {
      if (i === 3) await kill9(leaves[2]!);
      const res = await client.instant('up', T0, { timeoutMs: 5000 });
      queries++;
      expect(res.vector).toHaveLength(4);
      expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
      if (kinds(res).includes('fallback_used')) fallback++;
      if (i > 3 && (await metricValue(gw, 'canopy_breaker_state', { leaf: 'leaf-2' })) === 2) break;
    }
    expect(queries).toBeLessThan(80);
    expect(fallback).toBeGreaterThan(0);
    const ex = await client.explain('up', T0);
    expect(ex.text, ex.text).toMatch(/leaf leaf-2: breaker=open/);
    expect(JSON.parse(ex.json).reliability.leaves).toContainEqual(expect.objectContaining({ leafId: 'leaf-2', breaker: 'open' }));
    // The resolver's read order: r2 = [leaf-2, leaf-0] in the assignment, leaf-0 first while leaf-2's breaker is open.
    expect(ex.text).toMatch(/range r2: primary=leaf-0 fallbacks=\[leaf-2\]/);
    expect(await metricValue(gw, 'canopy_breaker_state', { leaf: 'leaf-2' })).toBe(2);
    // While open: no call reaches leaf-2, answers stay complete.
    const before = await metricValue(gw, 'canopy_gateway_leaf_calls_total', { leaf: 'leaf-2' });
    for (let i = 0; i < 5; i++) expect((await client.instant('up', T0)).health!.partial).toBe(false);
    expect(await metricValue(gw, 'canopy_gateway_leaf_calls_total', { leaf: 'leaf-2' })).toBe(before);
  }, 30_000);

  it('both replicas of a range down: WARN → partial with unavailable for exactly that range; ABORT → error', async () => {
    await kill9(leaves[1]!);
    const res = await client.instant('up', T0, { timeoutMs: 5000 });
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 2, partial: true });
    const failures = res.health!.issues.filter((i) => i.kind === 'unavailable' || i.kind === 'timeout');
    expect(failures.map((i) => [i.kind, i.rangeId])).toEqual([['unavailable', 'r1']]);
    expect(res.vector.map((s) => s.labels.find((l) => l.name === 'job')!.value).sort()).toEqual(['api', 'api', 'web']);
    expect(res.warnings.join('\n')).toMatch(/partial response: 1 of 3 ranges missing/);

    const err = (await client.instant('up', T0, { partialResponse: 'ABORT', timeoutMs: 5000 }).catch((e: unknown) => e)) as CanopyError;
    expect(err).toBeInstanceOf(CanopyError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/partial response aborted: range r1 unavailable/);
    expect((err.detail as { health: { partial: boolean } }).health).toMatchObject({ partial: true, completedChildren: 2 });
    // A query that needs only r1: every child failing is an error whatever the strategy.
    await expect(client.instant('up{job="node"}', T0, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/all 1 children failed/) });
  }, 30_000);

  it('after recovery the half-open breaker is probed and closes', async () => {
    [leaves[1], leaves[2]] = await Promise.all([spawnLeaf('leaf-1', leaves[1]!.port), spawnLeaf('leaf-2', leaves[2]!.port)]);
    let state = 'open';
    for (let i = 0; i < 50 && state !== 'closed'; i++) {
      await client.instant('up', T0, { timeoutMs: 5000 });
      const ex = JSON.parse((await client.explain('up', T0)).json) as { reliability: { leaves: { leafId: string; breaker: string }[] } };
      state = ex.reliability.leaves.find((l) => l.leafId === 'leaf-2')!.breaker;
      if (state !== 'closed') await new Promise((r) => setTimeout(r, 200));
    }
    expect(state).toBe('closed');
    expect(await metricValue(gw, 'canopy_breaker_state', { leaf: 'leaf-2' })).toBe(0);
    // The restarted leaves hold no data (memory only) but answer: the query is complete again.
    const res = await client.instant('up', T0, { timeoutMs: 5000 });
    expect(res.health).toMatchObject({ expectedChildren: 3, completedChildren: 3, partial: false });
  }, 30_000);
});
