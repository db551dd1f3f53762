/**
 * Gateway side of the field-hint index: hint fingerprint → set of leaves holding it.
 *
 * Layout (typed arrays only, no object per hint):
 *  - an open-addressing hash table (linear probing, load ≤ 3/4, backward-shift deletion) keyed by
 *    the fingerprint's two halves (`keyHi`, `keyLo`), with `count` = number of leaves holding the
 *    hint (0 = empty slot) and `ref`: the leaf number itself when count = 1 (most hints — trigrams
 *    of instance names, pod ids — live on one leaf), else a row of the bitset pool;
 *  - a bitset pool: rows of `stride` 32-bit words, one bit per dense leaf number; the stride grows
 *    (doubling) as leaves are numbered. Freed rows are reused.
 * Leaves get dense numbers on first sight; numbers of removed leaves are reused.
 *
 * Correctness contract: a leaf is reported for a hint whenever its last applied update holds that
 * hint (no false negatives), and a leaf whose hints are not in sync (never received a snapshot,
 * stream lost, gap detected) is a candidate for every query — see `unsyncedMask`.
 */
import type { Fingerprint } from './hint-derive.js';
import type { HintUpdate, ResumePoint } from './hint-log.js';

interface LeafState {
  num: number;
  /** Last applied position; undefined until the first snapshot. */
  resume: ResumePoint | undefined;
  /** Hints are in sync: the last update applied cleanly and the stream was not marked lost since. */
  synced: boolean;
  /** Some hint was ever added for this leaf (a snapshot must clear first). */
  hasHints: boolean;
  /** Read-your-writes: the leaf is not pruned until the index has applied this point. */
  expect: ResumePoint | undefined;
  /** Some hint of this leaf did not fit (maxHints): never pruned until a snapshot fits. */
  overflow: boolean;
  /** The child said its own set is incomplete (a zone gateway with a child out of sync). */
  incomplete: boolean;
}

/** Observer of the index as a set (zone gateways republish it: `publishIndex`). */
export interface HintIndexListener {
  /** `fp` entered (first leaf holds it) or left (no leaf holds it any more) the index. */
  presence(fp: Fingerprint, present: boolean): void;
  /** The set of never-pruned leaves may have changed (see `anyUnprunable`). */
  unprunableChanged(): void;
}

export type ApplyResult = 'applied' | 'gap';

const TWO32 = 0x100000000;

export class HintIndex {
  private mask: number;
  private keyHi: Uint32Array;
  private keyLo: Uint32Array;
  private count: Uint32Array;
  private ref: Int32Array;
  private used = 0;

  private strideWords = 1;
  private pool: Uint32Array;
  private poolRows = 0;
  private freeRows: number[] = [];

  private readonly leaves = new Map<string, LeafState>();
  private byNum: (string | undefined)[] = [];
  private freeNums: number[] = [];
  private unsyncedCache: Uint32Array | undefined;

  private readonly maxHints: number;
  private listener: HintIndexListener | undefined;

  /**
   * `maxHints` bounds the distinct hints held (memory: ≈ 21 bytes per hint at full load plus
   * bitset rows); a leaf whose hints do not fit is never pruned (sound, just no pruning for it).
   */
  constructor(opts: { initialCapacity?: number; maxHints?: number } = {}) {
    this.maxHints = opts.maxHints ?? Infinity;
    let cap = 1024;
    while (cap * 3 < (opts.initialCapacity ?? 0) * 4) cap *= 2;
    this.mask = cap - 1;
    this.keyHi = new Uint32Array(cap);
    this.keyLo = new Uint32Array(cap);
    this.count = new Uint32Array(cap);
    this.ref = new Int32Array(cap);
    this.pool = new Uint32Array(64 * this.strideWords);
  }

  /** Sets the (single) observer; `undefined` removes it. */
  setListener(l: HintIndexListener | undefined): void {
    this.listener = l;
  }

  /** Every fingerprint held by at least one leaf. */
  fingerprints(): Float64Array {
    const out = new Float64Array(this.used);
    let i = 0;
    for (let s = 0; s <= this.mask; s++) if (this.count[s] !== 0) out[i++] = this.keyHi[s]! * TWO32 + this.keyLo[s]!;
    return out;
  }

  /** Whether some known leaf must never be pruned (unsynced, awaited, overflowed, incomplete). */
  anyUnprunable(): boolean {
    const m = this.unsyncedMask();
    for (let w = 0; w < m.length; w++) if (m[w] !== 0) return true;
    return false;
  }

  /** Words per leaf bitset; bitsets handed out by this index have this length. */
  get stride(): number {
    return this.strideWords;
  }

