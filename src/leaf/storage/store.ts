/**
 * DurableSeriesStore: the leaf's durable series store (WAL + head + compressed chunks + Arrow
 * blocks and snapshots). See layout.ts for the on-disk layout and recovery rules.
 *
 * Write path: `appendSeries` applies one series' samples under the admission rules of
 * series-apply.ts (newer samples appended, older ones inside `oooWindowMs` inserted, the rest
 * refused with a reason) to memory at once (visible to readers) and queues their WAL records;
 * `commit()` writes everything queued and resolves once it is durable under the fsync policy:
 * acknowledge to clients after it resolves. `append` = validate a batch + appendSeries + commit.
 * `insertSeries` is the same path without a window (range transfers, backfill).
 * Memory-only mode (`DurableSeriesStore.memory`): the same series model (sealed compressed
 * chunks + a bounded head) without WAL, snapshots or blocks.
 * Read path: `select` decodes only chunks overlapping the window, straight into typed arrays.
 * Maintenance (`snapshot()`; also triggered after `snapshotEveryWalBytes` of WAL): rotate the
 * WAL, flush finished blocks, write a snapshot of everything in memory, drop WAL segments and
 * snapshots it supersedes, apply retention.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import {
  InvalidArgumentError, compareLabels, compileMatcher, labelsKey, matchesLabels, validateLabels, validateTenant, validateTimestamp,
  type LabelHints, type Labels, type Matcher, type Querier, type SelectHints, type Series, type SeriesSet,
} from '../../model/index.js';
import { FLAG_HEAD, chunkData, type ChunkRow, type SeriesRow } from './block-format.js';
import { SNAP_DIR, readLatestSnapshot, writeSnapshot, type SnapshotMeta } from './snapshot-io.js';
import { decodeChunk, encodeChunk } from './chunk-codec.js';
import { BLOCK_DIR, PersistedBlock } from './persisted-block.js';
import { groupForFlush } from './block-flush.js';
import { MemSeries } from './series-head.js';
import { applySeriesSamples, type ApplyPolicy, type SeriesOutcome } from './series-apply.js';
import { readSeries } from './series-read.js';
import { REC_SAMPLES, REC_SERIES, decodeSeriesBody, forEachSampleEntry } from './wal-format.js';
import { replayWal, type ReplayResult } from './wal-replay.js';
import { listSegments, segmentPath } from './wal-segments.js';
import { WalCommitQueue } from './wal-commit.js';
import { WalWriter, type FsyncPolicy } from './wal-writer.js';

export interface StoreOptions {
  /** WAL fsync policy (default 'always'). */
  fsync?: FsyncPolicy;
  /** Called with the duration of every WAL fdatasync, in seconds. */
  onWalSync?: (seconds: number) => void;
  /** WAL segment size (default 64 MiB). */
  segmentBytes?: number;
  /** Samples per sealed chunk (default 240: one hour at 15 s). */
  chunkSamples?: number;
  /** Block length (default 2 h). Blocks are flushed once the newest sample is half a block past their end. */
  blockMs?: number;
  /** Blocks ending before (newest sample − retentionMs) are dropped (default: keep forever). */
  retentionMs?: number;
  /** Take a snapshot automatically after this much WAL (default 64 MiB ≈ 4M samples of replay; 0 disables). */
  snapshotEveryWalBytes?: number;
  /**
   * Out-of-order admission window of `append`/`appendSeries`, ms (default 0: only samples newer
   * than the series' last one). Older samples inside the window are inserted in time order.
   */
  oooWindowMs?: number;
  /** Called for every series the store creates (writes, recovery), before its samples apply. */
  onSeries?: (s: MemSeries) => void;
  logger?: Logger;
}

