/** Public face of src/shard: the range-assignment contract, stores, initial ranges, routing table. */
export * from './assignment-store.js';
export * from './memory-store.js';
export * from './initial-ranges.js';
export * from './range-table.js';
export * from './replicas.js';
export * from './etcd-store.js';
export { DEFAULT_ETCD_PREFIX } from './etcd-codec.js';
export * from './spans.js';
