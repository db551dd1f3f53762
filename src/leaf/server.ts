/**
 * `startLeaf`: a leaf daemon's gRPC server (the Leaf service) over its own in-memory store.
 */
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { KeySpan } from '../model/index.js';
import { canopyProto, SERVER_OPTIONS } from '../rpc/proto.js';
import { decodeWriteRequest } from '../rpc/write-wire.js';
import { startLeafHttp, type LeafHttpHandle } from './http-metrics.js';
import { createLeafMetrics, type LeafMetrics } from './metrics.js';
import { leafService } from './service.js';
import { LeafStore } from './store.js';

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
  const store = new LeafStore(opts.targetLabels);
  const metrics = createLeafMetrics(opts.id);
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
      stopped ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }).then(() => http?.stop());
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
  const base = canopyProto().Leaf.service;
  return {
    ...base,
    Write: {
      ...base.Write,
      requestDeserialize: (b: Buffer) => {
        try {
          return decodeWriteRequest(b);
        } catch (e) {
          return { tenant: '', series: [], decodeError: e instanceof Error ? e.message : String(e) };
        }
      },
    },
  };
}
