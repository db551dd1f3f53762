/**
 * A typed client of one leaf's Leaf service (grpc-js, CHANNEL_OPTIONS).
 *
 * Every call takes an optional deadline: a number ≤ 1e12 is a timeout in ms from now, a larger
 * one an absolute time in ms since the epoch. Errors arrive as `CanopyError`s
 * (`fromServiceError`). `execute` is an async iterable of decoded events; aborting its signal,
 * or leaving the loop early, cancels the call on the wire.
 */
import * as grpc from '@grpc/grpc-js';
import { CanopyError, type Labels, type Series } from '../model/index.js';
import { decodeSeriesBatch } from './arrow-series.js';
import type { ExecuteFrame__Output } from './gen/canopy/v1/ExecuteFrame.js';
import type { ExecuteRequest } from './gen/canopy/v1/ExecuteRequest.js';
import type { ExecuteStats__Output } from './gen/canopy/v1/ExecuteStats.js';
import type { LeafClient as GrpcLeafClient } from './gen/canopy/v1/Leaf.js';
import type { LeafLabelsRequest } from './gen/canopy/v1/LeafLabelsRequest.js';
import type { LeafSeriesRequest } from './gen/canopy/v1/LeafSeriesRequest.js';
import type { LeafStatusResponse__Output } from './gen/canopy/v1/LeafStatusResponse.js';
import type { WriteResponse__Output } from './gen/canopy/v1/WriteResponse.js';
import { canopyProto, CHANNEL_OPTIONS } from './proto.js';
import { fromServiceError } from './status.js';
import { encodeWriteRequest } from './write-wire.js';
import type { LeafWriteRequest } from './gen/canopy/v1/LeafWriteRequest.js';

/** One series to write: labels (sorted by name) and parallel sample columns. */
export interface TimeSeriesIn {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export type ExecuteEvent =
  | { kind: 'batch'; series: Series[]; bytes: number }
  | { kind: 'warning'; message: string }
  | { kind: 'stats'; stats: ExecuteStats__Output };

export interface CallOpts {
  signal?: AbortSignal;
  deadlineMs?: number;
}

export function deadlineOf(deadlineMs: number | undefined): grpc.Deadline | undefined {
  if (deadlineMs === undefined || !Number.isFinite(deadlineMs)) return undefined;
  return deadlineMs > 1e12 ? deadlineMs : Date.now() + Math.max(0, deadlineMs);
}

export class LeafClient {
  readonly address: string;
  private readonly client: GrpcLeafClient;

  constructor(address: string, channelOptions: grpc.ChannelOptions = CHANNEL_OPTIONS) {
    this.address = address;
    const Ctor = grpc.makeGenericClientConstructor(leafClientDefinition(), 'Leaf') as unknown as new (
      address: string,
      creds: grpc.ChannelCredentials,
      options: grpc.ChannelOptions,
    ) => GrpcLeafClient;
    this.client = new Ctor(address, grpc.credentials.createInsecure(), channelOptions);
  }

  /**
   * Writes series (encoded by write-wire.ts: columns copied as bytes, stale markers preserved).
   * Timestamps must be safe integers (ms), else InvalidArgumentError before anything is sent.
   */
  async write(tenant: string, series: readonly TimeSeriesIn[], deadlineMs?: number): Promise<WriteResponse__Output> {
    const body = encodeWriteRequest(tenant, series);
    const req = Buffer.from(body.buffer, body.byteOffset, body.byteLength) as unknown as LeafWriteRequest;
    return this.unary<WriteResponse__Output>((o, cb) => this.client.Write(req, o, cb), { deadlineMs });
  }

  async series(req: LeafSeriesRequest, opts: CallOpts = {}): Promise<Labels[]> {
    const res = await this.unary<{ series: { labels: { name: string; value: string }[] }[] }>((o, cb) => this.client.Series(req, o, cb), opts);
    return res.series.map((s) => s.labels.map((l) => ({ name: l.name, value: l.value })));
  }

  async labelNames(req: LeafLabelsRequest, opts: CallOpts = {}): Promise<string[]> {
    return (await this.unary<{ values: string[] }>((o, cb) => this.client.LabelNames(req, o, cb), opts)).values;
  }

  async labelValues(req: LeafLabelsRequest, opts: CallOpts = {}): Promise<string[]> {
    return (await this.unary<{ values: string[] }>((o, cb) => this.client.LabelValues(req, o, cb), opts)).values;
  }

  status(opts: CallOpts = {}): Promise<LeafStatusResponse__Output> {
    return this.unary<LeafStatusResponse__Output>((o, cb) => this.client.Status({}, o, cb), opts);
  }

  /** Streams the fragment's result. Throws CanopyError (e.g. CANCELLED after an abort). */
  async *execute(req: ExecuteRequest, opts: CallOpts = {}): AsyncIterable<ExecuteEvent> {
    if (opts.signal?.aborted) throw new CanopyError('CANCELLED', 'execute cancelled before it started');
    const deadline = deadlineOf(opts.deadlineMs);
    const call = this.client.Execute(req, deadline !== undefined ? { deadline } : {});
    const onAbort = (): void => call.cancel();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let finished = false;
    try {
      for await (const frame of call as AsyncIterable<ExecuteFrame__Output>) {
        const ev = toEvent(frame);
        if (ev) yield ev;
      }
      finished = true;
    } catch (e) {
      finished = true;
      throw fromServiceError(e);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!finished) call.cancel();
    }
  }

  close(): void {
    this.client.close();
  }

  private unary<T>(start: (o: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: T) => void) => grpc.ClientUnaryCall, opts: CallOpts): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new CanopyError('CANCELLED', 'call cancelled before it started'));
      const deadline = deadlineOf(opts.deadlineMs);
      const call = start(deadline !== undefined ? { deadline } : {}, (err, res) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(fromServiceError(err));
        else resolve(res as T);
      });
      const onAbort = (): void => call.cancel();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function toEvent(frame: ExecuteFrame__Output): ExecuteEvent | undefined {
  switch (frame.frame) {
    case 'arrowBatch': {
      const bytes = frame.arrowBatch!;
      return { kind: 'batch', series: decodeSeriesBatch(bytes), bytes: bytes.byteLength };
    }
    case 'warning':
      return { kind: 'warning', message: frame.warning ?? '' };
    case 'stats':
      return { kind: 'stats', stats: frame.stats! };
    default:
      return undefined;
  }
}

/** The Leaf service definition whose Write takes an already encoded request (a Buffer). */
function leafClientDefinition(): grpc.ServiceDefinition {
  const base = canopyProto().Leaf.service;
  return { ...base, Write: { ...base.Write, requestSerialize: (b: Buffer) => b } };
}
