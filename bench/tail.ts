/**
 * Tail latency with one slow leaf: p50/p99 of a scatter selector query over 4 real leaves
 * (RF = 2, real gRPC on loopback, data written through the gateway), healthy vs one leaf
 * delayed by 1 s per request. Target: p99 with the slow leaf ≤ 1.5× the healthy p99.
 *
 * Every leaf sits behind an in-process gRPC delay proxy (bytes passed through unchanged; the
 * slow leaf's proxy waits `--delay-ms` before forwarding each request), so healthy and slow runs
 * pay the same hop.
 *
 * Query paths measured:
 *  - `gateway` (the summary keys): `<metric>[10m]` through the real gateway query path
 *    (`startGateway` → Query.Instant → engine → remote querier → `executeFanout` →
 *    src/reliability: resolver, breakers, hedging at the leaf's p95 within a 10% budget), one
 *    fresh gateway per round (fresh latency/breaker state);
 *  - `gateway, --no-hedge` (reference rows, `--no-hedge-queries`, default 10): the same gateway
 *    with hedging off — a slow primary is simply awaited;
 *  - `executor` and `executor, static replica order` (reference rows, `--executor-queries`,
 *    default 200; 0 skips): src/reliability's `executeChildren` called directly over LeafClient,
 *    with and without the resolver's latency feedback.
 *
 * Args: --queries N (gateway, per scenario, default 600), --rounds N (default 10: healthy and
 *       slow rounds interleaved, samples pooled), --warmup N (per round, default 40),
 *       --delay-ms N (1000), --series N (default 400), --executor-queries N, --no-hedge-queries N.
 * Summary keys: p99_healthy_ms, p99_slow_leaf_ms, p99_ratio (gateway path), plus p50s.
 */
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { GatewayClient } from '../src/cli/index.js';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import type { Matcher } from '../src/model/index.js';
import { BreakerRegistry, executeChildren, HedgeBudget, LatencyTracker, replicaOrder, resolveRange, type LeafCall } from '../src/reliability/index.js';
import { matchersToProto, startGateway, type GatewayHandle } from '../src/router/index.js';
import { canopyProto, CHANNEL_OPTIONS, LeafClient, type ExecuteEvent } from '../src/rpc/index.js';
import { initialRanges, MemoryAssignmentStore, type RangeAssignment } from '../src/shard/index.js';
import type { BenchOptions, BenchResult } from './run.js';

// ---------------------------------------------------------------- delay proxy