  /** Distinct hints indexed. */
  get hints(): number {
    return this.used;
  }

  /** Memory held by the index's typed arrays, in bytes. */
  bytes(): number {
    return this.keyHi.byteLength + this.keyLo.byteLength + this.count.byteLength + this.ref.byteLength + this.pool.byteLength + this.freeRows.length * 8;
  }

  /** Dense number of a leaf, assigning one (unsynced) on first sight. */
  leafNumber(leafId: string): number {
    let st = this.leaves.get(leafId);
    if (!st) {
      const num = this.freeNums.pop() ?? this.byNum.length;
      st = { num, resume: undefined, synced: false, hasHints: false, expect: undefined, overflow: false, incomplete: false };
      this.leaves.set(leafId, st);
      this.byNum[num] = leafId;
      if (num >= this.strideWords * 32) this.growStride(Math.ceil((num + 1) / 32));
      this.invalidateMask();
    }
    return st.num;
  }

  /** Whether the index has numbered this leaf. */
  isKnown(leafId: string): boolean {
    return this.leaves.has(leafId);
  }

  /** Leaf id of a dense number (undefined if free). */
  leafId(num: number): string | undefined {
    return this.byNum[num];
  }

  /** Number of known leaves. */
  get size(): number {
    return this.leaves.size;
  }

  /** Ids of all known leaves. */
  leafIds(): string[] {
    return [...this.leaves.keys()];
  }

  /** Whether the leaf's hints are in sync (else it is a candidate for every query). */
  isSynced(leafId: string): boolean {
    return this.leaves.get(leafId)?.synced ?? false;
  }

  /** Where to resume the leaf's hint stream (undefined → ask for a full snapshot). */
  resumePoint(leafId: string): ResumePoint | undefined {
    return this.leaves.get(leafId)?.resume;
  }

  /**
   * Applies one update from a leaf's hint stream. A snapshot replaces the leaf's hints; a delta
   * must continue exactly where the leaf stands (same epoch, `fromSeq` = last applied seq), else
   * nothing is applied, the leaf becomes unsynced (never pruned) and the result is 'gap': the
   * caller resubscribes without a resume point to get a snapshot.
   */
  applyUpdate(leafId: string, u: HintUpdate): ApplyResult {
    const num = this.leafNumber(leafId);
    const st = this.leaves.get(leafId)!;
    if (u.kind === 'full') {
      if (st.hasHints) this.clearLeaf(num);
      let fits = true;
      for (let i = 0; i < u.fingerprints.length; i++) fits = this.addBit(u.fingerprints[i]!, num) && fits;
      st.hasHints = true;
      st.overflow = !fits;
      st.incomplete = u.incomplete === true;
      st.resume = { epoch: u.epoch, seq: u.seq };
      if (st.expect && (st.expect.epoch !== u.epoch || st.expect.seq <= u.seq)) st.expect = undefined;
      this.setSynced(st, true);
      this.invalidateMask();
      return 'applied';
    }
    if (!st.resume || st.resume.epoch !== u.epoch || st.resume.seq !== u.fromSeq) {
      st.resume = undefined;
      this.setSynced(st, false);
      return 'gap';
    }
    for (let i = 0; i < u.removed.length; i++) this.removeBit(u.removed[i]!, num);
    let fits = true;
    for (let i = 0; i < u.added.length; i++) fits = this.addBit(u.added[i]!, num) && fits;
    if (!fits && !st.overflow) {
      st.overflow = true;
      this.invalidateMask();
    }
    if (st.incomplete !== (u.incomplete === true)) {
      st.incomplete = u.incomplete === true;
      this.invalidateMask();
    }
    st.hasHints = true;
    st.resume = { epoch: u.epoch, seq: u.toSeq };
    if (st.expect && st.expect.epoch === u.epoch && st.expect.seq <= u.toSeq) {
      st.expect = undefined;
      this.invalidateMask();
    }
    this.setSynced(st, true);
    return 'applied';
  }

  /**
   * The leaf's stream was lost: keep its hints and resume point, but never prune the leaf until
   * an update applies cleanly again (a delta from the resume point, or a snapshot).
   */
  markUnsynced(leafId: string): void {
    const st = this.leaves.get(leafId);
    if (st) this.setSynced(st, false);
  }

  /**
   * Read-your-writes: the leaf said (e.g. in a Write response) that its hints stand at `at`
   * after that write. Until the index has applied `at`, the leaf is never pruned, so a query
   * through this gateway right after a write sees the new series even if the hint delta is
   * still in flight.
   */
  expectAtLeast(leafId: string, at: ResumePoint): void {
    this.leafNumber(leafId);
    const st = this.leaves.get(leafId)!;
    if (st.resume && st.resume.epoch === at.epoch && st.resume.seq >= at.seq) return;
    if (st.expect && st.expect.epoch === at.epoch && st.expect.seq >= at.seq) return;
    st.expect = { epoch: at.epoch, seq: at.seq };
    this.invalidateMask();
  }

