/** Public face of src/leaf: the leaf daemon, its store and write path. */
export { startLeaf, type LeafOptions, type LeafHandle, type LeafRangeInfo } from './server.js';
export { LeafStore, type StoreStats } from './store.js';
export { TenantStore } from './store-tenant.js';
export { applyWrite, resolveTenant, type WriteSeries, type WriteResult, type WriteRejection } from './write.js';
export { createLeafMetrics, type LeafMetrics } from './metrics.js';
export { evalSelector, instantAtSteps, rangeWindows, stepTimes, DEFAULT_LOOKBACK_MS } from './execute-selector.js';