/** One series of an append batch (the shape of the leaf's TimeSeriesIn). */
export interface SeriesIn {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface AppendResult {
  accepted: number;
  /** Re-sends of the series' last sample (same timestamp, bit-identical value): ignored, harmless. */
  duplicates: number;
  /** Samples refused: older than the admission window (oooWindowMs), or a different value at an existing timestamp. */
  outOfOrder: number;
  /** Samples older than the newest persisted block's end. */
  tooOld: number;
}

export interface StoreStats {
  series: number;
  /** Samples held: persisted blocks + sealed in-memory chunks + heads. */
  samples: number;
  headSamples: number;
  /** Compressed chunk bytes (persisted + in memory). */
  chunkBytes: number;
  /**
   * Bytes actually held for samples: persisted block columns, in-memory chunk bytes (plus an
   * estimated per-chunk object overhead) and head column capacity.
   */
  bytes: number;
  /** Of `bytes`: the uncompressed head columns (capacity). */
  headBytes: number;
  /** Of `bytes` and `samples`: what the blocks hold (Arrow buffers; the old data). */
  blockBytes: number;
  blockSamples: number;
  chunks: number;
  blocks: number;
  walSegments: number;
  minT: number;
  maxT: number;
  /** Recovery counters of the last open. */
  walFramesReplayed: number;
  walTornTails: number;
  walCorruptions: number;
  snapshotsLoaded: number;
  /** Samples refused: older than the admission window, or a different value at an existing timestamp. */
  outOfOrder: number;
  tooOld: number;
  duplicates: number;
  /** Older samples inserted inside the admission window (or by insertSeries). */
  inserted: number;
}

const WAL_DIR = 'wal';

export type { SeriesOutcome } from './series-apply.js';

export class DurableSeriesStore {
  private readonly byId = new Map<number, MemSeries>();
  private readonly byTenant = new Map<string, Map<string, MemSeries>>();
  /** Postings: tenant → "name\xffvalue" → series having that label (insertion order). */
  private readonly postings = new Map<string, Map<string, MemSeries[]>>();
  private blocks: PersistedBlock[] = [];
  private nextId = 0;
  /** Samples before this time live in persisted blocks; newer writes below it are refused. */
  private persistedUntil = -Infinity;
  private scratchT = new Float64Array(256);
  private scratchV = new Float64Array(256);
  /** Bumped whenever the block set changes (invalidates MemSeries.blockStats). */
  private blocksVersion = 0;
  /** Last PersistedBlock.seq given out. */
  private blockSeq = 0;
  private maxT = -Infinity;
  private minT = Infinity;
  /** Undefined in memory-only mode. */
  private wal: WalWriter | undefined;
  /** WAL records applied to memory and not yet handed to the writer (undefined in memory-only mode). */
  private walQueue: WalCommitQueue | undefined;
  private walBytesAtSnapshot = 0;
  private maintenance: Promise<void> = Promise.resolve();
  private maintenanceRunning = false;
  private closed = false;
  private replay: ReplayResult | undefined;
  private snapshotsLoaded = 0;
  private readonly counters = { outOfOrder: 0, tooOld: 0, duplicates: 0, inserted: 0 };
  private readonly chunkSamples: number;
  private readonly blockMs: number;
  private readonly logger: Logger;

  private constructor(readonly dir: string | undefined, private readonly opts: StoreOptions) {
    this.chunkSamples = opts.chunkSamples ?? 240;
    this.blockMs = opts.blockMs ?? 2 * 3600_000;
    this.logger = opts.logger ?? pino({ level: 'warn' });
  }

  /** A memory-only store: the same series model, no WAL, snapshots or blocks. */
  static memory(opts: StoreOptions = {}): DurableSeriesStore {
    return new DurableSeriesStore(undefined, opts);
  }

  get durable(): boolean {
    return this.dir !== undefined;
  }

  /** Opens (creating if needed) a store: loads blocks and the latest snapshot, replays the WAL tail. */
  static async open(dir: string, opts: StoreOptions = {}): Promise<DurableSeriesStore> {
    const s = new DurableSeriesStore(dir, opts);
    for (const d of [dir, path.join(dir, WAL_DIR), path.join(dir, SNAP_DIR), path.join(dir, BLOCK_DIR)]) fs.mkdirSync(d, { recursive: true });
    const started = performance.now();
    s.loadBlocks(dir);
    const fromSegment = s.loadSnapshot(dir);
    s.replay = replayWal(path.join(dir, WAL_DIR), fromSegment, (type, body) => s.applyWalFrame(type, body), s.logger);
    s.wal = await WalWriter.open(path.join(dir, WAL_DIR), s.replay.nextSegment, { fsync: opts.fsync, segmentBytes: opts.segmentBytes, logger: s.logger, ...(opts.onWalSync ? { onSync: opts.onWalSync } : {}) });
    s.walQueue = new WalCommitQueue(s.wal);
    s.logger.info({ dir, ms: Math.round(performance.now() - started), series: s.byId.size, blocks: s.blocks.length, walFrames: s.replay.frames, tornTails: s.replay.tornTails, corruptions: s.replay.corruptions }, 'store opened');
    return s;
  }

