/**
 * The destination side of a range transfer: pulls a range from a source leaf (its Transfer RPC,
 * source role) and merges every chunk into this leaf's store (store-merge.ts). A broken stream is
 * resumed from the cursor of the last chunk merged, with backoff, a bounded number of times;
 * merging is idempotent, so a chunk seen twice changes nothing.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { canopyProto, CHANNEL_OPTIONS } from '../rpc/proto.js';
import { decodeSeriesBatch } from '../rpc/arrow-series.js';
import { fromServiceError } from '../rpc/status.js';
import type { LeafClient as GrpcLeafClient } from '../rpc/gen/canopy/v1/Leaf.js';
import type { TransferFrame__Output } from '../rpc/gen/canopy/v1/TransferFrame.js';
import { mergeSamples } from './store-merge.js';
import type { LeafStore } from './store.js';

/** Idle time after each chunk, as a multiple of the time the chunk took (see pullOnce). */
const PACE = Number(process.env['CANOPY_TRANSFER_PACE'] ?? 1);

/** Longest stretch of merging without yielding to the event loop, ms. */
const MERGE_SLICE_MS = 4;

export interface PullOptions {
  fromAddress: string;
  range: { id: string; start: Uint8Array; end: Uint8Array };
  tenant?: string;
  minTimeMs?: number;
  chunkBytes?: number;
  /** Resume attempts after a failure (default 5). */
  maxAttempts?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Called after each merged chunk. */
  onProgress?: (p: PullProgress) => void;
}

export interface PullProgress {
  chunks: number;
  series: number;
  samples: number;
  merged: number;
  cursor: string;
  /** Times the stream broke and was resumed from `cursor`. */
  resumes: number;
}

export async function pullRange(store: LeafStore, opts: PullOptions): Promise<PullProgress> {
  const Ctor = canopyProto().Leaf;
  const client = new Ctor(opts.fromAddress, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as GrpcLeafClient;
  const p: PullProgress = { chunks: 0, series: 0, samples: 0, merged: 0, cursor: '', resumes: 0 };
  const maxAttempts = opts.maxAttempts ?? 5;
  let failures = 0;
  try {
    for (;;) {
      try {
        await pullOnce(client, store, opts, p);
        return p;
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        failures++;
        if (failures > maxAttempts) throw e;
        p.resumes++;
        const err = fromServiceError(e);
        opts.logger?.warn({ range: opts.range.id, from: opts.fromAddress, cursor: p.cursor, attempt: failures, err: err.message }, 'transfer interrupted; resuming');
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** failures)));
      }
    }
  } finally {
    client.close();
  }
}

async function pullOnce(client: GrpcLeafClient, store: LeafStore, opts: PullOptions, p: PullProgress): Promise<void> {
  const call = client.Transfer({
    range: { id: opts.range.id, start: Buffer.from(opts.range.start), end: Buffer.from(opts.range.end) },
    tenant: opts.tenant ?? '',
    resumeAfter: p.cursor,
    minTimeMs: opts.minTimeMs ?? 0,
    chunkBytes: opts.chunkBytes ?? 0,
  });
  const onAbort = (): void => call.cancel();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const frame of call as AsyncIterable<TransferFrame__Output>) {
      if (frame.arrowBatch && frame.arrowBatch.byteLength > 0) {
        const chunkStart = performance.now();
        // Merge in slices of at most MERGE_SLICE_MS, yielding between them: a move must not
        // stall this leaf's writes and queries for a whole chunk.
        let sliceStart = performance.now();
        for (const s of decodeSeriesBatch(frame.arrowBatch)) {
          const out = mergeSamples(store, frame.tenant, s.labels, s.t, s.v);
          p.merged += out.merged;
          p.samples += s.t.length;
          p.series++;
          if (performance.now() - sliceStart > MERGE_SLICE_MS) {
            await new Promise((r) => setImmediate(r));
            sliceStart = performance.now();
          }
        }
        p.chunks++;
        // Pace the transfer: after each chunk, idle for as long as it took times PACE, so a move
        // uses at most 1 / (1 + PACE) of this leaf's time and live traffic keeps its latency.
        const spent = performance.now() - chunkStart;
        await new Promise((r) => setTimeout(r, Math.min(200, spent * PACE)));
      }
      if (frame.cursor) p.cursor = frame.cursor;
      opts.onProgress?.({ ...p });
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
