/**
 * The daemons as separate processes against a real etcd: `canopy leaf --etcd` ×3 register under
 * leases, `canopy gateway --etcd --balancer --replication 2` bootstraps the ranges over them;
 * writes and queries go through the gateway, `canopy move` moves a replica across processes
 * (history copied leaf to leaf), and a leaf stopped cleanly leaves the membership at once.
 * Crash → lease expiry → re-replication is covered in etcd-control-plane.test.ts (short TTLs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../src/cli/index.js';
import { EtcdAssignmentStore } from '../src/shard/index.js';
import { silent, waitFor } from './helpers/etcd-cluster.js';
import { startEtcd, type EtcdHandle } from './helpers/etcd.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/canopy.js');
const T0 = 1_700_000_000_000;

interface Proc {
  child: ChildProcess;
  out: () => string;
}

const procs: Proc[] = [];
function daemon(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const p = { child, out: () => out };
  procs.push(p);
  return p;
}

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = daemon(args);
    p.child.on('close', (code) => resolve({ code, out: p.out() }));
  });
}

let etcd: EtcdHandle;
let store: EtcdAssignmentStore;
beforeAll(async () => {
  etcd = await startEtcd();
  store = await EtcdAssignmentStore.connect({ endpoints: etcd.url, logger: silent });
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.pid) process.kill(p.child.pid, 'SIGKILL');
  await store?.close();
  await etcd?.close();
});

describe('daemons with --etcd', () => {
  it('leaves register, the gateway bootstraps ranges, writes/queries/moves work across processes', async () => {
    const leaves = ['l1', 'l2', 'l3'].map((id) => daemon(['leaf', '--id', id, '--etcd', etcd.url]));
    await waitFor(() => store.leaves().length === 3, 20_000, 'three leaves registered');
    const gw = daemon(['gateway', '--etcd', etcd.url, '--grpc-addr', '127.0.0.1:0', '--http-addr', '', '--balancer', '--replication', '2']);
    await waitFor(() => /listening on (\S+)/.test(gw.out()), 20_000, `gateway start: ${gw.out()}`);
    const addr = /listening on (\S+)/.exec(gw.out())![1]!;
    expect(gw.out()).toMatch(/3 leaves, 3 ranges\); balancer campaigning/);
    expect(store.ranges().map((r) => r.replicas.length)).toEqual([2, 2, 2]);

    const client = new GatewayClient(addr);
    try {
      const t = Array.from({ length: 100 }, (_, i) => T0 + i * 1000);
      const v = t.map((_, i) => i);
      const series = ['api', 'db', 'kafka', 'web'].map((job) => ({ labels: [{ name: '__name__', value: 'd_test' }, { name: 'job', value: job }], t, v }));
      const res = await client.write('', series);
      expect(res.acceptedSamples).toBe(400);
      const count = async (): Promise<number> => (await client.instant({ query: 'sum(count_over_time(d_test[1h]))', timeMs: T0 + 99_000 })).vector[0]?.value ?? 0;
      expect(await count()).toBe(400);

      const r0 = store.ranges()[0]!;
      const from = r0.replicas[0]!.leafId;
      const to = ['l1', 'l2', 'l3'].find((id) => !r0.replicas.some((x) => x.leafId === id))!;
      const mv = await run(['move', r0.id, from, to, '--addr', addr]);
      expect(mv.code, mv.out).toBe(0);
      expect(mv.out).toMatch(new RegExp(`range ${r0.id}: ${from} → ${to} done`));
      await waitFor(() => store.ranges()[0]!.replicas.some((x) => x.leafId === to && x.state === 'available'), 5_000, 'move visible');
      expect(await count()).toBe(400);

      const rg = await run(['ranges', '--addr', addr, '--json']);
      expect(rg.code).toBe(0);
      expect((JSON.parse(rg.out) as unknown[]).length).toBe(3);
    } finally {
      client.close();
    }
    // A clean stop revokes the lease at once.
    leaves[2]!.child.kill('SIGTERM');
    await waitFor(() => store.leaves().length === 2, 10_000, 'clean stop unregisters');
  });
});
