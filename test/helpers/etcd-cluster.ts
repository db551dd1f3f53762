/**
 * A control-plane test cluster: N real leaves (gRPC on 127.0.0.1:0), each registered through its
 * own store connection (as separate daemons would be), ranges bootstrapped over them, a gateway
 * on its own store connection, and a gateway client. `makeStore` gives a fresh connection to the
 * shared backing store (etcd) — or the same MemoryAssignmentStore every time.
 *
 * `AckedWriter` writes a fixed set of series through the gateway and records, per series, the
 * timestamps the gateway acknowledged; `checkExactlyOnce` then reads every available replica's
 * store and proves each acknowledged sample is present exactly once.
 */
import { pino } from 'pino';
import { expect } from 'vitest';
import { GatewayClient } from '../../src/cli/index.js';
import { startLeaf, startLeafRegistration, type LeafHandle, type LeafMembership } from '../../src/leaf/index.js';
import { encodeTuple, labelsKey, type Labels, type Matcher } from '../../src/model/index.js';
import { startGateway, type GatewayHandle } from '../../src/router/index.js';
import { bootstrapRanges } from '../../src/balancer/index.js';
import { RangeTable, type AssignmentStore } from '../../src/shard/index.js';

export const silent = pino({ level: process.env['TEST_LOG'] ?? 'silent' });

export interface TestLeaf {
  id: string;
  handle: LeafHandle;
  store: AssignmentStore;
  member: LeafMembership;
}

export interface CpCluster {
  leaves: Map<string, TestLeaf>;
  /** The gateway's store connection. */
  store: AssignmentStore;
  gateway: GatewayHandle;
  client: GatewayClient;
  addLeaf(id: string): Promise<TestLeaf>;
  /** Simulated crash: the lease is no longer kept alive and the gRPC server stops. */
  crashLeaf(id: string): Promise<void>;
  restartGateway(): Promise<void>;
  stop(): Promise<void>;
}

export interface CpClusterOptions {
  makeStore: () => Promise<AssignmentStore>;
  leaves?: number;
  replicationFactor?: number;
  ttlMs?: number;
  loadEveryMs?: number;
  dropGraceMs?: number;
  /** makeStore returns one shared in-memory store (restartGateway keeps it). */
  shared?: boolean;
}

export async function startCpCluster(opts: CpClusterOptions): Promise<CpCluster> {
  const leaves = new Map<string, TestLeaf>();
  const stores: AssignmentStore[] = [];
  const newStore = async (): Promise<AssignmentStore> => {
    const s = await opts.makeStore();
    if (!stores.includes(s)) stores.push(s);
    return s;
  };
  const addLeaf = async (id: string): Promise<TestLeaf> => {
    const handle = await startLeaf({ id, listen: '127.0.0.1:0', logger: silent });
    const store = await newStore();
    const member = await startLeafRegistration({
      store,
      leaf: handle,
      ttlMs: opts.ttlMs ?? 2_000,
      loadEveryMs: opts.loadEveryMs ?? 500,
      dropGraceMs: opts.dropGraceMs ?? 300,
      logger: silent,
    });
    const l = { id, handle, store, member };
    leaves.set(id, l);
    return l;
  };
  const n = opts.leaves ?? 3;
  for (let i = 1; i <= n; i++) await addLeaf(`leaf-${i}`);
  let store = await newStore();
  await waitFor(() => store.leaves().length === n, 5_000, 'leaves registered');
  await bootstrapRanges(store, [...leaves.keys()], opts.replicationFactor ?? 1);
  let gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent });
  let client = new GatewayClient(gateway.address);
  await waitFor(() => [...leaves.values()].every((l) => l.store.ranges().length > 0), 5_000, 'leaves see the ranges');
  const cluster: CpCluster = {
    leaves,
    get store() {
      return store;
    },
    get gateway() {
      return gateway;
    },
    get client() {
      return client;
    },
    addLeaf,
    async crashLeaf(id) {
      const l = leaves.get(id)!;
      await l.member.stop({ crash: true });
      await l.handle.stop();
    },
    async restartGateway() {
      client.close();
      await gateway.stop();
      // A new gateway process: a fresh store connection, nothing carried over.
      if (opts.shared !== true) {
        await store.close();
        stores.splice(stores.indexOf(store), 1);
        store = await newStore();
      }
      gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent });
      client = new GatewayClient(gateway.address);
    },
    async stop() {
      client.close();
      await gateway.stop();
      for (const l of leaves.values()) {
        await l.member.stop().catch(() => undefined);
        await l.handle.stop();
      }
      for (const s of stores) await s.close();
    },
  };
  return cluster;
}

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const T0 = 1_700_000_000_000;
export const STEP_MS = 1_000;

