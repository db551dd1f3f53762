/** The gateway's Prometheus metrics, on a registry of its own (several gateways may share a process). */
import { Counter, Histogram, Registry } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  writeRejectedSeries: Counter<'reason'>;
  writeRejectedSamples: Counter<'reason'>;
  writeAcceptedSamples: Counter;
  writeReplicaErrors: Counter<'leaf'>;
  queries: Counter<'kind' | 'outcome'>;
  queryDuration: Histogram<'kind'>;
  leafCalls: Counter<'leaf' | 'method' | 'outcome'>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  return {
    registry,
    writeRejectedSeries: new Counter({ name: 'canopy_gateway_write_rejected_series_total', help: 'Series rejected by writes, by reason.', labelNames: ['reason'], registers: [registry] }),
    writeRejectedSamples: new Counter({ name: 'canopy_gateway_write_rejected_samples_total', help: 'Samples rejected by writes, by reason.', labelNames: ['reason'], registers: [registry] }),
    writeAcceptedSamples: new Counter({ name: 'canopy_gateway_write_accepted_samples_total', help: 'Samples acknowledged to writers.', registers: [registry] }),
    writeReplicaErrors: new Counter({ name: 'canopy_gateway_write_replica_errors_total', help: 'Failed leaf write batches, by leaf.', labelNames: ['leaf'], registers: [registry] }),
    queries: new Counter({ name: 'canopy_gateway_queries_total', help: 'Queries answered, by kind and outcome (ok, partial, error).', labelNames: ['kind', 'outcome'], registers: [registry] }),
    queryDuration: new Histogram({ name: 'canopy_gateway_query_duration_seconds', help: 'Query latency at the gateway.', labelNames: ['kind'], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60], registers: [registry] }),
    leafCalls: new Counter({ name: 'canopy_gateway_leaf_calls_total', help: 'Calls to leaves, by leaf, method and outcome.', labelNames: ['leaf', 'method', 'outcome'], registers: [registry] }),
  };
}
