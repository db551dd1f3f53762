/**
 * A small promise-based client for a gateway's public services (Query, Write, Admin), used by the
 * client commands, the demo loader and the benchmarks. Errors come back as CanopyErrors
 * (`fromServiceError`), so callers print the gateway's own message.
 */
import * as grpc from '@grpc/grpc-js';
import { canopyProto, CHANNEL_OPTIONS, encodeWriteRequest, fromServiceError } from '../rpc/index.js';
import type { Labels } from '../model/index.js';
import { decodeQueryResponse } from './query-wire.js';
import type { QueryClient } from '../rpc/gen/canopy/v1/Query.js';
import type { WriteClient } from '../rpc/gen/canopy/v1/Write.js';
import type { AdminClient } from '../rpc/gen/canopy/v1/Admin.js';
import type { QueryResponse__Output } from '../rpc/gen/canopy/v1/QueryResponse.js';
import type { InstantQueryRequest } from '../rpc/gen/canopy/v1/InstantQueryRequest.js';
import type { RangeQueryRequest } from '../rpc/gen/canopy/v1/RangeQueryRequest.js';
import type { ExplainRequest } from '../rpc/gen/canopy/v1/ExplainRequest.js';
import type { ExplainResponse__Output } from '../rpc/gen/canopy/v1/ExplainResponse.js';
import type { WriteResponse__Output } from '../rpc/gen/canopy/v1/WriteResponse.js';
import type { LeavesResponse__Output } from '../rpc/gen/canopy/v1/LeavesResponse.js';
import type { RangesResponse__Output } from '../rpc/gen/canopy/v1/RangesResponse.js';
import type { WriteRequest } from '../rpc/gen/canopy/v1/WriteRequest.js';

export type { QueryResponse__Output as QueryResponse } from '../rpc/gen/canopy/v1/QueryResponse.js';
export type { WriteResponse__Output as WriteResponse } from '../rpc/gen/canopy/v1/WriteResponse.js';

/** A series to write: labels plus parallel columns (typed arrays or plain arrays). */
export interface SeriesToWrite {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;

export class GatewayClient {
  readonly address: string;
  private readonly query: QueryClient;
  private readonly writer: WriteClient;
  private readonly admin: AdminClient;

  constructor(address: string) {
    this.address = address;
    const p = canopyProto();
    const creds = grpc.credentials.createInsecure();
    // Query answers are decoded by query-wire.ts (fast path for large matrices).
    const q = p.Query.service;
    const QueryCtor = grpc.makeGenericClientConstructor(
      { ...q, Instant: { ...q.Instant, responseDeserialize: decodeQueryResponse }, Range: { ...q.Range, responseDeserialize: decodeQueryResponse } },
      'Query',
    ) as unknown as new (address: string, creds: grpc.ChannelCredentials, options: grpc.ChannelOptions) => QueryClient;
    this.query = new QueryCtor(address, creds, CHANNEL_OPTIONS);
    // Separate channels: a long write stream must not queue behind queries (and vice versa).
    // Write requests are encoded by src/rpc's write-wire codec (columns copied as bytes, stale
    // markers preserved), so the client's serializer passes the bytes through.
    const base = p.Write.service;
    const WriteCtor = grpc.makeGenericClientConstructor({ ...base, Write: { ...base.Write, requestSerialize: (b: Buffer) => b } }, 'Write') as unknown as new (
      address: string,
      creds: grpc.ChannelCredentials,
      options: grpc.ChannelOptions,
    ) => WriteClient;
    this.writer = new WriteCtor(address, creds, { ...CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 });
    this.admin = new p.Admin(address, creds, CHANNEL_OPTIONS);
  }

  instant(req: InstantQueryRequest, timeoutMs = 60_000): Promise<QueryResponse__Output> {
    return this.call<QueryResponse__Output>((opts, cb) => this.query.Instant(req, opts, cb), timeoutMs);
  }

  range(req: RangeQueryRequest, timeoutMs = 60_000): Promise<QueryResponse__Output> {
    return this.call<QueryResponse__Output>((opts, cb) => this.query.Range(req, opts, cb), timeoutMs);
  }

  explain(req: ExplainRequest, timeoutMs = 60_000): Promise<ExplainResponse__Output> {
    return this.call<ExplainResponse__Output>((opts, cb) => this.query.Explain(req, opts, cb), timeoutMs);
  }

  /** Writes series through the gateway's Write service (the production ingest path). */
  write(tenant: string, series: readonly SeriesToWrite[], timeoutMs = 60_000): Promise<WriteResponse__Output> {
    const body = encodeWriteRequest(tenant, series);
    const req = Buffer.from(body.buffer, body.byteOffset, body.byteLength) as unknown as WriteRequest;
    return this.call<WriteResponse__Output>((opts, cb) => this.writer.Write(req, opts, cb), timeoutMs);
  }

  leaves(timeoutMs = 10_000): Promise<LeavesResponse__Output> {
    return this.call<LeavesResponse__Output>((opts, cb) => this.admin.Leaves({}, opts, cb), timeoutMs);
  }

  ranges(timeoutMs = 10_000): Promise<RangesResponse__Output> {
    return this.call<RangesResponse__Output>((opts, cb) => this.admin.Ranges({}, opts, cb), timeoutMs);
  }

  close(): void {
    this.query.close();
    this.writer.close();
    this.admin.close();
  }

  private call<T>(fn: (opts: grpc.CallOptions, cb: Callback<T>) => void, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      fn({ deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(fromServiceError(err));
        else resolve(res as T);
      });
    });
  }
}
