/**
 * Rebalance benchmark: moving a range that holds 1M samples between two real leaves (separate
 * `canopy leaf` processes, gRPC on loopback; --in-process runs them in this process) through the
 * full move protocol (src/balancer/mover.ts: initializing
 * replica that receives writes, chunked Leaf.Transfer merged with live writes, available, leaving,
 * removed), while a writer keeps writing into that range through the gateway.
 *
 * Measured per run: the move's wall time and samples/s (history samples ÷ move time, propagation
 * waits included; transfer-only figures as extra rows), write p99 latency during the move vs the
 * same writer in an equally long window without a move, and after the move an exact check of
 * every acknowledged sample on the new replica (lost: absent; duplicated: present more than once).
 *
 * Args: --series N (default 1,000) × --samples N per series (default 1,000) = history,
 *       --runs N (default 3, median), --propagation-ms N (default 200),
 *       --write-series N (series per live write, default 50), --base-ms N (baseline window before
 *       the move, default 2,000), --etcd URL (use etcd, default memory), --in-process.
 * The gateway, the store and the writer run in this process. With leaf processes the check is the
 * gateway's count_over_time per series against the acknowledged count (a leaf never holds two
 * samples at one timestamp, so equality means none lost and none duplicated); in-process it
 * reads the new replica's store sample by sample.
 * Summary keys: move_s, move_samples_per_s, write_p99_ratio, lost_samples, duplicated_samples.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { moveReplica } from '../src/balancer/index.js';
import { GatewayClient } from '../src/cli/index.js';
import { startLeaf, startLeafRegistration, type LeafHandle, type LeafMembership } from '../src/leaf/index.js';
import { labelsKey, type Labels } from '../src/model/index.js';
import { startGateway } from '../src/router/index.js';
import { EtcdAssignmentStore, initialRanges, MemoryAssignmentStore, type AssignmentStore } from '../src/shard/index.js';
import { intArg, median } from './lib-cluster.js';
import type { BenchOptions, BenchResult } from './run.js';

const T0 = 1_700_000_000_000;
const silent = pino({ level: 'silent' });

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/canopy.js');

/** A `canopy leaf` process; resolves with its address once it listens. */
function spawnLeaf(id: string): Promise<{ child: ChildProcess; address: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'leaf', '--id', id, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`leaf ${id} did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1]! });
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => reject(new Error(`leaf ${id} exited with ${code}: ${out}`)));
  });
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
}

interface RunResult {
  moveS: number;
  transferS: number;
  samples: number;
  p99Base: number;
  p99Move: number;
  writesBase: number;
  writesMove: number;
  lost: number;
  duplicated: number;
  acked: number;
}

async function oneRun(o: BenchOptions, run: number): Promise<RunResult> {
  const nSeries = intArg(o.args, 'series', 1_000);
  const nSamples = intArg(o.args, 'samples', 1_000);
  const propagationMs = intArg(o.args, 'propagation-ms', 200);
  const writeSeries = Math.min(nSeries, intArg(o.args, 'write-series', 50));
  const etcdIdx = o.args.indexOf('--etcd');
  const etcdUrl = etcdIdx >= 0 ? o.args[etcdIdx + 1] : undefined;

  const inProcess = o.args.includes('--in-process');
  const leaves: LeafHandle[] = [];
  const members: LeafMembership[] = [];
  const procs: ChildProcess[] = [];
  let store: AssignmentStore;
  if (etcdUrl) {
    store = await EtcdAssignmentStore.connect({ endpoints: etcdUrl, prefix: `/bench-rebalance-${process.pid}-${run}/canopy/v1/`, logger: silent });
  } else store = new MemoryAssignmentStore();
  if (inProcess) {
    for (let i = 1; i <= 2; i++) leaves.push(await startLeaf({ id: `leaf-${i}`, listen: '127.0.0.1:0', logger: silent }));
    for (const leaf of leaves) members.push(await startLeafRegistration({ store, leaf, logger: silent, loadEveryMs: 60_000, dropGraceMs: 500 }));
  } else {
    // Leaf processes registered statically (this bench's store is in this process).
    for (let i = 1; i <= 2; i++) {
      const l = await spawnLeaf(`leaf-${i}`);
      procs.push(l.child);
      await store.putLeaf({ id: `leaf-${i}`, address: l.address });
    }
  }
  const ranges = initialRanges(['leaf-1', 'leaf-2']);
  await store.updateRanges(ranges.map((r) => r.id), () => ({ put: ranges }));
  const gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent });
  const client = new GatewayClient(gateway.address);
  try {
    // History: every series in r0 (jobs a…m sort before the split at "n"), on leaf-1.
    const series: Labels[] = [];
    for (let i = 0; i < nSeries; i++) {
      series.push([
        { name: '__name__', value: 'bench_rebalance' },
        { name: 'instance', value: `i${i % 50}` },
        { name: 'job', value: `${String.fromCharCode(97 + (i % 13))}job${Math.floor(i / 50)}` },
      ]);
    }
    const acked = new Map<string, number>(series.map((s) => [labelsKey(s), 0])); // samples acked per series (a prefix of time)
    const t = new Float64Array(nSamples);
    const v = new Float64Array(nSamples);
    for (let i = 0; i < nSamples; i++) {
      t[i] = T0 + i * 1000;
      v[i] = i;
    }
    const loadStart = performance.now();
    const batch = Math.max(1, Math.floor(100_000 / nSamples));
    for (let i = 0; i < series.length; i += batch) {
      const part = series.slice(i, i + batch);
      const res = await client.write('', part.map((labels) => ({ labels, t, v })));
      if (res.rejections.length > 0) throw new Error(`history write rejected: ${res.rejections[0]!.message}`);
      for (const s of part) acked.set(labelsKey(s), nSamples);
    }
    o.log(`run ${run}: loaded ${(nSeries * nSamples).toLocaleString('en-US')} samples in ${((performance.now() - loadStart) / 1000).toFixed(1)}s`);

    // The live writer: one in flight, `writeSeries` series × 1 sample per request, continuing in time.
    const writers = series.slice(0, writeSeries);
    let next = nSamples;
    let failures = 0;
    const writeLoop = async (lat: number[], until: () => boolean): Promise<void> => {
      for (let k = 0; k < 1_000_000 && !until(); k++) {
        const ts = new Float64Array([T0 + next * 1000]);
        const vs = new Float64Array([next]);
        const started = performance.now();
        try {
          const res = await client.write('', writers.map((labels) => ({ labels, t: ts, v: vs })));
          lat.push(performance.now() - started);
          const bad = new Set(res.rejections.map((r) => r.seriesIndex));
          writers.forEach((s, i) => {
            if (!bad.has(i)) acked.set(labelsKey(s), next + 1);
          });
          if (bad.size > 0) failures++;
        } catch {
          failures++;
        }
        next++;
        await new Promise((r) => setTimeout(r, 2));
      }
    };

    // Warm-up, then the baseline window (no move), then the same writer during the move.
    const baseMs = intArg(o.args, 'base-ms', 2_000);
    const warmEnd = performance.now() + 500;
    await writeLoop([], () => performance.now() >= warmEnd);
    const latBase: number[] = [];
    const baseEnd = performance.now() + baseMs;
    await writeLoop(latBase, () => performance.now() >= baseEnd);

    const latMove: number[] = [];
    let moving = true;
    const moveWriter = writeLoop(latMove, () => !moving);
    const moveStart = performance.now();
    const out = await moveReplica({ store, logger: pino({ level: 'warn' }, pino.destination(2)), propagationMs }, { rangeId: 'r0', from: 'leaf-1', to: 'leaf-2' });
    const moveS = (performance.now() - moveStart) / 1000;
    moving = false;
    await moveWriter;
    if (failures > 0) throw new Error(`${failures} live writes failed`);

    // Exact check on the new replica: samples 0 … acked−1 of every series, each exactly once.
    let lost = 0;
    let duplicated = 0;
    let total = 0;
    if (!inProcess) {
      const q = await client.instant({ query: `count_over_time(bench_rebalance[${next + 10}s])`, timeMs: T0 + (next - 1) * 1000 });
      const counts = new Map(q.vector.map((x) => [labelsKey(x.labels.filter((l) => l.name !== '__name__').map((l) => ({ name: l.name, value: l.value }))), x.value]));
      for (const s of series) {
        const want = acked.get(labelsKey(s))!;
        const got = counts.get(labelsKey(s.filter((l) => l.name !== '__name__'))) ?? 0;
        total += want;
        if (got < want) lost += want - got;
        if (got > want) duplicated += got - want;
      }
      if (q.health?.partial) throw new Error('the count query was partial');
      const r0 = store.ranges().find((r) => r.id === 'r0')!;
      if (r0.replicas.length !== 1 || r0.replicas[0]!.leafId !== 'leaf-2') throw new Error('r0 did not end on leaf-2 alone');
    }
    const dest = leaves[1]?.store;
    for (const s of inProcess ? series : []) {
      const got = await dest!.querier('default').select(s.map((l) => ({ type: '=' as const, name: l.name, value: l.value })), { start: -Infinity, end: Infinity });
      const ts = got[0]?.t ?? new Float64Array(0);
      const want = acked.get(labelsKey(s))!;
      total += want;
      const seen = new Uint8Array(want);
      for (const x of ts) {
        const i = Math.round((x - T0) / 1000);
        if (i < 0 || i >= want) continue;
        if (seen[i]) duplicated++;
        seen[i] = 1;
      }
      for (let i = 0; i < want; i++) if (!seen[i]) lost++;
    }
    const transferS = out.seconds - (2 * propagationMs) / 1000;
    return { moveS, transferS, samples: out.samples, p99Base: p99(latBase), p99Move: p99(latMove), writesBase: latBase.length, writesMove: latMove.length, lost, duplicated, acked: total };
  } finally {
    client.close();
    await gateway.stop();
    for (const m of members) await m.stop();
    for (const l of leaves) await l.stop();
    for (const p of procs) {
      if (p.exitCode !== null || p.pid === undefined) continue;
      const exited = new Promise((r) => p.once('exit', r));
      process.kill(p.pid, 'SIGTERM');
      await exited;
    }
    await store.close();
  }
}

export async function run(o: BenchOptions): Promise<BenchResult> {
  const runs = intArg(o.args, 'runs', 3);
  const results: RunResult[] = [];
  for (let i = 1; i <= runs; i++) {
    const r = await oneRun(o, i);
    o.log(`run ${i}: move ${r.moveS.toFixed(2)}s (${r.samples.toLocaleString('en-US')} samples copied), write p99 ${r.p99Move.toFixed(1)} ms during vs ${r.p99Base.toFixed(1)} ms without, lost ${r.lost}, duplicated ${r.duplicated}`);
    results.push(r);
  }
  const rows = results.map((r, i) => ({
    run: i + 1,
    move_s: r.moveS,
    transfer_s: r.transferS,
    samples_copied: r.samples,
    move_samples_per_s: Math.round(r.samples / r.moveS),
    transfer_samples_per_s: Math.round(r.samples / Math.max(1e-3, r.transferS)),
    write_p99_ms_move: r.p99Move,
    write_p99_ms_base: r.p99Base,
    writes_move: r.writesMove,
    writes_base: r.writesBase,
    acked_samples: r.acked,
    lost: r.lost,
    duplicated: r.duplicated,
  }));
  const moveS = median(results.map((r) => r.moveS));
  return {
    title: 'rebalance: move a range holding the history (default 1M samples) under live writes',
    rows,
    summary: {
      move_s: Number(moveS.toFixed(3)),
      move_samples_per_s: Math.round(median(results.map((r) => r.samples / r.moveS))),
      write_p99_ratio: Number(median(results.map((r) => r.p99Move / Math.max(1e-6, r.p99Base))).toFixed(3)),
      lost_samples: results.reduce((s, r) => s + r.lost, 0),
      duplicated_samples: results.reduce((s, r) => s + r.duplicated, 0),
    },
  };
}
