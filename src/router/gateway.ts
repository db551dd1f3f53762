/**
 * `startGateway`: the gateway's gRPC server (Query, Write and Admin services) over a live view of
 * the range assignment. Stateless apart from that view and per-leaf health; run several.
 */
import { gatewayServiceError } from './service-error.js';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EngineOptions } from '../engine/index.js';
import { canopyProto, decodeWriteRequest, SERVER_OPTIONS, type WireWriteRequest } from '../rpc/index.js';
import { InvalidArgumentError } from '../model/index.js';
import type { AssignmentStore } from '../shard/index.js';
import { adminService } from './admin-service.js';
import { createGatewayMetrics } from './metrics.js';
import { DEFAULT_QUERY_TIMEOUT_MS, type QueryDeps } from './query-exec.js';
import { queryService } from './query-service.js';
import { Topology } from './topology.js';
import { routeWrite, type WriteRouterDeps } from './write-router.js';

export interface GatewayOptions {
  /** host:port to bind; default '127.0.0.1:7400' (tests use '127.0.0.1:0'). */
  listen?: string;
  assignment: AssignmentStore;
  /** Target schema (default job, instance); must match the leaves'. */
  targetLabels?: readonly string[];
  engine?: EngineOptions;
  logger?: Logger;
  /** Query deadline when a request sets none, ms (default 2 min). */
  defaultTimeoutMs?: number;
  /** Deadline of each leaf write batch, ms (default 30 s). */
  writeTimeoutMs?: number;
}

export interface GatewayHandle {
  /** host:port actually bound. */
  address: string;
  /** The gateway's own metrics registry. */
  registry: Registry;
  stop(): Promise<void>;
}

export const DEFAULT_GATEWAY_LISTEN = '127.0.0.1:7400';
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  const logger = opts.logger ?? pino({ name: 'canopy-gateway', level: process.env.LOG_LEVEL ?? 'info' });
  const listen = opts.listen ?? DEFAULT_GATEWAY_LISTEN;
  const metrics = createGatewayMetrics();
  const topology = new Topology(opts.assignment, opts.targetLabels, logger);

  const writeDeps: WriteRouterDeps = { topology, metrics, logger, leafTimeoutMs: opts.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS };
  const queryDeps: QueryDeps = { topology, metrics, logger, engine: opts.engine ?? {}, defaultTimeoutMs: opts.defaultTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS };

  const write: grpc.UntypedServiceImplementation = {
    Write(call: grpc.ServerUnaryCall<DecodedWrite, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const req = call.request;
      if (req.decodeError !== undefined) {
        cb(gatewayServiceError(new InvalidArgumentError(`malformed write request: ${req.decodeError}`)));
        return;
      }
      routeWrite(
        writeDeps,
        req.tenant,
        req.series.map((s) => ({ labels: s.labels, t: s.timestampsMs, v: s.values })),
      ).then(
        (res) => cb(null, res),
        (e: unknown) => cb(gatewayServiceError(e)),
      );
    },
  };

  const server = new grpc.Server(SERVER_OPTIONS);
  const proto = canopyProto();
  server.addService(proto.Query.service, queryService(queryDeps));
  server.addService(writeServiceDefinition(), write);
  server.addService(proto.Admin.service, adminService(topology));

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(listen, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
  } catch (e) {
    topology.close();
    throw e;
  }
  const address = `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
  logger.info({ address, leaves: topology.table.leaves().length, ranges: topology.table.size }, 'gateway listening');

  let stopped: Promise<void> | undefined;
  return {
    address,
    registry: metrics.registry,
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
      }).finally(() => topology.close());
      return stopped;
    },
  };
}

type DecodedWrite = WireWriteRequest & { decodeError?: string };

/**
 * The Write service with requests decoded by the hand-written codec (src/rpc/write-wire.ts):
 * sample columns arrive as Float64Arrays with stale-marker NaN payloads intact, which protobufjs
 * would canonicalise. A malformed request decodes to `{ decodeError }`.
 */
function writeServiceDefinition(): grpc.ServiceDefinition {
  const base = canopyProto().Write.service;
  return {
    ...base,
    Write: {
      ...base.Write,
      requestDeserialize: (b: Buffer): DecodedWrite => {
        try {
          return decodeWriteRequest(b);
        } catch (e) {
          return { tenant: '', series: [], decodeError: e instanceof Error ? e.message : String(e) };
        }
      },
    },
  };
}
