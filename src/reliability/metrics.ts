/**
 * Fan-out metrics (prom-client): leaf calls by outcome and health issues by kind. Breaker
 * metrics live with the breakers (breaker.ts). Registering twice on one Registry reuses the
 * existing metrics, so several executors/gateways in one process can share a registry.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { IssueKind } from './health.js';

export type CallOutcome = 'ok' | 'error' | 'cancelled' | 'rejected';

export interface ReliabilityMetrics {
  /** A leaf call ended: ok, error (leaf failed), cancelled (we gave up: hedge loser, deadline), rejected (breaker open). */
  call(leafId: string, outcome: CallOutcome, seconds: number): void;
  issue(kind: IssueKind): void;
}

function get<T>(registry: Registry | undefined, name: string, make: (registers: Registry[]) => T): T {
  return (registry?.getSingleMetric(name) as T | undefined) ?? make(registry ? [registry] : []);
}

export function createReliabilityMetrics(registry?: Registry): ReliabilityMetrics {
  const calls = get(registry, 'canopy_fanout_leaf_calls_total', (registers) => new Counter({ name: 'canopy_fanout_leaf_calls_total', help: 'Fan-out leaf calls by outcome (ok, error, cancelled, rejected).', labelNames: ['leaf', 'outcome'], registers }));
  const seconds = get(registry, 'canopy_fanout_leaf_call_seconds', (registers) => new Histogram({ name: 'canopy_fanout_leaf_call_seconds', help: 'Duration of completed fan-out leaf calls.', labelNames: ['leaf'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }));
  const issues = get(registry, 'canopy_query_health_issues_total', (registers) => new Counter({ name: 'canopy_query_health_issues_total', help: 'QueryHealth issues by kind (unavailable, timeout, fallback_used, hedged, …).', labelNames: ['kind'], registers }));
  return {
    call(leafId, outcome, s) {
      calls.inc({ leaf: leafId, outcome });
      if (outcome === 'ok') seconds.observe({ leaf: leafId }, s);
    },
    issue(kind) {
      issues.inc({ kind });
    },
  };
}
