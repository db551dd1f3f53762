/** Public face of src/planner: fan-out planning (key spans → ranges → leaves) and Explain. */
export * from './key-spans.js';
export * from './fanout.js';
export * from './query-plan.js';
export * from './describe.js';
