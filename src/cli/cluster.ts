/**
 * The embedded cluster of `canopy dev` (and the benchmarks): N leaves, each a real gRPC server on
 * 127.0.0.1, a MemoryAssignmentStore with the initial ranges, and a gateway — all in this process,
 * talking real gRPC over loopback, the same code paths as separate daemons.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { startLeaf, type LeafHandle } from '../leaf/index.js';
import { startGateway, type GatewayHandle } from '../router/index.js';
import { initialRanges, MemoryAssignmentStore, type LeafRecord, type RangeAssignment } from '../shard/index.js';

export interface EmbeddedClusterOptions {
  leaves?: number;
  /** Gateway gRPC address (default 127.0.0.1:7400; 127.0.0.1:0 picks a free port). */
  grpcAddr?: string;
  replicationFactor?: number;
  logger?: Logger;
  /** Gateway HTTP address (Prometheus API, remote write, /metrics); absent = no HTTP listener. */
  httpAddr?: string;
  /** Hedge slow leaf calls to a second replica (default true; `--no-hedge`). */
  hedge?: boolean;
  /** Durable leaves: leaf N keeps its WAL, snapshots and blocks under DIR/leaf-N (default: memory only). */
  dataDir?: string;
}

export interface EmbeddedCluster {
  gateway: GatewayHandle;
  leaves: LeafHandle[];
  store: MemoryAssignmentStore;
  stop(): Promise<void>;
}

/** Tells each leaf which ranges it holds (for its Status answers). */
export function declareRanges(leaves: readonly LeafHandle[], ranges: readonly RangeAssignment[]): void {
  for (const leaf of leaves) {
    leaf.setRanges(ranges.filter((r) => r.replicas.some((x) => x.leafId === leaf.id)).map((r) => ({ id: r.id, start: r.start, end: r.end })));
  }
}

export async function startEmbeddedCluster(opts: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  const n = opts.leaves ?? 3;
  const leaves: LeafHandle[] = [];
  let gateway: GatewayHandle | undefined;
  const stop = async (): Promise<void> => {
    await gateway?.stop().catch(() => undefined);
    await Promise.all(leaves.map((l) => l.stop().catch(() => undefined)));
  };
  try {
    for (let i = 1; i <= n; i++) {
      leaves.push(
        await startLeaf({
          id: `leaf-${i}`,
          listen: '127.0.0.1:0',
          ...(opts.dataDir !== undefined ? { dataDir: path.join(opts.dataDir, `leaf-${i}`) } : {}),
          ...(opts.logger ? { logger: opts.logger.child({ leaf: `leaf-${i}` }) } : {}),
        }),
      );
    }
    const records: LeafRecord[] = leaves.map((l) => ({ id: l.id, address: l.address }));
    const ranges = initialRanges(records.map((r) => r.id), { replicationFactor: opts.replicationFactor ?? 1 });
    const store = new MemoryAssignmentStore({ leaves: records, ranges });
    declareRanges(leaves, ranges);
    gateway = await startGateway({
      listen: opts.grpcAddr ?? '127.0.0.1:7400',
      assignment: store,
      ...(opts.httpAddr !== undefined ? { httpListen: opts.httpAddr } : {}),
      ...(opts.hedge === false ? { reliability: { hedge: false } } : {}),
      ...(opts.logger ? { logger: opts.logger.child({ gateway: true }) } : {}),
    });
    return { gateway, leaves, store, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