/** `targets` jobs spread over the alphabet (so over the initial ranges), `perTarget` series each. */
export function testSeries(targets = 12, perTarget = 2): Labels[] {
  const out: Labels[] = [];
  for (let j = 0; j < targets; j++) {
    const job = `${String.fromCharCode(97 + ((j * 7) % 26))}job${j}`;
    for (let k = 0; k < perTarget; k++) {
      out.push([
        { name: '__name__', value: 'cp_test' },
        { name: 'instance', value: `i${k}` },
        { name: 'job', value: job },
      ]);
    }
  }
  return out;
}

export class AckedWriter {
  readonly acked = new Map<string, number[]>();
  next = 0;
  failures = 0;
  latenciesMs: number[] = [];

  constructor(readonly series: Labels[], private readonly client: () => GatewayClient) {
    for (const s of series) this.acked.set(labelsKey(s), []);
  }

  /** Writes `count` samples per series in one request (timestamps continue from the last round). */
  async round(count = 1): Promise<void> {
    const from = this.next;
    this.next += count;
    const t = new Float64Array(count);
    const v = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      t[i] = T0 + (from + i) * STEP_MS;
      v[i] = from + i;
    }
    const started = performance.now();
    try {
      const res = await this.client().write('', this.series.map((labels) => ({ labels, t, v })));
      this.latenciesMs.push(performance.now() - started);
      const rejected = new Set(res.rejections.map((r) => r.seriesIndex));
      this.series.forEach((s, i) => {
        if (!rejected.has(i)) this.acked.get(labelsKey(s))!.push(...t);
      });
    } catch {
      this.failures++;
    }
  }

  /** Rounds every `intervalMs` until `stop()` resolves true or `maxRounds` (a bounded loop). */
  async loop(maxRounds: number, intervalMs: number, stop: () => boolean): Promise<number> {
    let rounds = 0;
    while (rounds < maxRounds && !stop()) {
      await this.round(1);
      rounds++;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    return rounds;
  }

  get total(): number {
    let n = 0;
    for (const ts of this.acked.values()) n += ts.length;
    return n;
  }
}

/**
 * Every acknowledged sample is present exactly once on every available replica of its series'
 * range (final assignment), and nothing else is there. Returns the samples checked.
 */
export async function checkExactlyOnce(c: CpCluster, w: AckedWriter): Promise<{ checked: number; lost: number; duplicated: number }> {
  const table = new RangeTable(c.store.ranges());
  let checked = 0;
  let lost = 0;
  let duplicated = 0;
  for (const labels of w.series) {
    const key = encodeTuple(['default', labels.find((l) => l.name === 'job')!.value, labels.find((l) => l.name === 'instance')!.value]);
    const r = table.rangeOf(key)!;
    const want = w.acked.get(labelsKey(labels))!;
    const available = r.replicas.filter((x) => x.state === 'available');
    expect(available.length).toBeGreaterThan(0);
    for (const x of available) {
      const leaf = c.leaves.get(x.leafId)!;
      const ms: Matcher[] = labels.map((l) => ({ type: '=', name: l.name, value: l.value }));
      const got = await leaf.handle.store.querier('default').select(ms, { start: -Infinity, end: Infinity });
      const t = got[0]?.t ?? new Float64Array(0);
      const seen = new Map<number, number>();
      for (const ts of t) seen.set(ts, (seen.get(ts) ?? 0) + 1);
      for (const ts of want) {
        const k = seen.get(ts) ?? 0;
        if (k === 0) lost++;
        if (k > 1) duplicated += k - 1;
        checked++;
      }
      // Nothing but acknowledged samples (every write in these tests is acknowledged).
      if (w.failures === 0) expect(t.length, `${leaf.id} ${labelsKey(labels)}`).toBe(want.length);
    }
  }
  return { checked, lost, duplicated };
}
