/**
 * Pushdown: bytes sent leaf → gateway and end-to-end latency of two queries with pushdown
 * (fragments evaluated on the leaves, partial states merged at the gateway) vs without (raw
 * series fetched, everything evaluated at the gateway), over 100,000 series each, a 1 h range
 * query at 15 s steps, through a cluster of 4 leaf processes (`canopy leaf`, 20 ranges) and a
 * gateway, real gRPC on loopback:
 *
 *   sum_rate: sum by (job) (rate(http_requests_total[5m]))
 *   hist_q:   histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))
 *
 * Data: 20 jobs × 500 instances × 10 (paths / `le` buckets) per metric, a sample every 15 s for
 * 65 min. Bytes are the Arrow bytes the gateway received (QueryStats.bytes_fetched); latency is
 * the client's wall time; one warm-up, then the median of `--runs` (default 3). Both modes must
 * give the same answer (1e-9 relative), checked once per query.
 * Summary keys: bytes_ratio, latency_ratio (worst query: bytes / latency without ÷ with), and per
 * query `<name>_bytes_ratio`, `<name>_latency_ratio`, `<name>_bytes_with`, `<name>_bytes_without`,
 * `<name>_ms_with`, `<name>_ms_without`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { BenchOptions, BenchResult } from './run.js';
import { intArg, median } from './lib-cluster.js';
import { GatewayClient } from '../src/cli/index.js';
import { DEFAULT_TENANT, encodeTuple } from '../src/model/index.js';
import { startGateway } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore } from '../src/shard/index.js';
import type { QueryResponse__Output } from '../src/rpc/gen/canopy/v1/QueryResponse.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/canopy.js');
const LEAVES = 4;

/** Starts `canopy leaf` as its own process; resolves with its address once it listens. */
function leafProcess(id: string, children: ChildProcess[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'leaf', '--id', id, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`leaf ${id} did not start: ${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`leaf ${id} exited (code ${code}, signal ${signal}): ${out.slice(-2000)}\n`);
      reject(new Error(`leaf ${id} exited with ${code}: ${out}`));
    });
  });
}

/**
 * 4 leaf processes (each its own event loop and heap, as deployed) and an in-process gateway
 * over them; the key space is cut into one range per job (20 ranges, 5 per leaf).
 */
async function startProcessCluster(): Promise<{ client: GatewayClient; stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
  };
  try {
    const ids = Array.from({ length: LEAVES }, (_, i) => `leaf-${i}`);
    const addrs = await Promise.all(ids.map((id) => leafProcess(id, children)));
    const splitKeys = Array.from({ length: JOBS - 1 }, (_, j) => encodeTuple([DEFAULT_TENANT, jobName(j + 1)]));
    const store = new MemoryAssignmentStore({ leaves: ids.map((id, i) => ({ id, address: addrs[i]! })), ranges: initialRanges(ids, { splitKeys }) });
    const gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: pino({ level: 'error' }, pino.destination(2)), defaultTimeoutMs: 600_000 });
    const client = new GatewayClient(gateway.address);
    return {
      client,
      async stop() {
        client.close();
        await gateway.stop();
        kill();
      },
    };
  } catch (e) {
    kill();
    throw e;
  }
}

const jobName = (j: number): string => `job-${String(j).padStart(2, '0')}`;

const STEP_MS = 15_000;
const END = 1_700_003_600_000;
const START = END - 3_600_000;
const DATA_START = START - 5 * 60_000;
const JOBS = 20;
const INSTANCES = 500;
const FANOUT = 10;
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

const QUERIES = [
  { name: 'sum_rate', query: 'sum by (job) (rate(http_requests_total[5m]))' },
  { name: 'hist_q', query: 'histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))' },
];

function rnd(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type SeriesOut = { labels: { name: string; value: string }[]; t: Float64Array; v: Float64Array };

/** One target's series (10 per metric); counters with per-series rates. */
function targetSeries(job: number, inst: number, r: () => number): SeriesOut[] {
  const n = Math.floor((END - DATA_START) / STEP_MS) + 1;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = DATA_START + i * STEP_MS;
  const out: SeriesOut[] = [];
  const common = [
    { name: 'instance', value: `i-${String(inst).padStart(3, '0')}` },
    { name: 'job', value: jobName(job) },
  ];
  for (let p = 0; p < FANOUT; p++) {
    const v = new Float64Array(n);
    const rate = 1 + r() * 10;
    for (let i = 1; i < n; i++) v[i] = v[i - 1]! + rate * 15 * (0.5 + r());
    out.push({ labels: [{ name: '__name__', value: 'http_requests_total' }, ...common, { name: 'path', value: `/p${p}` }], t, v });
  }
  const base = new Float64Array(n);
  for (let i = 1; i < n; i++) base[i] = base[i - 1]! + Math.floor(r() * 20);
  LE.forEach((le, b) => {
    const v = new Float64Array(n);
    const frac = (b + 1) / LE.length;
    for (let i = 0; i < n; i++) v[i] = Math.floor(base[i]! * frac);
    out.push({ labels: [{ name: '__name__', value: 'http_request_duration_seconds_bucket' }, ...common, { name: 'le', value: le }], t, v });
  });
  return out;
}

function sameAnswer(a: QueryResponse__Output, b: QueryResponse__Output): string | null {
  if (a.matrix.length !== b.matrix.length) return `${a.matrix.length} vs ${b.matrix.length} series`;
  const key = (s: QueryResponse__Output['matrix'][number]): string => JSON.stringify(s.labels.map((l) => [l.name, l.value]).sort());
  const bm = new Map(b.matrix.map((s) => [key(s), s]));
  for (const s of a.matrix) {
    const o = bm.get(key(s));
    if (!o || o.values.length !== s.values.length) return `series ${key(s)} differs`;
    for (let i = 0; i < s.values.length; i++) {
      const x = s.values[i]!;
      const y = o.values[i]!;
      if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)))) return `${key(s)}[${i}]: ${x} vs ${y}`;
    }
  }
  return null;
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const runs = intArg(opts.args, 'runs', 3);
  // --instances N scales the data set down for quick runs (default 500 → 100,000 series per metric).
  const instances = intArg(opts.args, 'instances', INSTANCES);
  const bc = await startProcessCluster();
  try {
    const r = rnd(42);
    const t0 = performance.now();
    let batch: SeriesOut[] = [];
    let written = 0;
    for (let j = 0; j < JOBS; j++) {
      for (let i = 0; i < instances; i++) {
        batch.push(...targetSeries(j, i, r));
        if (batch.length >= 2000) {
          const res = await bc.client.write('', batch);
          if (Number(res.rejectedSamples) > 0) throw new Error(`rejected ${res.rejectedSamples} samples`);
          written += batch.length;
          batch = [];
        }
      }
    }
    if (batch.length > 0) await bc.client.write('', batch);
    written += batch.length;
    opts.log(`pushdown: wrote ${written.toLocaleString('en-US')} series in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const rows: Record<string, string | number>[] = [];
    const summary: Record<string, unknown> = {};
    let worstBytes = Infinity;
    let worstLatency = Infinity;
    for (const q of QUERIES) {
      const exec = (disablePushdown: boolean): Promise<QueryResponse__Output> =>
        bc.client.range({ query: q.query, startMs: START, endMs: END, stepMs: STEP_MS, options: { disablePushdown, maxSamples: 1e9 } }, 600_000);
      const measured: Record<'with' | 'without', { ms: number; bytes: number; res: QueryResponse__Output }> = {} as never;
      for (const mode of ['with', 'without'] as const) {
        await exec(mode === 'without'); // warm-up
        const ms: number[] = [];
        let last: QueryResponse__Output | undefined;
        for (let k = 0; k < runs; k++) {
          const s = performance.now();
          last = await exec(mode === 'without');
          ms.push(performance.now() - s);
          if (last.health?.partial) throw new Error(`${q.name} ${mode}: partial answer`);
        }
        const bytes = Number(last!.stats?.bytesFetched ?? 0);
        measured[mode] = { ms: median(ms), bytes, res: last! };
        rows.push({ query: q.name, pushdown: mode, series_out: last!.matrix.length, bytes, ms: Number(median(ms).toFixed(1)) });
        opts.log(`${q.name} ${mode} pushdown: ${bytes.toLocaleString('en-US')} bytes, ${median(ms).toFixed(0)} ms`);
      }
      // Where the time goes with pushdown: per-fragment, per-leaf actuals (stderr).
      const ex = await bc.client.explain({ query: q.query, startMs: START, endMs: END, stepMs: STEP_MS, analyze: true, options: { maxSamples: 1e9 } });
      for (const line of ex.text.split('\n')) if (/^ {2}Analyze:| {4}leaf-|^Stages:/.test(line)) opts.log(`  ${q.name} explain: ${line.trim()}`);
      const diff = sameAnswer(measured.with.res, measured.without.res);
      if (diff) throw new Error(`${q.name}: answers differ with and without pushdown: ${diff}`);
      const bytesRatio = measured.without.bytes / Math.max(1, measured.with.bytes);
      const latencyRatio = measured.without.ms / measured.with.ms;
      worstBytes = Math.min(worstBytes, bytesRatio);
      worstLatency = Math.min(worstLatency, latencyRatio);
      Object.assign(summary, {
        [`${q.name}_bytes_ratio`]: Number(bytesRatio.toFixed(1)),
        [`${q.name}_latency_ratio`]: Number(latencyRatio.toFixed(2)),
        [`${q.name}_bytes_with`]: measured.with.bytes,
        [`${q.name}_bytes_without`]: measured.without.bytes,
        [`${q.name}_ms_with`]: Number(measured.with.ms.toFixed(1)),
        [`${q.name}_ms_without`]: Number(measured.without.ms.toFixed(1)),
      });
    }
    return {
      title: `pushdown: ${(JOBS * instances * FANOUT).toLocaleString('en-US')} series per query, 1 h at 15 s, ${LEAVES} leaf processes, 20 ranges (median of ${runs})`,
      rows,
      summary: { bytes_ratio: Number(worstBytes.toFixed(1)), latency_ratio: Number(worstLatency.toFixed(2)), ...summary },
    };
  } finally {
    await bc.stop();
  }
}
