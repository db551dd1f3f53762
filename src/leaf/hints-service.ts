/**
 * The `Leaf.Hints` handler: streams the field-hint updates of the leaf's series (src/hint) to a
 * gateway — deltas after `(epoch, afterSeq)` when the leaf still has them, else a full snapshot —
 * until the gateway cancels. One coalesced delta per batch of changes.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { hintUpdates, toHintsMessage, type LeafHints } from '../hint/index.js';
import type { HintsRequest__Output } from '../rpc/gen/canopy/v1/HintsRequest.js';
import type { HintsUpdate } from '../rpc/gen/canopy/v1/HintsUpdate.js';

/** Open streams per hint source, so a stopping leaf can end them (else a graceful shutdown waits). */
const openStreams = new WeakMap<LeafHints, Set<() => void>>();

/** Ends every open Hints stream of `hints` (leaf shutdown): gateways see the end and reconnect. */
export function endHintStreams(hints: LeafHints): void {
  for (const stop of [...(openStreams.get(hints) ?? [])]) stop();
}

export function handleHints(hints: LeafHints, logger: Logger, call: grpc.ServerWritableStream<HintsRequest__Output, HintsUpdate>): void {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
  let set = openStreams.get(hints);
  if (!set) openStreams.set(hints, (set = new Set()));
  set.add(stop);
  ac.signal.addEventListener('abort', () => set.delete(stop), { once: true });
  const req = call.request;
  const from = req.epoch ? { epoch: req.epoch, seq: Number(req.afterSeq) } : undefined;
  const pump = async (): Promise<void> => {
    for await (const u of hintUpdates(hints, from, ac.signal)) {
      if (ac.signal.aborted) break;
      const ok = call.write(toHintsMessage(u));
      // Back-pressure: wait for the socket before computing the next (coalesced) delta.
      if (!ok) await new Promise<void>((resolve) => {
        call.once('drain', resolve);
        ac.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  };
  pump().then(
    () => {
      if (!call.cancelled) call.end();
    },
    (e: unknown) => {
      logger.debug({ err: e }, 'hints stream failed');
      if (!call.cancelled) call.destroy(e as Error);
    },
  );
}
