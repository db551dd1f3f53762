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
import type { Labels } from '../model/index.js';
import { deriveHints, hintSeed, type Fingerprint } from './hint-derive.js';
import { anyTimeHint, MAX_BUCKETS_PER_ADD, timeBucket, timeHint } from './time-hints.js';
import { HintLog, type HintLogOptions, type HintSnapshot, type HintSource, type HintUpdate, type ResumePoint } from './hint-log.js';

export type { HintDelta, HintSnapshot, HintUpdate, ResumePoint } from './hint-log.js';
export type LeafHintsOptions = HintLogOptions;

export class LeafHints implements HintSource {
  readonly epoch: string;
  private readonly pairs = new Map<string, number>();
  private readonly refs = new Map<Fingerprint, number>();
  private readonly scratch: Fingerprint[] = [];
  private readonly out: HintLog;
  /** Time buckets already hinted, per tenant (never removed). */
  private readonly buckets = new Map<string, Set<number>>();

  constructor(opts: LeafHintsOptions = {}) {
    this.out = new HintLog(
      () => {
        const fps = new Float64Array(this.refs.size);
        let i = 0;
        for (const fp of this.refs.keys()) fps[i++] = fp;
        return fps;
      },
      () => this.refs.size,
      opts,
    );
    this.epoch = this.out.epoch;
  }

  /** Sequence number of the last delta (0 before any). */
  get seq(): number {
    return this.out.seq;
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
        if (r === 0) this.out.log(fp, true);
      }
    }
  }

  /**
   * Samples in [minT, maxT] were admitted for `tenant` (a superset is fine): adds the time-bucket
   * hints not held yet (see time-hints.ts). Cheap when the buckets are known (the usual case).
   */
  addTime(tenant: string, minT: number, maxT: number): void {
    if (!(minT <= maxT)) return;
    let set = this.buckets.get(tenant);
    if (!set) this.buckets.set(tenant, (set = new Set()));
    const lo = Number.isFinite(minT) ? timeBucket(minT) : -Infinity;
    const hi = Number.isFinite(maxT) ? timeBucket(maxT) : Infinity;
    if (hi - lo >= MAX_BUCKETS_PER_ADD) {
      if (!set.has(Infinity)) {
        set.add(Infinity);
        this.ref(anyTimeHint(tenant));
      }
      return;
    }
    for (let b = lo; b <= hi; b++) {
      if (set.has(b)) continue;
      set.add(b);
      this.ref(timeHint(tenant, b));
    }
  }

  private ref(fp: Fingerprint): void {
    const r = this.refs.get(fp) ?? 0;
    this.refs.set(fp, r + 1);
    if (r === 0) this.out.log(fp, true);
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
          this.out.log(fp, false);
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
    return this.out.snapshot();
  }

  /**
   * What a subscriber at `from` needs: the coalesced deltas since then, or a snapshot when it
   * has nothing (`undefined`), another epoch, a seq outside the ring, or when the delta would be
   * larger than the snapshot.
   */
  since(from: ResumePoint | undefined): HintUpdate {
    return this.out.since(from);
  }

  /**
   * Calls `cb(seq)` after new deltas (once per microtask however many deltas were logged), so a
   * streaming handler can pull `since(lastSent)`. Returns the unsubscribe function.
   */
  onChange(cb: (seq: number) => void): () => void {
    return this.out.onChange(cb);
  }
}
