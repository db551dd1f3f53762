/**
 * Asks a destination leaf to pull a range from a source leaf (Leaf.Transfer, destination role)
 * and waits for the final progress frame. The stream carries progress at least every few hundred
 * ms while the destination works; `idleTimeoutMs` without any frame cancels it.
 */
import * as grpc from '@grpc/grpc-js';
import { canopyProto, CHANNEL_OPTIONS, fromServiceError } from '../rpc/index.js';
import type { LeafClient as GrpcLeafClient } from '../rpc/gen/canopy/v1/Leaf.js';
import type { TransferFrame__Output } from '../rpc/gen/canopy/v1/TransferFrame.js';

export interface TransferResult {
  series: number;
  samples: number;
  merged: number;
}

export interface TransferArgs {
  destAddress: string;
  sourceAddress: string;
  range: { id: string; start: Uint8Array; end: Uint8Array };
  minTimeMs?: number;
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Cancel when no frame arrives for this long, ms (default 60 s). */
  idleTimeoutMs?: number;
}

export async function pullRangeInto(a: TransferArgs): Promise<TransferResult> {
  const Ctor = canopyProto().Leaf;
  const client = new Ctor(a.destAddress, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as GrpcLeafClient;
  const call = client.Transfer({
    range: { id: a.range.id, start: Buffer.from(a.range.start), end: Buffer.from(a.range.end) },
    fromAddress: a.sourceAddress,
    minTimeMs: a.minTimeMs ?? 0,
    chunkBytes: a.chunkBytes ?? 0,
  });
  const onAbort = (): void => call.cancel();
  a.signal?.addEventListener('abort', onAbort, { once: true });
  const idleMs = a.idleTimeoutMs ?? 60_000;
  let idle = setTimeout(onAbort, idleMs);
  let last: TransferResult = { series: 0, samples: 0, merged: 0 };
  let done = false;
  try {
    for await (const f of call as AsyncIterable<TransferFrame__Output>) {
      clearTimeout(idle);
      idle = setTimeout(onAbort, idleMs);
      last = { series: f.series, samples: f.samples, merged: f.mergedSamples };
      if (f.done) done = true;
    }
  } catch (e) {
    throw fromServiceError(e);
  } finally {
    clearTimeout(idle);
    a.signal?.removeEventListener('abort', onAbort);
    client.close();
  }
  if (!done) throw new Error(`transfer of range ${a.range.id} into ${a.destAddress} ended without completing`);
  return last;
}
