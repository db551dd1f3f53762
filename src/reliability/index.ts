/**
 * Public face of src/reliability: QueryHealth and the partial-response decision, per-leaf
 * circuit breakers, latency tracking, the replica resolver, hedging, deadlines, and the generic
 * fan-out executor that ties them together.
 *
 * Wiring in a gateway (per process: one BreakerRegistry, one LatencyTracker, one
 * ReliabilityMetrics; per query: one Deadlines and one HealthBuilder):
 *
 *   const deadlines = computeDeadlines({ timeoutMs: req.options.timeoutMs }, { defaultTimeoutMs, maxTimeoutMs });
 *   const health = new HealthBuilder();                        // prune(...) what the planner left out
 *   const { children, issues } = planChildren(ranges, { start, end, breakerState: (id) => breakers.state(id),
 *     ewma: (id) => latency.ewma(id), inflight: (id) => latency.inflight(id) });
 *   issues.forEach((i) => health.note(i));                     // incomplete_coverage
 *   const res = await executeChildren({ children, call, breakers, latency, metrics, deadlines,
 *     signal: querySignal, health });
 *   // res.results: complete, disjoint answers ({ leafId, childIds, items }); merge them.
 *   // at the edge: decidePartial(health.build(), partialStrategyOf(req.options.partialResponse))
 *
 * `call(leafId, childIds, signal, info)` must use `signal` (hedge losers and the soft deadline
 * cancel through it) and send `info.deadlineAt` as the gRPC deadline; it should have no side
 * effects (account from `res.results`, since a cancelled loser may have run to the end).
 */
export * from './health.js';
export * from './breaker.js';
export * from './latency.js';
export * from './resolver.js';
export * from './hedge.js';
export * from './deadline.js';
export * from './executor-types.js';
export * from './executor.js';
export * from './explain.js';
export * from './metrics.js';
