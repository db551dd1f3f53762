/**
 * The leaf's Prometheus metrics, in a registry of its own (several leaves share one process in
 * `canopy dev` and in tests, so nothing goes to prom-client's global registry).
 */
import { Counter, Histogram, Registry } from 'prom-client';

export interface LeafMetrics {
  readonly registry: Registry;
  /** Samples rejected on write, by reason (the Rejection reasons of types.proto). */
  readonly rejectedSamples: Counter<'reason'>;
  /** Series rejected (wholly or partly) on write, by reason. */
  readonly rejectedSeries: Counter<'reason'>;
  readonly appendedSamples: Counter;
  readonly executeSeconds: Histogram<'kind'>;
  readonly executeSamples: Counter<'kind'>;
  /** Execute streams stopped early because the caller cancelled or its deadline passed. */
  readonly executeCancelled: Counter<'kind'>;
}

export function createLeafMetrics(leafId: string): LeafMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ leaf: leafId });
  return {
    registry,
    rejectedSamples: new Counter({
      name: 'canopy_leaf_rejected_samples_total',
      help: 'Samples rejected by the leaf on write, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rejectedSeries: new Counter({
      name: 'canopy_leaf_rejected_series_total',
      help: 'Series with at least one rejected sample, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    appendedSamples: new Counter({
      name: 'canopy_leaf_appended_samples_total',
      help: 'Samples appended to the head.',
      registers: [registry],
    }),
    executeSeconds: new Histogram({
      name: 'canopy_leaf_execute_seconds',
      help: 'Time to execute a fragment and stream its result.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
    executeSamples: new Counter({
      name: 'canopy_leaf_execute_samples_total',
      help: 'Samples returned by Execute.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    executeCancelled: new Counter({
      name: 'canopy_leaf_execute_cancelled_total',
      help: 'Execute streams stopped early because the call was cancelled or its deadline passed.',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}
