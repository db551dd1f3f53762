/**
 * `startGateway`: the gateway's gRPC server (Query, Write and Admin services, plus the standard
 * gRPC health checking service and server reflection, so grpcurl works) over a live view of the
 * range assignment, and optionally its HTTP listener (Prometheus HTTP API, remote write,
 * /metrics, /-/healthy, /-/ready; src/http). Stateless apart from that view and per-leaf health;
 * run several.
 */
import { attachHints, GatewayHints, type GatewayHintsOptions } from './hint-state.js';
import { gatewayServiceError } from './service-error.js';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EngineOptions } from '../engine/index.js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { gatewayBackend, startHttpServer, type HttpServerHandle } from '../http/index.js';
import { canopyProto, LOADER_OPTIONS, SERVER_OPTIONS, shutdownServer, withWireWriteDecoder, type DecodedWrite } from '../rpc/index.js';
import { InvalidArgumentError } from '../model/index.js';
import type { AssignmentStore } from '../shard/index.js';
import { adminService } from './admin-service.js';
import { createGatewayMetrics, instrumentQueryService, observeLeafStates, processRegistry } from './metrics.js';
import { DEFAULT_QUERY_TIMEOUT_MS, type QueryDeps } from './query-exec.js';
import { queryService } from './query-service.js';
import { attachReliability, GatewayReliability, type ReliabilityOptions } from './reliability-state.js';
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
  /** Push plan fragments down to the leaves (default true); false fetches raw series instead. */
  pushdown?: boolean;
  /** Deadline of each leaf write batch, ms (default 30 s). */
  writeTimeoutMs?: number;
  /** host:port of the HTTP listener (Prometheus API, remote write, /metrics); absent = none. */
  httpListen?: string;
  /** Breakers, hedging (`hedge: false` = `--no-hedge`), deadline bounds (src/router/reliability-state.ts). */
  reliability?: ReliabilityOptions;
  /** Field-hint pruning (src/router/hint-state.ts); `{ enabled: false }` or CANOPY_HINTS=off turns it off. */
  hints?: GatewayHintsOptions;
}

export interface GatewayHandle {
  /** host:port actually bound. */
  address: string;
  /** host:port of the HTTP listener, when one was asked for. */
  httpAddress?: string;
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
  const reliability = attachReliability(topology, new GatewayReliability(opts.reliability, metrics.registry));
  const hints = attachHints(topology, new GatewayHints(topology, logger, { ...(process.env.CANOPY_HINTS === 'off' ? { enabled: false } : {}), ...opts.hints }));

  const writeDeps: WriteRouterDeps = { topology, metrics, logger, leafTimeoutMs: opts.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS };
  const queryDeps: QueryDeps = { topology, metrics, logger, engine: opts.engine ?? {}, defaultTimeoutMs: opts.defaultTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, ...(opts.pushdown !== undefined ? { pushdown: opts.pushdown } : {}) };

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
  server.addService(proto.Query.service, instrumentQueryService(queryService(queryDeps), metrics));
  server.addService(writeServiceDefinition(), write);
  server.addService(proto.Admin.service, adminService(topology));
  const health = new HealthImplementation({ '': 'SERVING', 'canopy.v1.Query': 'SERVING', 'canopy.v1.Write': 'SERVING', 'canopy.v1.Admin': 'SERVING' });
  health.addToServer(server);
  new ReflectionService(publicPackageDefinition()).addToServer(server);
  observeLeafStates(metrics, topology);

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

  let http: HttpServerHandle | undefined;
  if (opts.httpListen !== undefined) {
    try {
      http = await startHttpServer({
        listen: opts.httpListen,
        logger: logger.child({ component: 'http' }),
        backend: gatewayBackend(queryDeps, writeDeps),
        registries: [metrics.registry, processRegistry()],
        metricsPrefix: 'canopy_gateway',
        name: 'Canopy gateway',
        onQuery: (_kind, f) => metrics.observeFanout(f.expected, f.pruned),
      });
    } catch (e) {
      server.forceShutdown();
      topology.close();
      throw e;
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    address,
    ...(http ? { httpAddress: http.address } : {}),
    registry: metrics.registry,
    stop() {
      health.setStatus('', 'NOT_SERVING');
      stopped ??= shutdownServer(server)
        .then(() => http?.stop())
        .finally(() => {
          reliability.close();
          hints.close();
          topology.close();
        });
      return stopped;
    },
  };
}

/** The public services' protos, for server reflection (grpcurl list / describe). */
function publicPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(['canopy/v1/query.proto', 'canopy/v1/write.proto', 'canopy/v1/admin.proto'], LOADER_OPTIONS);
}

/**
 * The Write service with requests decoded by the hand-written codec (src/rpc/write-wire.ts):
 * sample columns arrive as Float64Arrays with stale-marker NaN payloads intact, which protobufjs
 * would canonicalise. A malformed request decodes to `{ decodeError }`.
 */
function writeServiceDefinition(): grpc.ServiceDefinition {
  return withWireWriteDecoder(canopyProto().Write.service);
}
