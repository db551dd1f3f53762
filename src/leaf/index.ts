/** Public face of src/leaf: the leaf daemon, its store and write path. */
export { startLeaf, DEFAULT_SNAPSHOT_INTERVAL_MS, type LeafOptions, type LeafHandle, type LeafRangeInfo } from './server.js';
export { LeafStore, DEFAULT_OOO_WINDOW_MS, type StoreStats, type LeafStoreOptions, type AppendOutcome, type SampleRejectReason } from './store.js';
export { TenantStore } from './store-tenant.js';
export type { FsyncPolicy, StoreStats as StorageStats } from './storage/index.js';
export { applyWrite, resolveTenant, type WriteSeries, type WriteResult, type WriteRejection } from './write.js';
export { createLeafMetrics, type LeafMetrics } from './metrics.js';
export { evalSelector, instantAtSteps, rangeWindows, stepTimes, DEFAULT_LOOKBACK_MS } from './execute-selector.js';
export { startLeafRegistration, type LeafRegistrationOptions, type LeafMembership } from './registration.js';
export { mergeSamples, dropSpan, type MergeOutcome } from './store-merge.js';
