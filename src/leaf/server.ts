/**
 * `startLeaf`: a leaf daemon's gRPC server (the Leaf service) over its own in-memory store.
 */
import { endHintStreams } from './hints-service.js';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { KeySpan } from '../model/index.js';
import { canopyProto, SERVER_OPTIONS } from '../rpc/proto.js';
import { shutdownServer, withWireWriteDecoder } from '../rpc/server-helpers.js';
import { startLeafHttp, type LeafHttpHandle } from './http-metrics.js';
import { createLeafMetrics, registerStorageMetrics, type LeafMetrics } from './metrics.js';
import { leafService } from './service.js';
import { DEFAULT_OOO_WINDOW_MS, LeafStore } from './store.js';
import type { FsyncPolicy } from './storage/index.js';

/** Default period of store snapshots in durable mode (bounds WAL replay at restart). */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 5 * 60_000;

export interface LeafOptions {
  id: string;
  /** host:port to bind; default '127.0.0.1:0' (an ephemeral port). */
  listen?: string;
  zone?: string;
  /** Target schema for keys (default job, instance); must match the gateways'. */
  targetLabels?: readonly string[];
  logger?: Logger;
  /** Override of the largest accepted request, bytes (default SERVER_OPTIONS, 64 MiB). */
  maxReceiveMessageBytes?: number;
  /** Target size of one Arrow batch in Execute streams (default 2 MiB). */
  batchTargetBytes?: number;
  /** host:port of an HTTP listener for /metrics, /-/healthy, /-/ready; absent = none. */
  httpListen?: string;
  /**
   * Store directory: makes the leaf durable (a Write is acknowledged once its samples are in the
   * WAL under `fsync`; restart recovers from snapshot + WAL). Without it the leaf is memory-only.
   */
  dataDir?: string;
  /** WAL fsync policy (default 'always': fdatasync before acknowledging; group commit). */
  fsync?: FsyncPolicy;
  /** Drop persisted blocks older than this before the newest sample, ms (default: keep all). */
  retentionMs?: number;
  /**
   * Out-of-order admission window, ms: older samples inside it are inserted, older ones rejected
   * (`out_of_order`). Default 10 min, with or without a dataDir.
   */
  oooWindowMs?: number;
  /**
   * Snapshot period, ms (default 5 min; 0 disables the timer). Durable: snapshot + block flush +
   * retention; memory-only: finished blocks compacted in memory + retention.
   */
  snapshotIntervalMs?: number;
  /** Samples per sealed chunk (default 240) and block length, ms (default 2 h): tests use small ones. */
  chunkSamples?: number;
  blockMs?: number;
}

export interface LeafRangeInfo {
  id: string;
  start: Uint8Array;
  /** Empty = +∞. */
  end: Uint8Array;
  /** Restrict stats to one tenant (default: reported for every tenant). */
  tenant?: string;
}

export interface LeafHandle {
  id: string;
  /** host:port actually bound. */
  address: string;
  /** host:port of the HTTP listener (/metrics), when one was asked for. */
  httpAddress?: string;
  /** The leaf's store (in-process users: benches, tests, the dev harness). */
  store: LeafStore;
  /** The leaf's own metrics registry. */
  metrics: LeafMetrics;
  /**
   * Declares the ranges this leaf holds (reported by Status). Until it is first called, ranges
   * named in requests are learnt instead.
   */
  setRanges(ranges: readonly LeafRangeInfo[]): void;
  stop(): Promise<void>;
}