  // ---------------------------------------------------------------- write path

  /**
   * Validates a whole batch (throws InvalidArgumentError on a bad tenant, labels, lengths or
   * timestamp before changing anything), applies it under the store's admission window and
   * resolves once durable. Conflicting values and samples outside the window count as outOfOrder.
   */
  async append(tenant: string, batch: readonly SeriesIn[]): Promise<AppendResult> {
    if (this.closed) throw new Error('store is closed');
    const te = validateTenant(tenant);
    if (te) throw new InvalidArgumentError(te);
    const tenantMap = this.byTenant.get(tenant);
    for (const s of batch) {
      if (s.t.length !== s.v.length) throw new InvalidArgumentError(`series has ${s.t.length} timestamps but ${s.v.length} values`);
      if (!tenantMap?.has(labelsKey(s.labels))) {
        const le = validateLabels(s.labels);
        if (le) throw new InvalidArgumentError(le);
      }
      for (let i = 0; i < s.t.length; i++) {
        const ti = s.t[i]!;
        if (!(Number.isInteger(ti) && ti >= 0 && ti <= 8.64e15)) throw new InvalidArgumentError(validateTimestamp(ti) ?? `invalid timestamp ${ti}`);
      }
    }
    const res: AppendResult = { accepted: 0, duplicates: 0, outOfOrder: 0, tooOld: 0 };
    for (const s of batch) {
      const o = this.appendSeries(tenant, s.labels, s.t, s.v);
      res.accepted += o.appended + o.inserted;
      res.duplicates += o.ignored;
      res.outOfOrder += (o.rejected?.get('out_of_order')?.count ?? 0) + (o.rejected?.get('duplicate_sample')?.count ?? 0);
      res.tooOld += o.rejected?.get('too_old')?.count ?? 0;
    }
    await this.commit();
    return res;
  }

  /**
   * Applies one series' samples (labels and tenant already valid) under the admission window
   * (`windowMs`, default the store's `oooWindowMs`) and queues their WAL records; visible to
   * readers at once, durable after the next `commit()` resolves. The series is created on its
   * first accepted sample only.
   */
  appendSeries(tenant: string, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>, windowMs = this.opts.oooWindowMs ?? 0, lateInsert = false): SeriesOutcome {
    if (this.closed) throw new Error('store is closed');
    const n = t.length;
    const key = labelsKey(labels);
    let ms = this.byTenant.get(tenant)?.get(key);
    if (!ms) {
      let ok = false;
      for (let i = 0; i < n && !ok; i++) ok = validateTimestamp(t[i]!) === undefined && (lateInsert || t[i]! >= this.persistedUntil);
      if (!ok) return applySeriesSamples(new MemSeries(-1, tenant, labels, key), t, v, this.policy(windowMs, lateInsert, undefined), new Float64Array(n), new Float64Array(n));
      ms = this.addSeries(this.nextId++, tenant, labels);
      this.walQueue?.addSeries({ id: ms.id, tenant, labels: ms.labels });
    }
    // The accepted samples: kept for the WAL until commit (durable), else a reused scratch.
    let outT: Float64Array;
    let outV: Float64Array;
    if (this.wal) {
      outT = new Float64Array(n);
      outV = new Float64Array(n);
    } else {
      if (this.scratchT.length < n) {
        this.scratchT = new Float64Array(Math.max(n, 2 * this.scratchT.length));
        this.scratchV = new Float64Array(this.scratchT.length);
      }
      outT = this.scratchT;
      outV = this.scratchV;
    }
    const o = applySeriesSamples(ms, t, v, this.policy(windowMs, lateInsert, ms), outT, outV);
    const k = o.appended + o.inserted;
    this.counters.outOfOrder += (o.rejected?.get('out_of_order')?.count ?? 0) + (o.rejected?.get('duplicate_sample')?.count ?? 0);
    this.counters.tooOld += o.rejected?.get('too_old')?.count ?? 0;
    this.counters.duplicates += o.ignored;
    this.counters.inserted += o.inserted;
    if (k === 0) return o;
    // Time range: the first and last of each sorted run.
    if (o.appended > 0) {
      if (outT[0]! < this.minT) this.minT = outT[0]!;
      if (outT[o.appended - 1]! > this.maxT) this.maxT = outT[o.appended - 1]!;
    }
    if (o.inserted > 0) {
      if (outT[o.appended]! < this.minT) this.minT = outT[o.appended]!;
      if (outT[k - 1]! > this.maxT) this.maxT = outT[k - 1]!;
    }
    if (this.walQueue) {
      // Two entries (each sorted): the appended run and the inserted run.
      if (o.appended > 0) this.walQueue.addEntry(ms.id, outT.subarray(0, o.appended), outV.subarray(0, o.appended));
      if (o.inserted > 0) this.walQueue.addEntry(ms.id, outT.subarray(o.appended, k), outV.subarray(o.appended, k));
    }
    return o;
  }

