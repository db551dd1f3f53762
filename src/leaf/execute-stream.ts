/**
 * Streaming a result as `ExecuteFrame`s: series cut into Arrow batches of bounded size, then
 * warnings, then one final stats frame. Honours flow control (waits for 'drain') and stops as
 * soon as the call is cancelled (client cancel or deadline).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Series } from '../model/index.js';
import { encodeSeriesBatch } from '../rpc/arrow-series.js';
import type { ExecuteFrame } from '../rpc/gen/canopy/v1/ExecuteFrame.js';
import type { ExecuteRequest__Output } from '../rpc/gen/canopy/v1/ExecuteRequest.js';

/** Bounds of one Arrow batch: whichever is reached first. */
export const BATCH_TARGET_BYTES = 2 * 1024 * 1024;
export const BATCH_MAX_SERIES = 4096;

export type ExecuteCall = grpc.ServerWritableStream<ExecuteRequest__Output, ExecuteFrame>;

export interface StreamTotals {
  series: number;
  samples: number;
  bytes: number;
}

/** Yields consecutive slices of `series` within the batch bounds. */
export function* batches(series: readonly Series[], targetBytes = BATCH_TARGET_BYTES, maxSeries = BATCH_MAX_SERIES): Generator<readonly Series[]> {
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    let est = 16 * s.t.length + 16;
    for (const l of s.labels) est += l.name.length + l.value.length + 6;
    if (i > from && (bytes + est > targetBytes || i - from >= maxSeries)) {
      yield series.slice(from, i);
      from = i;
      bytes = 0;
    }
    bytes += est;
  }
  if (from < series.length) yield series.slice(from);
}

/** Writes the series as arrow frames; resolves false when the call was cancelled midway. */
export async function streamSeries(call: ExecuteCall, series: readonly Series[], totals: StreamTotals, targetBytes = BATCH_TARGET_BYTES): Promise<boolean> {
  for (const batch of batches(series, targetBytes)) {
    if (call.cancelled) return false;
    const bytes = encodeSeriesBatch(batch);
    totals.series += batch.length;
    for (const s of batch) totals.samples += s.t.length;
    totals.bytes += bytes.byteLength;
    if (!(await writeFrame(call, { arrowBatch: bytes }))) return false;
  }
  return !call.cancelled;
}

/**
 * Writes one frame of any server stream (Execute, Transfer), waiting for the peer to drain when
 * the stream's buffer is full. Resolves false when the call was cancelled.
 */
export async function writeFrame<Req, Frame>(call: grpc.ServerWritableStream<Req, Frame>, frame: Frame): Promise<boolean> {
  if (call.cancelled) return false;
  if (call.write(frame)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
  return !call.cancelled;
}
