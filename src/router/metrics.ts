/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways may share a
 * process): writes and rejections, queries and their latency, fan-out sizes and pruning ratios,
 * leaf calls and the last known state of each leaf; `processRegistry()` holds the process's
 * default metrics.
 */
import type * as grpc from '@grpc/grpc-js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueryHandlers } from '../rpc/gen/canopy/v1/Query.js';
import type { Topology } from './topology.js';

export interface GatewayMetrics {
  registry: Registry;
  writeRejectedSeries: Counter<'reason'>;
  writeRejectedSamples: Counter<'reason'>;
  writeAcceptedSamples: Counter;
  writeReplicaErrors: Counter<'leaf'>;
  queries: Counter<'kind' | 'outcome'>;
  queryDuration: Histogram<'kind'>;
  leafCalls: Counter<'leaf' | 'method' | 'outcome'>;
  /** Children (ranges) a query fanned out to. */
  queryFanout: Histogram;
  /** Share of the tenant's ranges a query did not have to contact: pruned / (pruned + expected). */
  queryPrunedRatio: Histogram;
  /** Records one answered query's fan-out. */
  observeFanout(expected: number, pruned: number): void;
}

let processMetrics: Registry | undefined;

/**
 * prom-client's process/nodejs metrics, once per process: they describe the process, not one
 * gateway, and each collector set runs an event-loop-delay timer, so several gateways in one
 * process (tests, `canopy dev`) share it. Served by /metrics beside the gateway's registry.
 */
export function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const queryFanout = new Histogram({ name: 'canopy_gateway_query_fanout_children', help: 'Children (ranges) contacted per query.', buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024], registers });
  const queryPrunedRatio = new Histogram({ name: 'canopy_gateway_query_pruned_ratio', help: "Share of the tenant's ranges pruned from a query's fan-out (0 = scatter to all, 1 = none contacted).", buckets: [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1], registers });
  return {
    registry,
    writeRejectedSeries: new Counter({ name: 'canopy_gateway_write_rejected_series_total', help: 'Series rejected by writes, by reason.', labelNames: ['reason'], registers }),
    writeRejectedSamples: new Counter({ name: 'canopy_gateway_write_rejected_samples_total', help: 'Samples rejected by writes, by reason.', labelNames: ['reason'], registers }),
    writeAcceptedSamples: new Counter({ name: 'canopy_gateway_write_accepted_samples_total', help: 'Samples acknowledged to writers.', registers }),
    writeReplicaErrors: new Counter({ name: 'canopy_gateway_write_replica_errors_total', help: 'Failed leaf write batches, by leaf.', labelNames: ['leaf'], registers }),
    queries: new Counter({ name: 'canopy_gateway_queries_total', help: 'Queries answered, by kind and outcome (ok, partial, error).', labelNames: ['kind', 'outcome'], registers }),
    queryDuration: new Histogram({ name: 'canopy_gateway_query_duration_seconds', help: 'Query latency at the gateway.', labelNames: ['kind'], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60], registers }),
    leafCalls: new Counter({ name: 'canopy_gateway_leaf_calls_total', help: 'Calls to leaves, by leaf, method and outcome.', labelNames: ['leaf', 'method', 'outcome'], registers }),
    queryFanout,
    queryPrunedRatio,
    observeFanout(expected, pruned) {
      queryFanout.observe(expected);
      if (expected + pruned > 0) queryPrunedRatio.observe(pruned / (expected + pruned));
    },
  };
}

/** `canopy_gateway_leaf_state{leaf,state}`: 1 for each registered leaf's last known state (up, down, unknown), read at scrape time. */
export function observeLeafStates(metrics: GatewayMetrics, topology: Topology): void {
  if (metrics.registry.getSingleMetric('canopy_gateway_leaf_state')) return;
  new Gauge({
    name: 'canopy_gateway_leaf_state',
    help: 'Last known state of each registered leaf (1 for the current state: up, down or unknown).',
    labelNames: ['leaf', 'state'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const l of topology.table.leaves()) {
        const up = topology.leafUp(l.id);
        this.set({ leaf: l.id, state: up === undefined ? 'unknown' : up ? 'up' : 'down' }, 1);
      }
    },
  });
  new Gauge({
    name: 'canopy_gateway_ranges',
    help: 'Ranges in the gateway’s current assignment.',
    registers: [metrics.registry],
    collect() {
      this.set(topology.table.size);
    },
  });
}

type Health = { expectedChildren?: number; prunedByRange?: number; prunedByHint?: number; prunedByTime?: number } | null | undefined;

/** Wraps the Query service's Instant and Range handlers to record each answer's fan-out. */
export function instrumentQueryService(h: QueryHandlers, metrics: GatewayMetrics): QueryHandlers {
  const wrap = <Req, Res extends { health?: Health }>(fn: grpc.handleUnaryCall<Req, Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, cb) =>
      fn(call, (err, res, ...rest) => {
        const hl = res?.health;
        if (!err && hl) metrics.observeFanout(hl.expectedChildren ?? 0, (hl.prunedByRange ?? 0) + (hl.prunedByHint ?? 0) + (hl.prunedByTime ?? 0));
        cb(err, res, ...rest);
      });
  return { ...h, Instant: wrap(h.Instant), Range: wrap(h.Range) };
}