  /**
   * Inserts samples at any time (range transfers, backfill), also below the persisted floor:
   * such late data stays in memory chunks until the next snapshot flushes it into an extra
   * block of its time range; reads merge overlapping blocks (see series-read.ts).
   */
  insertSeries(tenant: string, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>): SeriesOutcome {
    return this.appendSeries(tenant, labels, t, v, Infinity, true);
  }

  /**
   * Writes every queued WAL record and resolves when they (and every earlier commit) are
   * durable under the fsync policy. Concurrent commits share the writer's group commit.
   */
  commit(): Promise<void> {
    if (!this.walQueue) return Promise.resolve();
    const done = this.walQueue.commit();
    this.maybeSnapshot();
    return done;
  }

  private policy(windowMs: number, lateInsert: boolean, ms: MemSeries | undefined): ApplyPolicy {
    const r = this.opts.retentionMs;
    return {
      windowMs,
      floor: this.persistedUntil,
      chunkSamples: this.chunkSamples,
      blockMs: this.blockMs,
      lateInsert,
      ...(r !== undefined && Number.isFinite(this.maxT) ? { minTime: this.maxT - r } : {}),
      ...(ms && this.blocks.length > 0 ? { blockValueAt: (t: number) => this.blockValueAt(ms, t) } : {}),
    };
  }

