/**
 * Public face of src/engine: Canopy's columnar PromQL evaluator (Prometheus 3 semantics, float
 * samples only).
 *
 * How a query runs (engine.ts):
 *  1. parse (src/promql) unless an Expr is given;
 *  2. prefetch.ts walks the AST over the exact time grids evaluation will use (query steps,
 *     step-aligned subquery grids, `@`, offsets, duration expressions) and calls
 *     `Querier.select` once per selector, concurrently, with the exact sample window;
 *  3. eval.ts evaluates every node ONCE over its whole grid, synchronously: an instant vector is
 *     per series a Float64Array of values + a Uint8Array presence mask; a scalar is a
 *     Float64Array; a range vector is raw sample columns + per-step [lo, hi) windows. Numeric
 *     kernels (rate, *_over_time, quantiles, Kahan sums…) come from ./kernels;
 *  4. result.ts converts to the public shapes (range queries: label-sorted matrix).
 *
 * Files: eval-selectors (lookback/staleness, range windows, smoothed), eval-subquery,
 * eval-binary (matching, group_left/right, bool, set ops, fill), eval-aggregate, eval-functions
 * (+ eval-range-functions, eval-label-functions, eval-histogram, eval-info), annotations (exact
 * upstream texts), series-ops (name dropping, same-labelset merging), limits (maxSamples).
 */
export { Engine, DEFAULT_ENGINE_OPTIONS, MAX_RANGE_POINTS } from './engine.js';
export type { EngineOptions, InstantSample, QueryOutput, QueryValue } from './engine.js';
export { TOO_MANY_SAMPLES } from './limits.js';
