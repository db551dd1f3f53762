/** Public face of src/model: labels, matchers, samples, target keys, validation, errors, storage contract. */
export * from './labels.js';
export * from './validate.js';
export * from './errors.js';
export * from './samples.js';
export * from './regex.js';
export * from './matcher.js';
export * from './target-key.js';
export * from './storage.js';
export * from './memory-querier.js';
export * from './prng.js';
