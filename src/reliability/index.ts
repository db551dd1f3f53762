/**
 * Public face of src/reliability: QueryHealth and the partial-response decision, per-leaf
 * circuit breakers, latency tracking, the replica resolver, hedging, deadlines, and the generic
 * fan-out executor that ties them together.
 */
export * from './health.js';
export * from './breaker.js';
export * from './latency.js';
export * from './resolver.js';
export * from './hedge.js';
export * from './deadline.js';
export * from './executor.js';
export * from './explain.js';
export * from './metrics.js';
