/**
 * The Leaf.Transfer handler (see leaf.proto): source role streams chunks of a range
 * (transfer-source.ts); destination role pulls the range from another leaf (transfer-pull.ts)
 * and streams progress back to the caller.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../model/index.js';
import { encodeSeriesBatch } from '../rpc/arrow-series.js';
import { toServiceError } from '../rpc/status.js';
import type { TransferFrame } from '../rpc/gen/canopy/v1/TransferFrame.js';
import type { TransferRequest__Output } from '../rpc/gen/canopy/v1/TransferRequest.js';
import type { LeafStore } from './store.js';
import { writeFrame as write } from './execute-stream.js';
import { pullRange } from './transfer-pull.js';
import { decodeCursor, encodeCursor, transferChunks } from './transfer-source.js';

export type TransferCall = grpc.ServerWritableStream<TransferRequest__Output, TransferFrame>;

export function handleTransfer(store: LeafStore, logger: Logger, call: TransferCall): void {
  const run = call.request.fromAddress ? pull(store, logger, call) : source(store, call);
  run.then(
    () => {
      if (!call.cancelled) call.end();
    },
    (e: unknown) => {
      if (call.cancelled) return;
      logger.warn({ err: (e as Error).message, range: call.request.range?.id }, 'transfer failed');
      call.emit('error', toServiceError(e));
    },
  );
}

function spanOf(req: TransferRequest__Output): { start: Uint8Array; end: Uint8Array } {
  if (!req.range) throw new InvalidArgumentError('transfer request needs a range');
  return { start: new Uint8Array(req.range.start), end: new Uint8Array(req.range.end) };
}

async function source(store: LeafStore, call: TransferCall): Promise<void> {
  const req = call.request;
  let resumeAfter;
  try {
    resumeAfter = decodeCursor(req.resumeAfter);
  } catch {
    throw new InvalidArgumentError(`malformed resume_after cursor ${JSON.stringify(req.resumeAfter)}`);
  }
  const chunks = transferChunks(store, {
    span: spanOf(req),
    ...(req.tenant ? { tenant: req.tenant } : {}),
    ...(resumeAfter ? { resumeAfter } : {}),
    ...(req.minTimeMs ? { minTimeMs: req.minTimeMs } : {}),
    chunkBytes: req.chunkBytes,
  });
  for await (const c of chunks) {
    if (call.cancelled) return;
    const frame: TransferFrame = { arrowBatch: encodeSeriesBatch(c.series), tenant: c.tenant, cursor: encodeCursor(c.cursor), series: c.series.length, samples: c.samples };
    if (!(await write(call, frame))) return;
    await new Promise((r) => setImmediate(r)); // let writes and queries in between chunks
  }
  await write(call, { done: true });
}

async function pull(store: LeafStore, logger: Logger, call: TransferCall): Promise<void> {
  const req = call.request;
  const abort = new AbortController();
  call.on('cancelled', () => abort.abort());
  let last = 0;
  const p = await pullRange(store, {
    fromAddress: req.fromAddress,
    range: { id: req.range?.id ?? '', ...spanOf(req) },
    ...(req.tenant ? { tenant: req.tenant } : {}),
    ...(req.minTimeMs ? { minTimeMs: req.minTimeMs } : {}),
    chunkBytes: req.chunkBytes,
    signal: abort.signal,
    logger,
    onProgress: (pr) => {
      // Progress at most every 250 ms (the caller only needs liveness and totals).
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      void write(call, { cursor: pr.cursor, series: pr.series, samples: pr.samples, mergedSamples: pr.merged });
    },
  });
  await write(call, { cursor: p.cursor, series: p.series, samples: p.samples, mergedSamples: p.merged, done: true });
}
