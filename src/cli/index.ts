/** Public face of src/cli (for benchmarks and tests): the gateway client and the embedded cluster. */
export { GatewayClient, type SeriesToWrite, type QueryResponse, type WriteResponse } from './client.js';
export { startEmbeddedCluster, declareRanges, type EmbeddedCluster, type EmbeddedClusterOptions } from './cluster.js';
export { parseDurationArg, parseTimeArg, UsageError } from './args.js';
export { formatPromValue, toPromData } from './format.js';
