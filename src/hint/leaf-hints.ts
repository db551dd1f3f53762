/**
 * Leaf side of the field-hint index: the set of hints a leaf holds, refcounted, and a log of
 * hint deltas with sequence numbers that gateways follow (`Leaf.Hints`).
 *
 * Refcounting is two-level: each (tenant, name, value) pair counts the series carrying it, and
 * each hint fingerprint counts the distinct pairs deriving it (pairs may share trigrams). A hint
 * appears (an `add` delta) when its count goes 0 → 1 and disappears (a `remove` delta) when it
 * goes 1 → 0 — when series expire or a range moves away the leaf calls `removeSeries`.
 *
 * The delta log is a bounded ring. Sequence numbers start at 1 and increase by one per delta; a
 * subscriber that has applied everything up to `seq` N resumes with `since({epoch, seq: N})` and
 * gets the deltas N+1..current coalesced (last operation per fingerprint wins, so order inside
 * one update does not matter), or a full snapshot when N fell out of the ring, N is in the future,
 * or the epoch differs (the leaf restarted: its seq numbers mean something else). The epoch is a
 * random id per instance.
 */
import { randomBytes } from 'node:crypto';
import type { Labels } from '../model/index.js';
import { deriveHints, hintSeed, type Fingerprint } from './hint-derive.js';

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
}

/** The whole hint set as of `seq`: replaces whatever the subscriber had for this leaf. */
export interface HintSnapshot {
  kind: 'full';
  epoch: string;
  seq: number;
  fingerprints: Float64Array;
}

export type HintUpdate = HintDelta | HintSnapshot;

export interface LeafHintsOptions {
  /** Deltas kept for resumption (default 65,536). */
  ringCapacity?: number;
  /** Fixed epoch (tests); default random. */
  epoch?: string;
}

const OP_ADD = 1;
const OP_REMOVE = 0;

export class LeafHints {
  readonly epoch: string;
  private readonly pairs = new Map<string, number>();
  private readonly refs = new Map<Fingerprint, number>();
  private readonly ringFp: Float64Array;
  private readonly ringOp: Uint8Array;
  private seqNo = 0;
  private listeners = new Set<(seq: number) => void>();
  private notifyScheduled = false;
  private readonly scratch: Fingerprint[] = [];

  constructor(opts: LeafHintsOptions = {}) {
    const cap = Math.max(16, opts.ringCapacity ?? 65_536);
    this.ringFp = new Float64Array(cap);
    this.ringOp = new Uint8Array(cap);
    this.epoch = opts.epoch ?? randomBytes(8).toString('hex');
  }

  /** Sequence number of the last delta (0 before any). */
  get seq(): number {
    return this.seqNo;
  }

  /** Number of distinct hints held. */
  get size(): number {
    return this.refs.size;
  }

  /** A series (its labels) now lives on this leaf. Call once per series. */
  addSeries(tenant: string, labels: Labels): void {
    for (const l of labels) {
      if (l.value === '') continue;
      const key = `${tenant}\u0000${l.name}\u0000${l.value}`;
      const n = this.pairs.get(key) ?? 0;
      this.pairs.set(key, n + 1);
      if (n > 0) continue;
      this.scratch.length = 0;
      for (const fp of deriveHints(hintSeed(tenant, l.name), l.value, this.scratch)) {
        const r = this.refs.get(fp) ?? 0;
        this.refs.set(fp, r + 1);
        if (r === 0) this.log(fp, OP_ADD);
      }
    }
  }

  /** A series left this leaf (expired, deleted, or its range moved away). */
  removeSeries(tenant: string, labels: Labels): void {
    for (const l of labels) {
      if (l.value === '') continue;
      const key = `${tenant}\u0000${l.name}\u0000${l.value}`;
      const n = this.pairs.get(key);
      if (n === undefined) continue; // never added: ignore rather than corrupt counts
      if (n > 1) {
        this.pairs.set(key, n - 1);
        continue;
      }
      this.pairs.delete(key);
      this.scratch.length = 0;
      for (const fp of deriveHints(hintSeed(tenant, l.name), l.value, this.scratch)) {
        const r = this.refs.get(fp) ?? 0;
        if (r > 1) this.refs.set(fp, r - 1);
        else {
          this.refs.delete(fp);
          this.log(fp, OP_REMOVE);
        }
      }
    }
  }

  /** Whether the leaf holds hint `fp` (tests). */
  has(fp: Fingerprint): boolean {
    return this.refs.has(fp);
  }

  /** The whole hint set now. */
  snapshot(): HintSnapshot {
    const fps = new Float64Array(this.refs.size);
    let i = 0;
    for (const fp of this.refs.keys()) fps[i++] = fp;
    return { kind: 'full', epoch: this.epoch, seq: this.seqNo, fingerprints: fps };
  }

  /**
   * What a subscriber at `from` needs: the coalesced deltas since then, or a snapshot when it
   * has nothing (`undefined`), another epoch, a seq outside the ring, or when the delta would be
   * larger than the snapshot.
   */
  since(from: ResumePoint | undefined): HintUpdate {
    const cap = this.ringFp.length;
    const oldest = Math.max(0, this.seqNo - cap); // deltas oldest+1..seqNo are in the ring
    if (!from || from.epoch !== this.epoch || from.seq > this.seqNo || from.seq < oldest || this.seqNo - from.seq > this.refs.size + 1024) {
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
    return { kind: 'delta', epoch: this.epoch, fromSeq: from.seq, toSeq: this.seqNo, added, removed };
  }

  /**
   * Calls `cb(seq)` after new deltas (once per microtask however many deltas were logged), so a
   * streaming handler can pull `since(lastSent)`. Returns the unsubscribe function.
   */
  onChange(cb: (seq: number) => void): () => void {
    this.listeners.add(cb);
    return () => void this.listeners.delete(cb);
  }

  private log(fp: Fingerprint, op: number): void {
    const i = this.seqNo % this.ringFp.length;
    this.ringFp[i] = fp;
    this.ringOp[i] = op;
    this.seqNo++;
    if (this.listeners.size > 0 && !this.notifyScheduled) {
      this.notifyScheduled = true;
      queueMicrotask(() => {
        this.notifyScheduled = false;
        for (const cb of [...this.listeners]) cb(this.seqNo);
      });
    }
  }
}
