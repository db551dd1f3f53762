/**
 * Transport-agnostic halves of the `Leaf.Hints` stream.
 *
 * Leaf: `hintUpdates(leafHints, from, signal)` yields what the subscriber at `from` needs (deltas
 * since then, or a snapshot), then one coalesced delta per batch of changes, until `signal`
 * aborts. A gRPC handler writes each update with `toHintsMessage`.
 *
 * Gateway: `followLeafHints(index, leafId, open, signal)` keeps one leaf's hints in the index:
 * it opens the stream at the index's resume point, applies every update, and on a gap, an error
 * or the end of the stream marks the leaf unsynced (never pruned) and reopens after a pause —
 * without a resume point after a gap, so the leaf answers with a full snapshot.
 */
import type { HintIndex } from './hint-index.js';
import type { HintSource, HintUpdate, ResumePoint } from './hint-log.js';
import { decodeFingerprints, encodeFingerprints } from './wire.js';

/** The proposed `canopy.v1.HintsUpdate` message (camelCase, as the generated types are). */
export interface HintsMessage {
  epoch: string;
  /** A snapshot: `added` is the whole set, replacing the subscriber's copy. */
  full: boolean;
  /** Delta: applies on top of exactly this seq (exclusive). 0 for a snapshot. */
  fromSeq: number;
  /** The seq the subscriber stands at after applying this update. */
  toSeq: number;
  /** Little-endian u64 fingerprints, 8 bytes each. */
  added: Uint8Array;
  removed: Uint8Array;
  /** The publisher's set is incomplete (zone gateway with a child out of sync): do not prune it. */
  incomplete: boolean;
}

export function toHintsMessage(u: HintUpdate): HintsMessage {
  const incomplete = u.incomplete === true;
  if (u.kind === 'full') return { epoch: u.epoch, full: true, fromSeq: 0, toSeq: u.seq, added: encodeFingerprints(u.fingerprints), removed: new Uint8Array(0), incomplete };
  return { epoch: u.epoch, full: false, fromSeq: u.fromSeq, toSeq: u.toSeq, added: encodeFingerprints(u.added), removed: encodeFingerprints(u.removed), incomplete };
}

export function fromHintsMessage(m: HintsMessage): HintUpdate {
  const u: HintUpdate = m.full
    ? { kind: 'full', epoch: m.epoch, seq: Number(m.toSeq), fingerprints: decodeFingerprints(m.added) }
    : { kind: 'delta', epoch: m.epoch, fromSeq: Number(m.fromSeq), toSeq: Number(m.toSeq), added: decodeFingerprints(m.added), removed: decodeFingerprints(m.removed) };
  if (m.incomplete) u.incomplete = true;
  return u;
}

/**
 * Publisher side (a leaf's `LeafHints`, or a zone's `publishIndex`): the update stream for a
 * subscriber at `from` (undefined → start with a snapshot).
 */
export async function* hintUpdates(lh: HintSource, from: ResumePoint | undefined, signal: AbortSignal): AsyncGenerator<HintUpdate> {
  let cur = from;
  let first = true;
  let lastIncomplete = false;
  while (!signal.aborted) {
    const u = lh.since(cur);
    const empty = u.kind === 'delta' && u.added.length === 0 && u.removed.length === 0;
    const incomplete = u.incomplete === true;
    if (first || !empty || incomplete !== lastIncomplete) yield u;
    first = false;
    lastIncomplete = incomplete;
    cur = { epoch: u.epoch, seq: u.kind === 'full' ? u.seq : u.toSeq };
    if (lh.seq !== cur.seq) continue; // changed while the consumer was busy
    await new Promise<void>((resolve) => {
      const done = (): void => {
        off();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const off = lh.onChange(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export interface FollowOptions {
  /** Pause before reopening after an error or the end of a stream (ms, default 500). */
  retryMs?: number;
  /** Called on stream errors (log them). */
  onError?: (e: unknown) => void;
  /**
   * Asked after a lost stream (not a gap): true puts the leaf's last hints back in force
   * (`HintIndex.markFrozen`) — for a leaf known unreachable (it admits no writes; see
   * src/router/hint-state.ts for the argument). Default: never.
   */
  keepWhile?: () => boolean;
}

/**
 * Gateway side: follows one leaf's hint stream into `index` until `signal` aborts. `open` opens
 * the stream (e.g. a `Leaf.Hints` call mapped through `fromHintsMessage`) and must end or throw
 * when `signal` aborts.
 */
export async function followLeafHints(
  index: HintIndex,
  leafId: string,
  open: (from: ResumePoint | undefined, signal: AbortSignal) => AsyncIterable<HintUpdate>,
  signal: AbortSignal,
  opts: FollowOptions = {},
): Promise<void> {
  index.leafNumber(leafId);
  while (!signal.aborted) {
    let gap = false;
    try {
      for await (const u of open(index.resumePoint(leafId), signal)) {
        if (index.applyUpdate(leafId, u) === 'gap') {
          gap = true;
          break;
        }
      }
    } catch (e) {
      if (!signal.aborted) opts.onError?.(e);
    }
    index.markUnsynced(leafId);
    if (!gap && opts.keepWhile?.() === true) index.markFrozen(leafId);
    if (signal.aborted) return;
    if (!gap) await sleep(opts.retryMs ?? 500, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