  /** The value series `s` holds at exactly t in the (visible) persisted blocks, or undefined. */
  private blockValueAt(s: MemSeries, t: number): number | undefined {
    for (const b of this.blocks) {
      if (b.seq <= s.hideBlocksUpTo) continue;
      const v = b.valueAt(s.id, t);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private addSeries(id: number, tenant: string, labels: Labels): MemSeries {
    const key = labelsKey(labels);
    const ms = new MemSeries(id, tenant, labels, key);
    this.byId.set(id, ms);
    let m = this.byTenant.get(tenant);
    if (!m) this.byTenant.set(tenant, (m = new Map()));
    m.set(key, ms);
    let p = this.postings.get(tenant);
    if (!p) this.postings.set(tenant, (p = new Map()));
    for (const l of labels) {
      const k = l.name + '\xff' + l.value;
      const list = p.get(k);
      if (list) list.push(ms);
      else p.set(k, [ms]);
    }
    if (id >= this.nextId) this.nextId = id + 1;
    this.opts.onSeries?.(ms);
    return ms;
  }

  private applySamples(ms: MemSeries, t: Float64Array, v: Float64Array): void {
    ms.append(t, v, 0, t.length, this.chunkSamples, this.blockMs);
    if (t[0]! < this.minT) this.minT = t[0]!;
    if (t[t.length - 1]! > this.maxT) this.maxT = t[t.length - 1]!;
  }

  /** WAL replay: idempotent (samples not newer than the series' last one, or persisted, are skipped). */
  private applyWalFrame(type: number, body: Uint8Array): void {
    if (type === REC_SERIES) {
      for (const r of decodeSeriesBody(body)) if (!this.byId.has(r.id)) this.addSeries(r.id, r.tenant, r.labels);
      return;
    }
    if (type !== REC_SAMPLES) return;
    forEachSampleEntry(body, (id, t, v, n) => {
      const ms = this.byId.get(id);
      if (!ms) {
        this.logger.warn({ seriesId: id }, 'WAL: samples for an unknown series id; skipped');
        return;
      }
      // Entries are sorted. Below the persisted floor: samples the blocks hold are skipped; the
      // others are late data (transfers) not flushed yet: merged. Then merge what is not newer
      // than the series' last sample (inserted samples; snapshot overlap = duplicates), append the rest.
      let from = 0;
      while (from < n && t[from]! < this.persistedUntil) from++;
      if (from > 0) {
        const lt: number[] = [];
        const lv: number[] = [];
        for (let i = 0; i < from; i++) {
          if (this.blockValueAt(ms, t[i]!) === undefined) {
            lt.push(t[i]!);
            lv.push(v[i]!);
          }
        }
        if (lt.length > 0) ms.merge(lt, lv, lt.length, this.chunkSamples, this.blockMs);
      }
      let mid = from;
      while (mid < n && t[mid]! <= ms.lastT) mid++;
      if (mid > from) ms.merge(t.subarray(from, mid), v.subarray(from, mid), mid - from, this.chunkSamples, this.blockMs);
      if (mid < n) ms.append(t, v, mid, n, this.chunkSamples, this.blockMs);
      if (from === n) return;
      if (t[from]! < this.minT) this.minT = t[from]!;
      if (t[n - 1]! > this.maxT) this.maxT = t[n - 1]!;
    });
  }

  // ---------------------------------------------------------------- read path

  /** Series of `tenant` matching all matchers, with samples in [hints.start, hints.end]. Sorted by labels. */
  async select(tenant: string, matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet> {
    return this.selectSync(tenant, matchers, hints);
  }

  selectSync(tenant: string, matchers: readonly Matcher[], hints: SelectHints): Series[] {
    const ms = matchers.map(compileMatcher);
    const m = this.byTenant.get(tenant);
    if (!m) return [];
    const out: Series[] = [];
    const start = hints.start;
    const end = hints.end;
    // Candidates: the shortest postings list among non-empty equality matchers, else all series.
    let candidates: Iterable<MemSeries> = m.values();
    const p = this.postings.get(tenant);
    let best = Infinity;
    for (const x of matchers) {
      if (x.type !== '=' || x.value === '') continue;
      const list = p?.get(x.name + '\xff' + x.value) ?? [];
      if (list.length < best) {
        best = list.length;
        candidates = list;
      }
    }
    for (const s of candidates) {
      if (!matchesLabels(ms, s.labels)) continue;
      const r = readSeries(this.blocks, s, start, end, hints.labelsOnly === true);
      if (r) out.push(r);
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  labelNames(tenant: string, hints: LabelHints = {}): string[] {
    const names = new Set<string>();
    for (const s of this.selectSync(tenant, hints.matchers ?? [], { start: hints.start ?? -Infinity, end: hints.end ?? Infinity, labelsOnly: true })) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(tenant: string, name: string, hints: LabelHints = {}): string[] {
    const values = new Set<string>();
    for (const s of this.selectSync(tenant, hints.matchers ?? [], { start: hints.start ?? -Infinity, end: hints.end ?? Infinity, labelsOnly: true })) for (const l of s.labels) if (l.name === name) values.add(l.value);
    return [...values].sort();
  }

  /** A `Querier` (src/model/storage.ts) over one tenant. */
  querier(tenant: string): Querier {
    return {
      select: async (matchers, hints) => this.selectSync(tenant, matchers, hints),
      labelNames: async (hints) => this.labelNames(tenant, hints),
      labelValues: async (name, hints) => this.labelValues(tenant, name, hints),
    };
  }

  /** One series' samples in [start, end] (decoding only overlapping chunks), or undefined when none. */
  readSeries(s: MemSeries, start: number, end: number, labelsOnly = false): Series | undefined {
    return readSeries(this.blocks, s, start, end, labelsOnly);
  }

  /**
   * Forgets a series' samples (a replica leaving its range): its in-memory chunks and head, and
   * its data in the current persisted blocks (hidden from reads). Memory only: after a restart
   * the samples still in the WAL, snapshot or blocks come back (the range is no longer assigned,
   * so reads scoped to ranges do not see them).
   */
  dropSeries(s: MemSeries): number {
    const dropped = this.seriesStats(s).samples;
    s.chunks = [];
    s.hn = 0;
    s.ht = new Float64Array(0);
    s.hv = new Float64Array(0);
    s.lastT = -Infinity;
    s.lastV = NaN;
    s.hideBlocksUpTo = this.blockSeq;
    return dropped;
  }

  /** Samples, bytes held (as in StoreStats.bytes) and time range of one series. */
  seriesStats(s: MemSeries): { samples: number; bytes: number; minT: number; maxT: number } {
    // The series' share of the blocks, cached until the block set (or the series' hidden blocks) change.
    let bs = s.blockStats;
    if (!bs || bs.version !== this.blocksVersion || bs.hide !== s.hideBlocksUpTo) {
      bs = { version: this.blocksVersion, hide: s.hideBlocksUpTo, samples: 0, bytes: 0, minT: Infinity };
      for (const b of this.blocks) {
        const x = b.seq > s.hideBlocksUpTo ? b.seriesTotals(s.id) : undefined;
        if (!x) continue;
        if (x.minT < bs.minT) bs.minT = x.minT;
        bs.samples += x.samples;
        bs.bytes += x.bytes;
      }
      s.blockStats = bs;
    }
    const samples = s.memSamples + bs.samples;
    const minT = Math.min(bs.minT, s.chunks.length > 0 ? s.chunks[0]!.minT : s.hn > 0 ? s.ht[0]! : Infinity);
    return { samples, bytes: s.memBytes + bs.bytes, minT, maxT: samples > 0 ? s.lastT : -Infinity };
  }

  stats(): StoreStats {
    let samples = 0;
    let headSamples = 0;
    let chunkBytes = 0;
    let chunks = 0;
    let bytes = 0;
    let blockSamples = 0;
    for (const b of this.blocks) {
      bytes += b.chunks.bytes.buffer.byteLength;
      blockSamples += b.meta.samples;
      chunkBytes += b.bytes;
      chunks += b.chunks.count.length;
      for (let i = 0; i < b.chunks.count.length; i++) samples += b.chunks.count[i]!;
    }
    let headBytes = 0;
    let memBytes = 0;
    for (const s of this.byId.values()) {
      headSamples += s.hn;
      bytes += s.memBytes;
      memBytes += s.memBytes;
      headBytes += s.ht.byteLength + s.hv.byteLength;
      for (const c of s.chunks) {
        samples += c.count;
        chunkBytes += c.data.length;
        chunks++;
      }
    }
    const minT = Math.min(this.minT, ...this.blocks.map((b) => b.meta.minT));
    return {
      series: this.byId.size, samples: samples + headSamples, headSamples, chunkBytes, bytes, headBytes, blockBytes: bytes - memBytes, blockSamples, chunks, blocks: this.blocks.length,
      walSegments: this.dir === undefined ? 0 : listSegments(path.join(this.dir, WAL_DIR)).length, minT, maxT: this.maxT,
      walFramesReplayed: this.replay?.frames ?? 0, walTornTails: this.replay?.tornTails ?? 0, walCorruptions: this.replay?.corruptions ?? 0,
      snapshotsLoaded: this.snapshotsLoaded, ...this.counters,
    };
  }

  // ---------------------------------------------------------------- maintenance

  private maybeSnapshot(): void {
    const every = this.opts.snapshotEveryWalBytes ?? 64 * 1024 * 1024;
    if (every <= 0 || this.maintenanceRunning || !this.wal) return;
    if (this.wal.stats().bytesWritten - this.walBytesAtSnapshot < every) return;
    void this.snapshot().catch((e: unknown) => this.logger.error({ err: e }, 'automatic snapshot failed'));
  }

  /**
   * Rotates the WAL, flushes finished blocks, snapshots all in-memory data, then deletes the WAL
   * segments and older snapshots it covers and applies retention. Serialized; safe to call
   * while appends continue (they land in the new segment and replay idempotently).
   */
  snapshot(): Promise<void> {
    const run = async (): Promise<void> => {
      this.maintenanceRunning = true;
      try {
        await this.snapshotNow();
      } finally {
        this.maintenanceRunning = false;
      }
    };
    this.maintenance = this.maintenance.then(run, run);
    return this.maintenance;
  }

  private async snapshotNow(): Promise<void> {
    const dir = this.dir;
    const wal = this.wal;
    if (this.closed) return;
    if (dir === undefined || !wal) {
      // Memory-only: compact finished blocks (sealed chunks packed in Arrow columns) and apply retention.
      await this.flushBlocks();
      this.applyRetention();
      return;
    }
    const seg = await wal.rotate();
    this.walBytesAtSnapshot = wal.stats().bytesWritten;
    await this.flushBlocks();
    // Capture every series. Not one atomic instant: the event loop is yielded every few thousand
    // series so appends keep flowing. That is sound because each series is captured whole
    // (chunks + head at one instant), every sample applied before the rotation is included, and
    // replay from `seg` skips whatever the snapshot already holds (idempotent).
    const rows: ChunkRow[] = [];
    const series: SeriesRow[] = [];
    let n = 0;
    for (const s of [...this.byId.values()]) {
      series.push({ id: s.id, tenant: s.tenant, labels: s.labels });
      for (const c of s.chunks) rows.push({ seriesId: s.id, minT: c.minT, maxT: c.maxT, count: c.count, flags: 0, data: c.data });
      if (s.hn > 0) {
        const data = encodeChunk(s.ht, s.hv, 0, s.hn);
        rows.push({ seriesId: s.id, minT: s.ht[0]!, maxT: s.ht[s.hn - 1]!, count: s.hn, flags: FLAG_HEAD, data });
      }
      if (++n % 4096 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    const meta: SnapshotMeta = { version: 1, walSegment: seg, persistedUntil: this.persistedUntil, nextSeriesId: this.nextId, createdAt: new Date().toISOString() };
    await writeSnapshot(dir, meta, series, rows);
    // The snapshot covers every segment before `seg`: drop them.
    for (const s of listSegments(path.join(dir, WAL_DIR))) if (s < seg) fs.rmSync(segmentPath(path.join(dir, WAL_DIR), s), { force: true });
    this.applyRetention();
    this.logger.info({ walSegment: seg, series: series.length, chunks: rows.length }, 'snapshot written');
  }

  /**
   * Writes every block whose end is at least half a block behind the newest sample, and any
   * late data below the persisted floor into an extra block of its range. Memory-only stores
   * build the blocks in memory (compaction).
   */
  private async flushBlocks(): Promise<void> {
    const dir = this.dir;
    const B = this.blockMs;
    const newLimit = Math.floor((this.maxT - B / 2) / B) * B; // blocks ending at or before this are done
    const limit = Number.isFinite(newLimit) && newLimit > this.persistedUntil ? newLimit : this.persistedUntil;
    if (!Number.isFinite(limit)) return;
    // From now on writes below `limit` are refused (inserts become late data); the blocks below
    // are being written. Set first: grouping yields to the event loop.
    this.persistedUntil = limit;
    // Chunks stay readable in memory until their block is loaded; then both swap in one
    // synchronous step.
    const { byBlock, flushed } = await groupForFlush([...this.byId.values()], limit, B);
    if (byBlock.size === 0) return;
    const loaded: PersistedBlock[] = [];
    for (const b of [...byBlock.keys()].sort((x, y) => x - y)) {
      const g = byBlock.get(b)!;
      const series = [...g.series.values()];
      if (dir === undefined) loaded.push(PersistedBlock.build(b, B, g.rows, series.length));
      else {
        // Extra blocks of a range already persisted get the next free suffix.
        const names = new Set(this.blocks.map((x) => path.basename(x.dir)));
        const base = String(b).padStart(16, '0');
        let n = 0;
        while (names.has(n === 0 ? base : `${base}-${n}`)) n++;
        loaded.push(await PersistedBlock.write(dir, b, B, g.rows, series, n));
      }
    }
    for (const b of loaded) b.seq = ++this.blockSeq;
    this.blocks.push(...loaded);
    this.blocksVersion++;
    this.blocks.sort((a, b) => a.meta.minT - b.meta.minT || a.seq - b.seq);
    // Drop exactly the chunks written (a chunk replaced meanwhile by a late merge stays in memory).
    for (const s of this.byId.values()) if (s.chunks.length > 0 && flushed.has(s.chunks[0]!)) s.chunks = s.chunks.filter((c) => !flushed.has(c));
  }

  private applyRetention(): void {
    const r = this.opts.retentionMs;
    if (r === undefined || !Number.isFinite(this.maxT)) return;
    const cutoff = this.maxT - r;
    const keep: PersistedBlock[] = [];
    for (const b of this.blocks) {
      if (b.meta.maxT <= cutoff) {
        b.remove();
        this.logger.info({ block: b.dir, minT: b.meta.minT, maxT: b.meta.maxT }, 'retention: block dropped');
      } else keep.push(b);
    }
    if (keep.length !== this.blocks.length) this.blocksVersion++;
    this.blocks = keep;
  }

  // ---------------------------------------------------------------- recovery

  private loadBlocks(dir: string): void {
    for (const { block, series } of PersistedBlock.loadAll(dir)) {
      for (const r of series) if (!this.byId.has(r.id)) this.addSeries(r.id, r.tenant, r.labels);
      const c = block.chunks;
      for (let i = 0; i < c.seriesId.length; i++) {
        const s = this.byId.get(c.seriesId[i]!);
        if (s && c.maxT[i]! > s.lastT) s.lastT = c.maxT[i]!;
        if (c.maxT[i]! > this.maxT) this.maxT = c.maxT[i]!;
      }
      block.seq = ++this.blockSeq;
      this.blocks.push(block);
      this.blocksVersion++;
      if (block.meta.maxT > this.persistedUntil) this.persistedUntil = block.meta.maxT;
    }
    this.blocks.sort((a, b) => a.meta.minT - b.meta.minT || a.seq - b.seq);
  }

  /** Loads the newest complete snapshot; returns the WAL segment replay starts from. */
  private loadSnapshot(dir: string): number {
    const snap = readLatestSnapshot(dir);
    if (!snap) return 0;
    const { meta, chunks: c } = snap;
    if (meta.persistedUntil > this.persistedUntil) this.persistedUntil = meta.persistedUntil;
    for (const r of snap.series) if (!this.byId.has(r.id)) this.addSeries(r.id, r.tenant, r.labels);
    if (meta.nextSeriesId > this.nextId) this.nextId = meta.nextSeriesId;
    for (let i = 0; i < c.seriesId.length; i++) {
      const s = this.byId.get(c.seriesId[i]!);
      // Chunks below persistedUntil were flushed into a block after this snapshot was taken.
      if (!s || c.maxT[i]! < this.persistedUntil) continue;
      const data = chunkData(c, i);
      if (c.flags[i]! & FLAG_HEAD) {
        const n = c.count[i]!;
        const t = new Float64Array(n);
        const v = new Float64Array(n);
        decodeChunk(data, t, v, 0);
        let from = 0;
        while (from < n && (t[from]! < this.persistedUntil || t[from]! <= s.lastT)) from++;
        if (from < n) this.applySamples(s, t.subarray(from), v.subarray(from));
      } else if (c.minT[i]! > s.lastT) {
        // Copy: the snapshot file buffer is not kept alive by in-memory chunks.
        s.chunks.push({ minT: c.minT[i]!, maxT: c.maxT[i]!, count: c.count[i]!, data: data.slice() });
        s.lastT = c.maxT[i]!;
        if (c.minT[i]! < this.minT) this.minT = c.minT[i]!;
        if (c.maxT[i]! > this.maxT) this.maxT = c.maxT[i]!;
      }
    }
    this.snapshotsLoaded = 1;
    return meta.walSegment;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.maintenance.catch(() => undefined);
    this.closed = true;
    await this.walQueue?.drain();
    await this.wal?.close();
  }
}
