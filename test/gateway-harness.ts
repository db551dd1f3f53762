/**
 * Test harness of the gateway suites: N real leaves + a MemoryAssignmentStore + a gateway, all on
 * 127.0.0.1 with ephemeral ports, and a small promisified client of the gateway's services.
 */
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import type { Labels } from '../src/model/index.js';
import { canopyProto, CHANNEL_OPTIONS, encodeWriteRequest, fromServiceError } from '../src/rpc/index.js';
import type { QueryClient } from '../src/rpc/gen/canopy/v1/Query.js';
import type { WriteClient } from '../src/rpc/gen/canopy/v1/Write.js';
import type { AdminClient } from '../src/rpc/gen/canopy/v1/Admin.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { initialRanges, MemoryAssignmentStore, type RangeAssignment } from '../src/shard/index.js';

export const silent = pino({ level: 'silent' });

export interface Cluster {
  leaves: LeafHandle[];
  store: MemoryAssignmentStore;
  ranges: RangeAssignment[];
  gateway: GatewayHandle;
  client: TestClient;
  stop(): Promise<void>;
}

export async function startCluster(opts: { leaves?: number; replicationFactor?: number; defaultTimeoutMs?: number } = {}): Promise<Cluster> {
  const n = opts.leaves ?? 3;
  const leaves: LeafHandle[] = [];
  for (let i = 0; i < n; i++) leaves.push(await startLeaf({ id: `leaf-${i}`, listen: '127.0.0.1:0', logger: silent }));
  const ranges = initialRanges(
    leaves.map((l) => l.id),
    { replicationFactor: opts.replicationFactor ?? 1 },
  );
  for (const leaf of leaves) {
    leaf.setRanges(ranges.filter((r) => r.replicas.some((x) => x.leafId === leaf.id)).map((r) => ({ id: r.id, start: r.start, end: r.end })));
  }
  const store = new MemoryAssignmentStore({ leaves: leaves.map((l) => ({ id: l.id, address: l.address })), ranges });
  const gateway = await startGateway({ listen: '127.0.0.1:0', assignment: store, logger: silent, defaultTimeoutMs: opts.defaultTimeoutMs });
  const client = new TestClient(gateway.address);
  return {
    leaves,
    store,
    ranges,
    gateway,
    client,
    async stop() {
      client.close();
      await gateway.stop();
      await Promise.all(leaves.map((l) => l.stop()));
    },
  };
}

export interface SeriesIn {
  labels: Labels;
  t: number[];
  v: number[];
}

type Cb<T> = (err: grpc.ServiceError | null, res?: T) => void;

export class TestClient {
  readonly query: QueryClient;
  readonly writer: WriteClient;
  readonly admin: AdminClient;

  constructor(address: string) {
    const p = canopyProto();
    const creds = grpc.credentials.createInsecure();
    this.query = new p.Query(address, creds, CHANNEL_OPTIONS);
    const base = p.Write.service;
    const WriteCtor = grpc.makeGenericClientConstructor({ ...base, Write: { ...base.Write, requestSerialize: (b: Buffer) => b } }, 'Write') as unknown as new (
      a: string,
      c: grpc.ChannelCredentials,
      o: grpc.ChannelOptions,
    ) => WriteClient;
    this.writer = new WriteCtor(address, creds, CHANNEL_OPTIONS);
    this.admin = new p.Admin(address, creds, CHANNEL_OPTIONS);
  }

  /** Calls a unary method (30 s deadline); rejects with the CanopyError the gateway sent. */
  call<T>(start: (opts: grpc.CallOptions, cb: Cb<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => start({ deadline: Date.now() + 30_000 }, (err, res) => (err ? reject(fromServiceError(err)) : resolve(res as T))));
  }

  write(tenant: string, series: readonly SeriesIn[]) {
    const body = encodeWriteRequest(tenant, series);
    const req = Buffer.from(body.buffer, body.byteOffset, body.byteLength) as never;
    return this.call<import('../src/rpc/gen/canopy/v1/WriteResponse.js').WriteResponse__Output>((o, cb) => this.writer.Write(req, o, cb));
  }

  instant(query: string, timeMs: number, options: object = {}) {
    return this.call<import('../src/rpc/gen/canopy/v1/QueryResponse.js').QueryResponse__Output>((o, cb) => this.query.Instant({ query, timeMs, hasTime: true, options }, o, cb));
  }

  range(query: string, startMs: number, endMs: number, stepMs: number, options: object = {}) {
    return this.call<import('../src/rpc/gen/canopy/v1/QueryResponse.js').QueryResponse__Output>((o, cb) => this.query.Range({ query, startMs, endMs, stepMs, options }, o, cb));
  }

  series(match: string[], startMs = 0, endMs = 0, options: object = {}) {
    return this.call<import('../src/rpc/gen/canopy/v1/SeriesResponse.js').SeriesResponse__Output>((o, cb) => this.query.Series({ match, startMs, endMs, options }, o, cb));
  }

  labelNames(match: string[] = [], options: object = {}) {
    return this.call<import('../src/rpc/gen/canopy/v1/LabelsResponse.js').LabelsResponse__Output>((o, cb) => this.query.LabelNames({ match, options }, o, cb));
  }

  labelValues(name: string, match: string[] = [], options: object = {}) {
    return this.call<import('../src/rpc/gen/canopy/v1/LabelsResponse.js').LabelsResponse__Output>((o, cb) => this.query.LabelValues({ name, match, options }, o, cb));
  }

  explain(query: string, timeMs: number, extra: object = {}) {
    return this.call<import('../src/rpc/gen/canopy/v1/ExplainResponse.js').ExplainResponse__Output>((o, cb) => this.query.Explain({ query, timeMs, hasTime: true, ...extra }, o, cb));
  }

  leaves() {
    return this.call<import('../src/rpc/gen/canopy/v1/LeavesResponse.js').LeavesResponse__Output>((o, cb) => this.admin.Leaves({}, o, cb));
  }

  rangesInfo() {
    return this.call<import('../src/rpc/gen/canopy/v1/RangesResponse.js').RangesResponse__Output>((o, cb) => this.admin.Ranges({}, o, cb));
  }

  close(): void {
    this.query.close();
    this.writer.close();
    this.admin.close();
  }
}

/** Number of Execute calls a leaf has served (from its own metrics). */
export async function leafExecuteCount(leaf: LeafHandle): Promise<number> {
  const m = await leaf.metrics.executeSeconds.get();
  return m.values.filter((v) => v.metricName === 'canopy_leaf_execute_seconds_count').reduce((a, v) => a + v.value, 0);
}

/** Series a leaf holds for a tenant, as `name{…}` strings, read from its own store via its Series RPC. */
export function labelsOf(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}
