/** Public face of src/router: the gateway (Query, Write, Admin services) and its parts. */
export { startGateway, DEFAULT_GATEWAY_LISTEN, type GatewayOptions, type GatewayHandle } from './gateway.js';
export { routeWrite, resolveTenant, type WriteResult, type WriteSeriesIn } from './write-router.js';
export { RemoteQuerier, matchersToProto } from './remote-querier.js';
export { QueryContext, type QueryHealthOut, type HealthIssueOut, type PartialStrategy } from './query-context.js';
export { Topology } from './topology.js';
export { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
export { mergeSeriesSets } from './series-merge.js';
export { DEFAULT_QUERY_TIMEOUT_MS, MAX_RANGE_POINTS } from './query-exec.js';
export { runQuery, newContext, checkHealth, type QueryDeps, type QuerySpec, type QueryRun } from './query-exec.js';
export { type WriteRouterDeps } from './write-router.js';
