/**
 * A published hint set's delta log: sequence-numbered add/remove deltas in a bounded ring, so a
 * subscriber resumes with `since({epoch, seq})` and gets the coalesced deltas (last operation per
 * fingerprint wins) or a full snapshot when its position fell out of the ring, is in the future,
 * or belongs to another epoch (the publisher restarted). Leaves publish their own hints through
 * it (`LeafHints`); zone gateways publish the union of their children's (`publishIndex`).
 *
 * `incomplete` travels with every update: the publisher's set may lack hints it should have (a
 * zone gateway with a child out of sync), so the subscriber must not prune on it.
 */
import { randomBytes } from 'node:crypto';
import type { Fingerprint } from './hint-derive.js';

/** Where a subscriber stands: everything up to and including `seq` of `epoch` is applied. */
export interface ResumePoint {
  epoch: string;
  seq: number;
}

/** Changes since `fromSeq` (exclusive) up to `toSeq` (inclusive). */
export interface HintDelta {
  kind: 'delta';
  epoch: string;
  fromSeq: number;
  toSeq: number;
  added: Float64Array;
  removed: Float64Array;
  /** The publisher's set is known to be incomplete: never prune on it. */
  incomplete?: boolean;
}

/** The whole hint set as of `seq`: replaces whatever the subscriber had for this publisher. */
export interface HintSnapshot {
  kind: 'full';
  epoch: string;
  seq: number;
  fingerprints: Float64Array;
  incomplete?: boolean;
}

export type HintUpdate = HintDelta | HintSnapshot;

/** Anything a `Leaf.Hints`-style stream can serve. */
export interface HintSource {
  readonly epoch: string;
  /** Seq of the last delta (0 before any). */
  readonly seq: number;
  since(from: ResumePoint | undefined): HintUpdate;
  /** `cb` runs (once per microtask batch) after new deltas or an `incomplete` flip. */
  onChange(cb: (seq: number) => void): () => void;
}

export interface HintLogOptions {
  /** Deltas kept for resumption (default 65,536). */
  ringCapacity?: number;
  /** Fixed epoch (tests); default random. */
  epoch?: string;
}

const OP_ADD = 1;

export class HintLog implements HintSource {
  readonly epoch: string;
  private readonly ringFp: Float64Array;
  private readonly ringOp: Uint8Array;
  private seqNo = 0;
  private incompleteFlag = false;
  private readonly listeners = new Set<(seq: number) => void>();
  private notifyScheduled = false;

  /** `current` lists the whole set now (snapshots); `size` is its length. */
  constructor(
    private readonly current: () => Float64Array,
    private readonly size: () => number,
    opts: HintLogOptions = {},
  ) {
    const cap = Math.max(16, opts.ringCapacity ?? 65_536);
    this.ringFp = new Float64Array(cap);
    this.ringOp = new Uint8Array(cap);
    this.epoch = opts.epoch ?? randomBytes(8).toString('hex');
  }

  get seq(): number {
    return this.seqNo;
  }

  get incomplete(): boolean {
    return this.incompleteFlag;
  }

  /** Records that `fp` entered (`added`) or left the set. */
  log(fp: Fingerprint, added: boolean): void {
    const i = this.seqNo % this.ringFp.length;
    this.ringFp[i] = fp;
    this.ringOp[i] = added ? OP_ADD : 0;
    this.seqNo++;
    this.notify();
  }

  setIncomplete(v: boolean): void {
    if (v === this.incompleteFlag) return;
    this.incompleteFlag = v;
    this.notify();
  }

  snapshot(): HintSnapshot {
    const s: HintSnapshot = { kind: 'full', epoch: this.epoch, seq: this.seqNo, fingerprints: this.current() };
    if (this.incompleteFlag) s.incomplete = true;
    return s;
  }

  since(from: ResumePoint | undefined): HintUpdate {
    const cap = this.ringFp.length;
    const oldest = Math.max(0, this.seqNo - cap); // deltas oldest+1..seqNo are in the ring
    if (!from || from.epoch !== this.epoch || from.seq > this.seqNo || from.seq < oldest || this.seqNo - from.seq > this.size() + 1024) {
      return this.snapshot();
    }
    const last = new Map<Fingerprint, number>();
    for (let s = from.seq + 1; s <= this.seqNo; s++) {
      const i = (s - 1) % cap;
      last.set(this.ringFp[i]!, this.ringOp[i]!);
    }
    let na = 0;
    for (const op of last.values()) if (op === OP_ADD) na++;
    const added = new Float64Array(na);
    const removed = new Float64Array(last.size - na);
    let a = 0;
    let r = 0;
    for (const [fp, op] of last) {
      if (op === OP_ADD) added[a++] = fp;
      else removed[r++] = fp;
    }
    const d: HintDelta = { kind: 'delta', epoch: this.epoch, fromSeq: from.seq, toSeq: this.seqNo, added, removed };
    if (this.incompleteFlag) d.incomplete = true;
    return d;
  }

  onChange(cb: (seq: number) => void): () => void {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  }

  private notify(): void {
    if (this.listeners.size > 0 && !this.notifyScheduled) {
      this.notifyScheduled = true;
      queueMicrotask(() => {
        this.notifyScheduled = false;
        for (const cb of [...this.listeners]) cb(this.seqNo);
      });
    }
  }
}