export interface DelayProxy {
  address: string;
  /** Delay added before forwarding each request, ms. */
  delayMs: number;
  stop(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

function waitOrCancel(ms: number, onCancel: (cb: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    if (ms <= 0) return resolve(true);
    const t = setTimeout(() => resolve(true), ms);
    onCancel(() => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** A Leaf-service proxy on 127.0.0.1:0 forwarding raw bytes to `target` after `delayMs`. */
export async function startDelayProxy(target: string, delayMs = 0): Promise<DelayProxy> {
  const upstream = new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const def: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  const proxy: DelayProxy = { address: '', delayMs, stop: async () => {} };
  for (const [name, m] of Object.entries(canopyProto().Leaf.service)) {
    def[name] = { path: m.path, requestStream: false, responseStream: m.responseStream, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity, originalName: name };
    const deadlineOf = (call: { getDeadline(): grpc.Deadline }): grpc.CallOptions => {
      const d = call.getDeadline();
      return typeof d === 'number' && !Number.isFinite(d) ? {} : { deadline: d };
    };
    if (m.responseStream) {
      impl[name] = async (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        if (!(await waitOrCancel(proxy.delayMs, (cb) => call.once('cancelled', cb)))) return;
        const up = upstream.makeServerStreamRequest(m.path, identity, identity, call.request, new grpc.Metadata(), deadlineOf(call));
        let done = false;
        call.once('cancelled', () => up.cancel());
        up.on('data', (d: Buffer) => call.write(d));
        up.on('end', () => {
          if (!done) call.end();
          done = true;
        });
        up.on('error', (e: grpc.ServiceError) => {
          if (!done) call.emit('error', { code: e.code, details: e.details, metadata: e.metadata });
          done = true;
        });
      };
    } else {
      impl[name] = async (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        if (!(await waitOrCancel(proxy.delayMs, (c) => call.once('cancelled', c)))) return;
        upstream.makeUnaryRequest(m.path, identity, identity, call.request, new grpc.Metadata(), deadlineOf(call), (err, res) => cb(err, res));
      };
    }
  }
  const server = new grpc.Server();
  server.addService(def, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  proxy.address = `127.0.0.1:${port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      upstream.close();
      server.tryShutdown(() => resolve());
      setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000).unref();
    });
  return proxy;
}

// ---------------------------------------------------------------- cluster

interface TailCluster {
  leaves: LeafHandle[];
  proxies: DelayProxy[];
  ranges: RangeAssignment[];
  store: MemoryAssignmentStore;
  logger: pino.Logger;
  gateway: GatewayHandle;
  client: GatewayClient;
  stop(): Promise<void>;
}

async function startTailCluster(nLeaves: number): Promise<TailCluster> {
  const logger = pino({ level: 'error' }, pino.destination(2));
  const leaves: LeafHandle[] = [];
  const proxies: DelayProxy[] = [];
  for (let i = 1; i <= nLeaves; i++) {
    const leaf = await startLeaf({ id: `leaf-${i}`, listen: '127.0.0.1:0', logger });
    leaves.push(leaf);
    proxies.push(await startDelayProxy(leaf.address));
  }
  const records = leaves.map((l, i) => ({ id: l.id, address: proxies[i]!.address }));
  const ranges = initialRanges(records.map((r) => r.id), { replicationFactor: 2 });
  for (const leaf of leaves) leaf.setRanges(ranges.filter((r) => r.replicas.some((x) => x.leafId === leaf.id)).map((r) => ({ id: r.id, start: r.start, end: r.end })));
  const store = new MemoryAssignmentStore({ leaves: records, ranges });
  const gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger });
  const client = new GatewayClient(gateway.address);
  return {
    leaves,
    proxies,
    ranges,
    store,
    logger,
    gateway,
    client,
    stop: async () => {
      client.close();
      await gateway.stop().catch(() => undefined);
      await Promise.all(proxies.map((p) => p.stop()));
      await Promise.all(leaves.map((l) => l.stop().catch(() => undefined)));
    },
  };
}

// ---------------------------------------------------------------- query paths

const METRIC = 'tail_metric';
const STEP_MS = 15_000;
const SAMPLES = 40;

function intArg(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

function quantile(xs: readonly number[], q: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** The executor path: one scatter selector fetch over all ranges, as the gateway's querier does. */
class ExecutorPath {
  readonly latency = new LatencyTracker();
  readonly breakers = new BreakerRegistry();
  /** Hedges ≤ 10% of calls (the ranked path only: hedging alone needs more to mask a slow leaf). */
  readonly budget: HedgeBudget | undefined;
  private readonly clients = new Map<string, LeafClient>();
  hedged = 0;
  fallbacks = 0;

  resetCounts(): void {
    this.hedged = 0;
    this.fallbacks = 0;
    if (this.budget) this.budget.denied = 0;
  }

  /** `rank`: false keeps the assignment's replica order (hedging alone, no resolver feedback). */
  constructor(
    private readonly ranges: readonly RangeAssignment[],
    addressOf: (leafId: string) => string,
    private readonly rank = true,
  ) {
    this.budget = rank ? new HedgeBudget() : undefined;
    for (const r of ranges) for (const x of r.replicas) if (!this.clients.has(x.leafId)) this.clients.set(x.leafId, new LeafClient(addressOf(x.leafId)));
  }

  async query(startMs: number, endMs: number): Promise<{ series: number; partial: boolean }> {
    const matchers: Matcher[] = [{ type: '=', name: '__name__', value: METRIC }];
    const byId = new Map(this.ranges.map((r) => [r.id, r]));
    const children = this.ranges.map((r) => ({
      id: r.id,
      replicas: !this.rank ? r.replicas.map((x) => x.leafId) : replicaOrder(
        resolveRange(
          { rangeId: r.id, replicas: r.replicas },
          { start: startMs, end: endMs, ewma: (id) => this.latency.ewma(id), inflight: (id) => this.latency.inflight(id), breakerState: (id) => this.breakers.state(id) },
        ),
      ),
    }));
    const call: LeafCall<ExecuteEvent> = (leafId, childIds, signal, info) =>
      this.clients.get(leafId)!.execute(
        {
          tenant: '',
          queryId: 'bench-tail',
          ranges: childIds.map((id) => {
            const r = byId.get(id)!;
            return { id, start: Buffer.from(r.start), end: Buffer.from(r.end) };
          }),
          maxSamples: 0,
          fragment: { selector: { matchers: matchersToProto(matchers), startMs, endMs, raw: true, labelsOnly: false } },
        },
        { signal, deadlineMs: info.deadlineAt },
      );
    const res = await executeChildren({ children, call, latency: this.latency, breakers: this.breakers, hedgeBudget: this.budget, strategy: 'warn' });
    for (const i of res.issues) {
      if (i.kind === 'hedged') this.hedged++;
      if (i.kind === 'fallback_used') this.fallbacks++;
    }
    let series = 0;
    for (const r of res.results) for (const ev of r.items) if (ev.kind === 'batch') series += ev.series.length;
    return { series, partial: res.health.partial };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.breakers.close();
  }
}

// ---------------------------------------------------------------- bench

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const queries = intArg(opts.args, 'queries', 600);
  const warmup = intArg(opts.args, 'warmup', 40);
  const delayMs = intArg(opts.args, 'delay-ms', 1000);
  const nSeries = intArg(opts.args, 'series', 400);
  const executorQueries = intArg(opts.args, 'executor-queries', 200);
  const noHedgeQueries = intArg(opts.args, 'no-hedge-queries', 10);
  const rounds = Math.max(1, intArg(opts.args, 'rounds', 10));
  const c = await startTailCluster(4);
  try {
    const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    const start = end - (SAMPLES - 1) * STEP_MS;
    const series = [];
    for (let i = 0; i < nSeries; i++) {
      const t = new Float64Array(SAMPLES);
      const v = new Float64Array(SAMPLES);
      for (let k = 0; k < SAMPLES; k++) {
        t[k] = start + k * STEP_MS;
        v[k] = i + k;
      }
      series.push({ labels: [{ name: '__name__', value: METRIC }, { name: 'instance', value: `i-${i % 50}` }, { name: 'job', value: `job-${Math.floor(i / 50)}` }], t, v });
    }
    const w = await c.client.write('', series);
    opts.log(`tail: wrote ${nSeries} series × ${SAMPLES} samples through the gateway (RF=2, 4 leaves, ${c.ranges.length} ranges); write response: ${JSON.stringify(w).slice(0, 120)}`);

    const rows: Record<string, string | number>[] = [];
    const p99: Record<string, number> = {};
    type Q = () => Promise<{ series: number; partial: boolean }>;
    /** Runs n queries in the given scenario (proxy delays set), returns their latencies. */
    const measure = async (label: string, slow: boolean, n: number, warm: number, q: Q, afterWarmup?: () => void): Promise<{ ms: number[]; partial: number }> => {
      c.proxies.forEach((p, i) => (p.delayMs = slow && i === 1 ? delayMs : 0));
      for (let i = 0; i < warm; i++) await q();
      afterWarmup?.();
      const ms: number[] = [];
      let partial = 0;
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await q();
        ms.push(performance.now() - t0);
        if (r.partial) partial++;
        if (r.series !== nSeries) throw new Error(`${label}: expected ${nSeries} series, got ${r.series}`);
      }
      return { ms, partial };
    };
    const report = (path: string, name: string, ms: number[], partial: number, extra: Record<string, number> = {}): void => {
      const row = { path, scenario: name, queries: ms.length, p50_ms: Number(quantile(ms, 0.5).toFixed(2)), p99_ms: Number(quantile(ms, 0.99).toFixed(2)), max_ms: Number(Math.max(...ms).toFixed(2)), partial, ...extra };
      rows.push(row);
      p99[`${path}/${name}`] = row.p99_ms;
      opts.log(`${path} ${name}: p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms over ${ms.length} queries`);
    };

    // Healthy and slow rounds interleaved, so machine noise hits both alike; each round starts
    // from fresh latency/breaker state (a fresh gateway or executor) and warms up unmeasured.
    const addressOf = (id: string): string => c.proxies[c.leaves.findIndex((l) => l.id === id)]!.address;
    const slowName = `leaf-2 +${delayMs} ms`;
    type Acc = { ms: number[]; partial: number; hedged: number; fallback_used: number; denied: number };
    const pooled = new Map<string, Acc>();
    const accOf = (path: string, slow: boolean): Acc => {
      const key = `${path}|${slow ? slowName : 'healthy'}`;
      let acc = pooled.get(key);
      if (!acc) pooled.set(key, (acc = { ms: [], partial: 0, hedged: 0, fallback_used: 0, denied: 0 }));
      return acc;
    };

    /** One round on a fresh gateway; health issues counted from each answer. */
    const gatewayRound = async (path: string, hedge: boolean, slow: boolean, n: number, warm: number): Promise<void> => {
      const gw = await startGateway({ listen: '127.0.0.1:0', assignment: c.store, logger: c.logger, ...(hedge ? {} : { reliability: { hedge: false } }) });
      const client = new GatewayClient(gw.address);
      const acc = accOf(path, slow);
      let counting = false;
      try {
        const r = await measure(`${path}`, slow, n, warm, async () => {
          const res = await client.instant({ query: `${METRIC}[10m]`, timeMs: end });
          if (counting) {
            for (const i of res.health?.issues ?? []) {
              if (i.kind === 'hedged') acc.hedged++;
              if (i.kind === 'fallback_used') acc.fallback_used++;
            }
          }
          return { series: res.matrix.length, partial: !!res.health?.partial };
        }, () => (counting = true));
        acc.ms.push(...r.ms);
        acc.partial += r.partial;
      } finally {
        client.close();
        await gw.stop();
      }
    };

    const variants = [
      { path: 'executor', rank: true },
      { path: 'executor, static replica order (hedging only)', rank: false },
    ];
    const perRound = (total: number): number => Math.max(1, Math.ceil(total / rounds));
    for (let round = 0; round < rounds; round++) {
      for (const slow of [false, true]) await gatewayRound('gateway', true, slow, perRound(queries), warmup);
      if (executorQueries > 0) {
        for (const v of variants) {
          for (const slow of [false, true]) {
            const ex = new ExecutorPath(c.ranges, addressOf, v.rank);
            try {
              const r = await measure(`${v.path} round ${round + 1}`, slow, perRound(executorQueries), warmup, () => ex.query(start, end), () => ex.resetCounts());
              const acc = accOf(v.path, slow);
              acc.ms.push(...r.ms);
              acc.partial += r.partial;
              acc.hedged += ex.hedged;
              acc.fallback_used += ex.fallbacks;
              acc.denied += ex.budget?.denied ?? 0;
            } finally {
              ex.close();
            }
          }
        }
      }
      opts.log(`round ${round + 1}/${rounds} done`);
    }
    // No warm-up here: without hedging, the queries that meet the slow leaf as primary pay its
    // delay in full until the resolver has seen it slow.
    if (noHedgeQueries > 0) for (const slow of [false, true]) await gatewayRound('gateway, --no-hedge', false, slow, noHedgeQueries, 0);
    for (const [key, acc] of pooled) {
      const [path, name] = key.split('|') as [string, string];
      // hedges_denied is known only for the executor paths (the gateway's budget is internal).
      report(path, name, acc.ms, acc.partial, { hedged: acc.hedged, fallback_used: acc.fallback_used, ...(path.startsWith('executor') ? { hedges_denied: acc.denied } : {}) });
    }

    const healthy = p99['gateway/healthy']!;
    const slowP99 = p99[`gateway/${slowName}`]!;
    const p50 = (path: string, name: string): number => Number(quantile(pooled.get(`${path}|${name}`)!.ms, 0.5).toFixed(2));
    return {
      title: `tail: scatter selector (${nSeries} series × ${SAMPLES} samples), 4 real leaves over gRPC, RF=2, one leaf delayed ${delayMs} ms per request (delay proxy); gateway = the real query path (hedging, breakers, resolver); executor = src/reliability called directly`,
      rows,
      summary: {
        p50_healthy_ms: p50('gateway', 'healthy'),
        p50_slow_leaf_ms: p50('gateway', slowName),
        p99_healthy_ms: healthy,
        p99_slow_leaf_ms: slowP99,
        p99_ratio: Number((slowP99 / healthy).toFixed(3)),
      },
    };
  } finally {
    await c.stop();
  }
}
