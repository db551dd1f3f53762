/** Public face of src/engine: the columnar PromQL evaluator. */
export { Engine, DEFAULT_ENGINE_OPTIONS, MAX_RANGE_POINTS } from './engine.js';
export type { EngineOptions, InstantSample, QueryOutput, QueryValue } from './engine.js';
export { TOO_MANY_SAMPLES } from './limits.js';