export async function startLeaf(opts: LeafOptions): Promise<LeafHandle> {
  const logger = opts.logger ?? pino({ name: 'canopy-leaf', level: process.env.LOG_LEVEL ?? 'warn' });
  const listen = opts.listen ?? '127.0.0.1:0';
  const metrics = createLeafMetrics(opts.id);
  const storeOpts = {
    onWalSync: (seconds: number) => metrics.walFsyncSeconds.observe(seconds),
    oooWindowMs: opts.oooWindowMs ?? DEFAULT_OOO_WINDOW_MS,
    logger,
    ...(opts.chunkSamples !== undefined ? { chunkSamples: opts.chunkSamples } : {}),
    ...(opts.blockMs !== undefined ? { blockMs: opts.blockMs } : {}),
    ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
    ...(opts.retentionMs !== undefined ? { retentionMs: opts.retentionMs } : {}),
  };
  const store = opts.dataDir !== undefined ? await LeafStore.open(opts.dataDir, opts.targetLabels, storeOpts) : new LeafStore(opts.targetLabels, storeOpts);
  registerStorageMetrics(metrics.registry, () => store.storageStats());
  if (opts.dataDir !== undefined) {
    const st = store.storageStats();
    const level = st.walCorruptions > 0 ? 'error' : 'info';
    logger[level]({ leaf: opts.id, dataDir: opts.dataDir, series: st.series, samples: st.samples, walFramesReplayed: st.walFramesReplayed, walTornTails: st.walTornTails, walCorruptions: st.walCorruptions, snapshotsLoaded: st.snapshotsLoaded }, 'leaf store recovered');
  }
  // Durable: snapshot (bounds replay) + block flush + retention. Memory-only: the same block
  // compaction in memory (finished blocks packed into Arrow columns) + retention.
  const snapshotEvery = opts.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
  let snapshotting = false; // a tick while the previous snapshot still runs is skipped, not queued
  const snapshotTimer =
    snapshotEvery > 0
      ? setInterval(() => {
          if (snapshotting) return;
          snapshotting = true;
          store
            .snapshot()
            .catch((e: unknown) => logger.error({ err: e }, 'snapshot failed'))
            .finally(() => (snapshotting = false));
        }, snapshotEvery)
      : undefined;
  snapshotTimer?.unref();
  const ranges = new Map<string, { tenant?: string; span: KeySpan }>();
  const learnRanges = { value: true };
  let address = listen;

  const server = new grpc.Server({
    ...SERVER_OPTIONS,
    ...(opts.maxReceiveMessageBytes !== undefined ? { 'grpc.max_receive_message_length': opts.maxReceiveMessageBytes } : {}),
  });
  server.addService(
    leafServiceDefinition(),
    leafService({ id: opts.id, zone: opts.zone ?? '', address: () => address, store, metrics, logger, ranges, learnRanges, batchTargetBytes: opts.batchTargetBytes }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  }).catch(async (e: unknown) => {
    if (snapshotTimer) clearInterval(snapshotTimer);
    await store.close();
    throw e;
  });
  address = `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
  logger.info({ leaf: opts.id, address }, 'leaf listening');
  let http: LeafHttpHandle | undefined;
  if (opts.httpListen !== undefined) {
    const storeStats = () => {
      const total = { series: 0, samples: 0, bytes: 0 };
      for (const t of store.tenantNames()) {
        const st = store.stats(t);
        total.series += st.series;
        total.samples += st.samples;
        total.bytes += st.bytes;
      }
      return total;
    };
    try {
      http = await startLeafHttp({ listen: opts.httpListen, leafId: opts.id, metrics, logger, storeStats });
    } catch (e) {
      server.forceShutdown();
      if (snapshotTimer) clearInterval(snapshotTimer);
      await store.close();
      throw e;
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    id: opts.id,
    get address() {
      return address;
    },
    ...(http ? { httpAddress: http.address } : {}),
    store,
    metrics,
    setRanges(rs) {
      learnRanges.value = false;
      ranges.clear();
      for (const r of rs) ranges.set(r.id, { tenant: r.tenant, span: { start: r.start, end: r.end } });
    },
    stop() {
      if (snapshotTimer) clearInterval(snapshotTimer);
      endHintStreams(store.hints);
      stopped ??= shutdownServer(server)
        .then(() => http?.stop())
        .then(() => store.close());
      return stopped;
    },
  };
}

/**
 * The Leaf service definition with Write requests decoded by the hand-written codec (sample
 * columns as Float64Arrays, stale-marker NaN payloads preserved; see src/rpc/write-wire.ts).
 * A malformed request decodes to `{ decodeError }`, answered INVALID_ARGUMENT by the handler.
 */
function leafServiceDefinition(): grpc.ServiceDefinition {
  return withWireWriteDecoder(canopyProto().Leaf.service);
}