  /**
   * The leaf is unreachable (its process is gone, its stream cannot be reopened): its last
   * applied hints stand in again — a dead leaf admits no writes, and a restarted one has a new
   * epoch whose snapshot replaces them. Only a leaf whose last update applied cleanly (a resume
   * point, no gap since) qualifies; read-your-writes expectations still hold it unprunable.
   * The caller must mark it unsynced again as soon as the leaf answers (src/router/hint-state.ts).
   */
  markFrozen(leafId: string): void {
    const st = this.leaves.get(leafId);
    if (st && st.resume && st.hasHints && !st.synced) this.setSynced(st, true);
  }

  /** Forgets a leaf (left the cluster): clears its bits and frees its number. */
  removeLeaf(leafId: string): void {
    const st = this.leaves.get(leafId);
    if (!st) return;
    this.clearLeaf(st.num);
    this.leaves.delete(leafId);
    this.byNum[st.num] = undefined;
    this.freeNums.push(st.num);
    this.invalidateMask();
  }

  /**
   * Bitset of known leaves that must never be pruned: not in sync, or waiting for an expected
   * point (`expectAtLeast`). Do not mutate.
   */
  unsyncedMask(): Uint32Array {
    if (this.unsyncedCache && this.unsyncedCache.length === this.strideWords) return this.unsyncedCache;
    const m = new Uint32Array(this.strideWords);
    for (const st of this.leaves.values()) if (!st.synced || st.expect || st.overflow || st.incomplete) m[st.num >>> 5]! |= 1 << (st.num & 31);
    this.unsyncedCache = m;
    return m;
  }

  /** Bitset of all known leaves. */
  allMask(): Uint32Array {
    const m = new Uint32Array(this.strideWords);
    for (const st of this.leaves.values()) m[st.num >>> 5]! |= 1 << (st.num & 31);
    return m;
  }

  /** ORs the leaves holding `fp` into `out` (a bitset of `stride` words). Returns whether any. */
  orInto(fp: Fingerprint, out: Uint32Array): boolean {
    const s = this.find(fp);
    if (s < 0) return false;
    if (this.count[s] === 1) {
      const n = this.ref[s]!;
      out[n >>> 5]! |= 1 << (n & 31);
      return true;
    }
    const base = this.ref[s]! * this.strideWords;
    for (let w = 0; w < this.strideWords; w++) out[w]! |= this.pool[base + w]!;
    return true;
  }

  /** Number of leaves holding `fp`. */
  leafCount(fp: Fingerprint): number {
    const s = this.find(fp);
    return s < 0 ? 0 : this.count[s]!;
  }

  // ---- table internals ----

  private find(fp: Fingerprint): number {
    const hi = Math.floor(fp / TWO32) >>> 0;
    const lo = fp >>> 0;
    let s = this.slotOf(hi, lo);
    while (this.count[s] !== 0) {
      if (this.keyLo[s] === lo && this.keyHi[s] === hi) return s;
      s = (s + 1) & this.mask;
    }
    return -1;
  }

