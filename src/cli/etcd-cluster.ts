/**
 * The control-plane pieces the daemons share when run against etcd (--etcd URL): connecting the
 * store, a leaf's membership, the gateway's bootstrap, and the embedded cluster of
 * `canopy dev --etcd` (same leaves and gateway as the in-memory one, plus leases, load reports
 * and an elected balancer).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { Balancer, bootstrapRanges, type BalancerOptions } from '../balancer/index.js';
import { startLeaf, startLeafRegistration, type LeafHandle, type LeafMembership } from '../leaf/index.js';
import { startGateway, type GatewayHandle } from '../router/index.js';
import { EtcdAssignmentStore } from '../shard/index.js';
import { checkAddr, DEFAULT_ADDR, UsageError } from './args.js';
import { defaultHttpAddr, httpAddrOf } from './cmd-daemons.js';
import type { Io } from './io.js';
import { cliLogger } from './logger.js';
import { untilSignal } from './signals.js';

export interface EtcdFlags {
  etcd: string;
  prefix?: string;
  logger?: Logger;
}

export function connectEtcd(f: EtcdFlags): Promise<EtcdAssignmentStore> {
  return EtcdAssignmentStore.connect({ endpoints: f.etcd, ...(f.prefix ? { prefix: f.prefix } : {}), ...(f.logger ? { logger: f.logger } : {}) });
}

/** Waits (bounded) for at least `min` registered leaves, then bootstraps the ranges if none exist. */
export async function ensureRanges(store: EtcdAssignmentStore, replicationFactor: number, waitMs = 30_000, min = 1): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (store.ranges().length === 0) {
    const leaves = store.leaves().map((l) => l.id);
    if (leaves.length >= Math.max(min, replicationFactor)) {
      await bootstrapRanges(store, leaves, replicationFactor);
      return;
    }
    if (Date.now() > deadline) throw new Error(`no ranges in etcd and fewer than ${Math.max(min, replicationFactor)} registered leaves after ${waitMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface EtcdEmbeddedOptions {
  etcd: string;
  prefix?: string;
  leaves: number;
  grpcAddr: string;
  /** Gateway HTTP address; absent = none. */
  httpAddr?: string;
  replicationFactor: number;
  logger?: Logger;
  balancer?: Omit<BalancerOptions, 'store'>;
  /** Durable leaves under DIR/leaf-N (default: memory only). */
  dataDir?: string;
}

export interface EtcdEmbedded {
  gateway: GatewayHandle;
  leaves: LeafHandle[];
  store: EtcdAssignmentStore;
  balancer: Balancer;
  stop(): Promise<void>;
}

export async function startEtcdEmbedded(opts: EtcdEmbeddedOptions): Promise<EtcdEmbedded> {
  const store = await connectEtcd(opts);
  const leaves: LeafHandle[] = [];
  const members: LeafMembership[] = [];
  let gateway: GatewayHandle | undefined;
  const balancer = new Balancer({ store, ...(opts.logger ? { logger: opts.logger.child({ balancer: true }) } : {}), ...opts.balancer });
  const stop = async (): Promise<void> => {
    await balancer.stop().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    for (const m of members) await m.stop().catch(() => undefined);
    await Promise.all(leaves.map((l) => l.stop().catch(() => undefined)));
    await store.close();
  };
  try {
    for (let i = 1; i <= opts.leaves; i++) {
      const logger = opts.logger?.child({ leaf: `leaf-${i}` });
      const leaf = await startLeaf({ id: `leaf-${i}`, listen: '127.0.0.1:0', ...(opts.dataDir !== undefined ? { dataDir: path.join(opts.dataDir, `leaf-${i}`) } : {}), ...(logger ? { logger } : {}) });
      leaves.push(leaf);
      members.push(await startLeafRegistration({ store, leaf, ...(logger ? { logger } : {}) }));
    }
    await ensureRanges(store, opts.replicationFactor, 10_000, opts.leaves);
    gateway = await startGateway({ listen: opts.grpcAddr, assignment: store, ...(opts.httpAddr !== undefined ? { httpListen: opts.httpAddr } : {}), ...(opts.logger ? { logger: opts.logger.child({ gateway: true }) } : {}) });
    balancer.start();
    return { gateway, leaves, store, balancer, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `canopy leaf --etcd`: the leaf's membership (lease, load reports, range following). */
export async function joinEtcd(etcd: string, prefix: string | undefined, leaf: LeafHandle, zone: string | undefined, capacity: string | undefined): Promise<{ stop(): Promise<void> }> {
  const cap = capacity === undefined ? undefined : Number(capacity);
  if (cap !== undefined && !(cap > 0)) throw new UsageError(`invalid --capacity ${JSON.stringify(capacity)}: expected a positive number`);
  const logger = cliLogger('canopy-leaf').child({ leaf: leaf.id });
  const store = await connectEtcd({ etcd, ...(prefix ? { prefix } : {}), logger });
  const member = await startLeafRegistration({ store, leaf, logger, ...(zone ? { zone } : {}), ...(cap !== undefined ? { capacity: cap } : {}) });
  return {
    stop: async () => {
      await member.stop();
      await store.close();
    },
  };
}

/** `canopy gateway --etcd URL [--balancer]`: the gateway over the assignment in etcd. */
export async function etcdGateway(values: Record<string, string | boolean | string[] | undefined>, io: Io): Promise<number> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (values['leaf'] !== undefined || values['config'] !== undefined) throw new UsageError('--etcd takes the leaves from etcd: drop --leaf/--config');
  const rf = str('replication') !== undefined ? Number(str('replication')) : 1;
  if (!Number.isInteger(rf) || rf < 1) throw new UsageError(`invalid replication factor ${str('replication')}`);
  const targetLabels = str('target-labels')?.split(',').map((x) => x.trim()).filter(Boolean);
  const logger = cliLogger('canopy-gateway');
  const store = await connectEtcd({ etcd: str('etcd')!, ...(str('etcd-prefix') ? { prefix: str('etcd-prefix')! } : {}), logger });
  try {
    await ensureRanges(store, rf);
  } catch (e) {
    await store.close();
    throw e;
  }
  const grpcAddr = checkAddr(str('grpc-addr') ?? DEFAULT_ADDR, '--grpc-addr');
  const httpListen = httpAddrOf(str('http-addr'), defaultHttpAddr(grpcAddr));
  const gateway = await startGateway({ listen: grpcAddr, ...(httpListen ? { httpListen } : {}), assignment: store, ...(targetLabels?.length ? { targetLabels } : {}), logger });
  const balancer = values['balancer'] === true ? new Balancer({ store, logger: logger.child({ balancer: true }) }) : undefined;
  balancer?.start();
  io.out(`canopy gateway: listening on ${gateway.address} (gRPC: Query, Write, Admin) over etcd ${str('etcd')} (${store.leaves().length} leaves, ${store.ranges().length} ranges)${balancer ? '; balancer campaigning' : ''}`);
  if (gateway.httpAddress) io.out(`canopy gateway: HTTP on ${gateway.httpAddress} (Prometheus API /api/v1/*, remote write /api/v1/write, /metrics)`);
  const sig = await untilSignal();
  io.err(`canopy gateway: ${sig}, stopping…`);
  await balancer?.stop();
  await gateway.stop();
  await store.close();
  return 0;
}
