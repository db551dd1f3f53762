/** Metrics of the HTTP front door, on the owning daemon's registry (get-or-create: registries may be shared). */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface HttpMetrics {
  requests: Counter<'handler' | 'code'>;
  duration: Histogram<'handler'>;
  remoteWriteSamples: Counter<'outcome'>;
  remoteWriteRequests: Counter<'code'>;
}

function get<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createHttpMetrics(registry: Registry, prefix: string): HttpMetrics {
  const r = [registry];
  return {
    requests: get(registry, `${prefix}_http_requests_total`, () => new Counter({ name: `${prefix}_http_requests_total`, help: 'HTTP requests by handler and status code.', labelNames: ['handler', 'code'], registers: r })),
    duration: get(registry, `${prefix}_http_request_duration_seconds`, () => new Histogram({ name: `${prefix}_http_request_duration_seconds`, help: 'HTTP request latency by handler.', labelNames: ['handler'], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60], registers: r })),
    remoteWriteSamples: get(registry, `${prefix}_remote_write_samples_total`, () => new Counter({ name: `${prefix}_remote_write_samples_total`, help: 'Remote write samples received, by outcome (accepted, rejected).', labelNames: ['outcome'], registers: r })),
    remoteWriteRequests: get(registry, `${prefix}_remote_write_requests_total`, () => new Counter({ name: `${prefix}_remote_write_requests_total`, help: 'Remote write requests by response status code.', labelNames: ['code'], registers: r })),
  };
}