  private slotOf(hi: number, lo: number): number {
    return (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
  }

  /** Adds leaf `num` to hint `fp`; false when the hint is new and the table is at maxHints. */
  private addBit(fp: Fingerprint, num: number): boolean {
    const hi = Math.floor(fp / TWO32) >>> 0;
    const lo = fp >>> 0;
    let s = this.slotOf(hi, lo);
    while (this.count[s] !== 0) {
      if (this.keyLo[s] === lo && this.keyHi[s] === hi) break;
      s = (s + 1) & this.mask;
    }
    const c = this.count[s]!;
    if (c === 0) {
      if (this.used >= this.maxHints) return false;
      this.keyHi[s] = hi;
      this.keyLo[s] = lo;
      this.count[s] = 1;
      this.ref[s] = num;
      if (++this.used * 4 > (this.mask + 1) * 3) this.rehash((this.mask + 1) * 2);
      this.listener?.presence(fp, true);
      return true;
    }
    if (c === 1) {
      const other = this.ref[s]!;
      if (other === num) return true;
      const row = this.allocRow();
      const base = row * this.strideWords;
      this.pool[base + (other >>> 5)]! |= 1 << (other & 31);
      this.pool[base + (num >>> 5)]! |= 1 << (num & 31);
      this.ref[s] = row;
      this.count[s] = 2;
      return true;
    }
    const i = this.ref[s]! * this.strideWords + (num >>> 5);
    const bit = 1 << (num & 31);
    if (this.pool[i]! & bit) return true;
    this.pool[i]! |= bit;
    this.count[s] = c + 1;
    return true;
  }

  private removeBit(fp: Fingerprint, num: number): void {
    const s = this.find(fp);
    if (s < 0) return;
    const c = this.count[s]!;
    if (c === 1) {
      if (this.ref[s] === num) this.deleteSlot(s);
      return;
    }
    const row = this.ref[s]!;
    const base = row * this.strideWords;
    const i = base + (num >>> 5);
    const bit = 1 << (num & 31);
    if (!(this.pool[i]! & bit)) return;
    this.pool[i]! &= ~bit;
    if (c > 2) {
      this.count[s] = c - 1;
      return;
    }
    // One leaf left: back to the inline form.
    let last = -1;
    for (let w = 0; w < this.strideWords && last < 0; w++) {
      const v = this.pool[base + w]!;
      if (v !== 0) last = w * 32 + (31 - Math.clz32(v & -v));
    }
    this.freeRow(row);
    this.count[s] = 1;
    this.ref[s] = last;
  }

  private deleteSlot(s: number): void {
    const fp = this.keyHi[s]! * TWO32 + this.keyLo[s]!;
    // Backward-shift deletion keeps probe chains intact without tombstones.
    const mask = this.mask;
    let hole = s;
    let j = s;
    for (;;) {
      j = (j + 1) & mask;
      if (this.count[j] === 0) break;
      const home = this.slotOf(this.keyHi[j]!, this.keyLo[j]!);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      this.keyHi[hole] = this.keyHi[j]!;
      this.keyLo[hole] = this.keyLo[j]!;
      this.count[hole] = this.count[j]!;
      this.ref[hole] = this.ref[j]!;
      hole = j;
    }
    this.count[hole] = 0;
    this.used--;
    this.listener?.presence(fp, false);
  }

  private rehash(cap: number): void {
    const { keyHi, keyLo, count, ref } = this;
    this.mask = cap - 1;
    this.keyHi = new Uint32Array(cap);
    this.keyLo = new Uint32Array(cap);
    this.count = new Uint32Array(cap);
    this.ref = new Int32Array(cap);
    for (let i = 0; i < count.length; i++) {
      if (count[i] === 0) continue;
      let s = this.slotOf(keyHi[i]!, keyLo[i]!);
      while (this.count[s] !== 0) s = (s + 1) & this.mask;
      this.keyHi[s] = keyHi[i]!;
      this.keyLo[s] = keyLo[i]!;
      this.count[s] = count[i]!;
      this.ref[s] = ref[i]!;
    }
  }

  private allocRow(): number {
    const free = this.freeRows.pop();
    if (free !== undefined) return free;
    const row = this.poolRows++;
    if (this.poolRows * this.strideWords > this.pool.length) {
      const next = new Uint32Array(Math.max(this.pool.length * 2, this.poolRows * this.strideWords));
      next.set(this.pool);
      this.pool = next;
    }
    return row;
  }

  private freeRow(row: number): void {
    this.pool.fill(0, row * this.strideWords, (row + 1) * this.strideWords);
    this.freeRows.push(row);
  }

  private growStride(minWords: number): void {
    let words = this.strideWords;
    while (words < minWords) words *= 2;
    const next = new Uint32Array(Math.max(64, this.poolRows) * words);
    for (let r = 0; r < this.poolRows; r++) next.set(this.pool.subarray(r * this.strideWords, (r + 1) * this.strideWords), r * words);
    this.pool = next;
    this.strideWords = words;
    this.invalidateMask();
  }

  /** Removes leaf `num` from every hint (full scan; only on resync and leaf removal). */
  private clearLeaf(num: number): void {
    const w = num >>> 5;
    const bit = 1 << (num & 31);
    const fps: number[] = [];
    for (let s = 0; s <= this.mask; s++) {
      const c = this.count[s]!;
      if (c === 0) continue;
      if (c === 1 ? this.ref[s] === num : (this.pool[this.ref[s]! * this.strideWords + w]! & bit) !== 0) fps.push(this.keyHi[s]! * TWO32 + this.keyLo[s]!);
    }
    for (const fp of fps) this.removeBit(fp, num);
  }

  private invalidateMask(): void {
    this.unsyncedCache = undefined;
    this.listener?.unprunableChanged();
  }

  private setSynced(st: LeafState, synced: boolean): void {
    if (st.synced === synced) return;
    st.synced = synced;
    this.invalidateMask();
  }
}
