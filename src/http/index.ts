/**
 * Public face of src/http: the Prometheus-compatible HTTP front door of a gateway (query API,
 * remote write receiver, /metrics, health), its JSON encoding and parameter parsing, and the
 * remote write codec.
 */
export { startHttpServer, DEFAULT_HTTP_LISTEN, type HttpServerOptions, type HttpServerHandle } from './server.js';
export type { PromApiBackend, ApiQueryOptions, QueryAnswer, ListAnswer, QuerySpec, SeriesIn, WriteAnswer, ReadyState } from './backend.js';
export { gatewayBackend } from './gateway-backend.js';
export { decodeRemoteWrite, decodeWriteRequestProto, encodeWriteRequestProto, encodeRemoteWrite, type RemoteWriteRequest, type RemoteSeries, type RemoteMetadata, type RemoteSeriesIn } from './remote-write.js';
export { parseTime, parseDuration, parsePromDuration, FormParams } from './params.js';
export { formatValue, queryDataJson, successJson, errorJson, toApiError } from './prom-json.js';
export { MetadataStore } from './metadata-store.js';
