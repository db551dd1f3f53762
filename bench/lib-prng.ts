/** The project's seedable PRNG (mulberry32), for benchmarks and tests: see src/model/prng.ts. */
export { rng } from '../src/model/index.js';
