/** Public face of src/rpc: proto loading, channel options, status mapping, generated types. */
export * from './proto.js';
export * from './status.js';
export * from './arrow-series.js';
export * from './leaf-client.js';
export * from './write-wire.js';
export * from './write-validation.js';
export * from './server-helpers.js';
export * from './pb-wire.js';
