/** Public face of src/planner: fan-out planning (key spans → ranges → leaves), the distributed plan (pushdown split) and Explain. */
export * from './key-spans.js';
export * from './fanout.js';
export * from './query-plan.js';
export * from './describe.js';
export * from './plan-fragment.js';
export * from './pushdown-rules.js';
export * from './optimize-query-time.js';
export * from './optimize-pushdown.js';
export * from './logical-plan.js';
export * from './distributed-plan.js';
