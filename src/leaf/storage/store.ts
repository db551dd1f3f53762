/**
 * DurableSeriesStore: the leaf's durable series store (WAL + head + compressed chunks + Arrow
 * blocks and snapshots). See layout.ts for the on-disk layout and recovery rules.
 *
 * Write path: `append` validates, drops samples that are not newer than the series' last one
 * (out of order / duplicates) or older than the persisted blocks, applies the rest to the
 * in-memory head (visible to readers at once), writes WAL frames and resolves once they are
 * durable under the fsync policy: acknowledge to clients after it resolves.
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
import { MemSeries } from './series-head.js';
import { readSeries } from './series-read.js';
import { REC_SAMPLES, REC_SERIES, decodeSeriesBody, encodeSamplesFrameColumns, encodeSeriesFrame, forEachSampleEntry, type SeriesRecord } from './wal-format.js';
import { replayWal, type ReplayResult } from './wal-replay.js';
import { listSegments, segmentPath } from './wal-segments.js';
import { WalWriter, type FsyncPolicy } from './wal-writer.js';

export interface StoreOptions {
  /** WAL fsync policy (default 'always'). */
  fsync?: FsyncPolicy;
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
  /** Other samples not newer than the series' last sample. */
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
  outOfOrder: number;
  tooOld: number;
  duplicates: number;
}

const WAL_DIR = 'wal';

const bitsA = new Float64Array(2);
const bitsU = new Uint32Array(bitsA.buffer);
/** Bit-identical doubles (so a stale marker only equals a stale marker). */
function sameBits(a: number, b: number): boolean {
  if (a === a && b === b) return Object.is(a, b);
  bitsA[0] = a;
  bitsA[1] = b;
  return bitsU[0] === bitsU[2] && bitsU[1] === bitsU[3];
}

export class DurableSeriesStore {
  private readonly byId = new Map<number, MemSeries>();
  private readonly byTenant = new Map<string, Map<string, MemSeries>>();
  /** Postings: tenant → "name\xffvalue" → series having that label (insertion order). */
  private readonly postings = new Map<string, Map<string, MemSeries[]>>();
  private blocks: PersistedBlock[] = [];
  private nextId = 0;
  /** Samples before this time live in persisted blocks; newer writes below it are refused. */
  private persistedUntil = -Infinity;
  private maxT = -Infinity;
  private minT = Infinity;
  private wal!: WalWriter;
  private walBytesAtSnapshot = 0;
  private maintenance: Promise<void> = Promise.resolve();
  private maintenanceRunning = false;
  private closed = false;
  private replay: ReplayResult | undefined;
  private snapshotsLoaded = 0;
  private readonly counters = { outOfOrder: 0, tooOld: 0, duplicates: 0 };
  private readonly chunkSamples: number;
  private readonly blockMs: number;
  private readonly logger: Logger;

  private constructor(readonly dir: string, private readonly opts: StoreOptions) {
    this.chunkSamples = opts.chunkSamples ?? 240;
    this.blockMs = opts.blockMs ?? 2 * 3600_000;
    this.logger = opts.logger ?? pino({ level: 'warn' });
  }

  /** Opens (creating if needed) a store: loads blocks and the latest snapshot, replays the WAL tail. */
  static async open(dir: string, opts: StoreOptions = {}): Promise<DurableSeriesStore> {
    const s = new DurableSeriesStore(dir, opts);
    for (const d of [dir, path.join(dir, WAL_DIR), path.join(dir, SNAP_DIR), path.join(dir, BLOCK_DIR)]) fs.mkdirSync(d, { recursive: true });
    const started = performance.now();
    s.loadBlocks();
    const fromSegment = s.loadSnapshot();
    s.replay = replayWal(path.join(dir, WAL_DIR), fromSegment, (type, body) => s.applyWalFrame(type, body), s.logger);
    s.wal = await WalWriter.open(path.join(dir, WAL_DIR), s.replay.nextSegment, { fsync: opts.fsync, segmentBytes: opts.segmentBytes, logger: s.logger });
    s.logger.info({ dir, ms: Math.round(performance.now() - started), series: s.byId.size, blocks: s.blocks.length, walFrames: s.replay.frames, tornTails: s.replay.tornTails, corruptions: s.replay.corruptions }, 'store opened');
    return s;
  }

  // ---------------------------------------------------------------- write path

  async append(tenant: string, batch: readonly SeriesIn[]): Promise<AppendResult> {
    if (this.closed) throw new Error('store is closed');
    const te = validateTenant(tenant);
    if (te) throw new InvalidArgumentError(te);
    let tenantMap = this.byTenant.get(tenant);
    // Validate the whole batch before changing anything (labels only for unknown series).
    const keys: string[] = new Array<string>(batch.length);
    for (let b = 0; b < batch.length; b++) {
      const s = batch[b]!;
      if (s.t.length !== s.v.length) throw new InvalidArgumentError(`series has ${s.t.length} timestamps but ${s.v.length} values`);
      const key = (keys[b] = labelsKey(s.labels));
      if (!tenantMap?.has(key)) {
        const le = validateLabels(s.labels);
        if (le) throw new InvalidArgumentError(le);
      }
      for (let i = 0; i < s.t.length; i++) {
        const ti = s.t[i]!;
        if (!(Number.isInteger(ti) && ti >= 0 && ti <= 8.64e15)) throw new InvalidArgumentError(validateTimestamp(ti) ?? `invalid timestamp ${ti}`);
      }
    }
    const res: AppendResult = { accepted: 0, duplicates: 0, outOfOrder: 0, tooOld: 0 };
    const newSeries: SeriesRecord[] = [];
    // Accepted samples of the whole batch in two columns; entry i = series ids[i], [offs[i], +lens[i]).
    let total = 0;
    for (const s of batch) total += s.t.length;
    const T = new Float64Array(total);
    const V = new Float64Array(total);
    const ids = new Uint32Array(batch.length);
    const offs = new Uint32Array(batch.length);
    const lens = new Uint32Array(batch.length);
    const targets: MemSeries[] = [];
    let k = 0;
    const floor = this.persistedUntil;
    for (let b = 0; b < batch.length; b++) {
      const s = batch[b]!;
      let ms = tenantMap?.get(keys[b]!);
      const n = s.t.length;
      const st = s.t;
      const sv = s.v;
      // Keep samples strictly newer than everything before them.
      let last = ms ? ms.lastT : -Infinity;
      let lastV = ms ? ms.lastV : NaN;
      const k0 = k;
      for (let i = 0; i < n; i++) {
        const ti = st[i]!;
        if (ti <= last || ti < floor) {
          if (ti === last && sameBits(sv[i]!, lastV)) res.duplicates++;
          else if (ti < floor) res.tooOld++;
          else res.outOfOrder++;
          continue;
        }
        lastV = sv[i]!;
        T[k] = ti;
        V[k] = sv[i]!;
        k++;
        last = ti;
      }
      if (k === k0) continue;
      if (!ms) {
        if (!tenantMap) this.byTenant.set(tenant, (tenantMap = new Map()));
        ms = this.addSeries(this.nextId++, tenant, s.labels);
        newSeries.push({ id: ms.id, tenant, labels: ms.labels });
      }
      const e = targets.length;
      ids[e] = ms.id;
      offs[e] = k0;
      lens[e] = k - k0;
      targets.push(ms);
      ms.append(T, V, k0, k, this.chunkSamples, this.blockMs);
    }
    res.accepted = k;
    if (k > 0) {
      // Batch-level time range (cheap: only the entries' first and last samples).
      for (let e = 0; e < targets.length; e++) {
        const a = T[offs[e]!]!;
        const z = T[offs[e]! + lens[e]! - 1]!;
        if (a < this.minT) this.minT = a;
        if (z > this.maxT) this.maxT = z;
      }
    }
    this.counters.outOfOrder += res.outOfOrder;
    this.counters.tooOld += res.tooOld;
    this.counters.duplicates += res.duplicates;
    if (k === 0) return res;
    const frames: Uint8Array[] = [];
    if (newSeries.length > 0) frames.push(encodeSeriesFrame(newSeries));
    frames.push(encodeSamplesFrameColumns(targets.length, ids, offs, lens, T, V));
    await this.wal.append(frames);
    this.maybeSnapshot();
    return res;
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
      let from = 0;
      const lim = Math.max(ms.lastT, this.persistedUntil - 1);
      while (from < n && t[from]! <= lim) from++;
      if (from === n) return;
      ms.append(t, v, from, n, this.chunkSamples, this.blockMs);
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

  stats(): StoreStats {
    let samples = 0;
    let headSamples = 0;
    let chunkBytes = 0;
    let chunks = 0;
    for (const b of this.blocks) {
      chunkBytes += b.bytes;
      chunks += b.chunks.count.length;
      for (let i = 0; i < b.chunks.count.length; i++) samples += b.chunks.count[i]!;
    }
    for (const s of this.byId.values()) {
      headSamples += s.hn;
      for (const c of s.chunks) {
        samples += c.count;
        chunkBytes += c.data.length;
        chunks++;
      }
    }
    const minT = Math.min(this.minT, ...this.blocks.map((b) => b.meta.minT));
    return {
      series: this.byId.size, samples: samples + headSamples, headSamples, chunkBytes, chunks, blocks: this.blocks.length,
      walSegments: listSegments(path.join(this.dir, WAL_DIR)).length, minT, maxT: this.maxT,
      walFramesReplayed: this.replay?.frames ?? 0, walTornTails: this.replay?.tornTails ?? 0, walCorruptions: this.replay?.corruptions ?? 0,
      snapshotsLoaded: this.snapshotsLoaded, ...this.counters,
    };
  }

  // ---------------------------------------------------------------- maintenance

  private maybeSnapshot(): void {
    const every = this.opts.snapshotEveryWalBytes ?? 64 * 1024 * 1024;
    if (every <= 0 || this.maintenanceRunning) return;
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
    if (this.closed) return;
    const seg = await this.wal.rotate();
    this.walBytesAtSnapshot = this.wal.stats().bytesWritten;
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
    await writeSnapshot(this.dir, meta, series, rows);
    // The snapshot covers every segment before `seg`: drop them.
    for (const s of listSegments(path.join(this.dir, WAL_DIR))) if (s < seg) fs.rmSync(segmentPath(path.join(this.dir, WAL_DIR), s), { force: true });
    this.applyRetention();
    this.logger.info({ walSegment: seg, series: series.length, chunks: rows.length }, 'snapshot written');
  }

  /** Writes every block whose end is at least half a block behind the newest sample. */
  private async flushBlocks(): Promise<void> {
    const B = this.blockMs;
    const limit = Math.floor((this.maxT - B / 2) / B) * B; // blocks ending at or before this are done
    if (!(limit > this.persistedUntil) || !Number.isFinite(limit)) return;
    // Group in-memory data by block (chunks never span blocks). Chunks stay readable in memory
    // until their block is loaded; then both swap in one synchronous step.
    const byBlock = new Map<number, { rows: ChunkRow[]; series: Map<number, SeriesRow> }>();
    for (const s of this.byId.values()) {
      if (s.hn > 0 && (s.headBlock + 1) * B <= limit) s.seal();
      for (const c of s.chunks) {
        const b = Math.floor(c.minT / B) * B;
        if (b + B > limit) continue;
        let g = byBlock.get(b);
        if (!g) byBlock.set(b, (g = { rows: [], series: new Map() }));
        g.rows.push({ seriesId: s.id, minT: c.minT, maxT: c.maxT, count: c.count, flags: 0, data: c.data });
        g.series.set(s.id, { id: s.id, tenant: s.tenant, labels: s.labels });
      }
    }
    // From now on writes below `limit` are refused; the blocks below are being written.
    this.persistedUntil = limit;
    const loaded: PersistedBlock[] = [];
    for (const b of [...byBlock.keys()].sort((x, y) => x - y)) {
      const g = byBlock.get(b)!;
      loaded.push(await PersistedBlock.write(this.dir, b, B, g.rows, [...g.series.values()]));
    }
    this.blocks.push(...loaded);
    this.blocks.sort((a, b) => a.meta.minT - b.meta.minT);
    for (const s of this.byId.values()) if (s.chunks.length > 0 && s.chunks[0]!.minT < limit) s.chunks = s.chunks.filter((c) => c.minT >= limit);
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
    this.blocks = keep;
  }

  // ---------------------------------------------------------------- recovery

  private loadBlocks(): void {
    for (const { block, series } of PersistedBlock.loadAll(this.dir)) {
      for (const r of series) if (!this.byId.has(r.id)) this.addSeries(r.id, r.tenant, r.labels);
      const c = block.chunks;
      for (let i = 0; i < c.seriesId.length; i++) {
        const s = this.byId.get(c.seriesId[i]!);
        if (s && c.maxT[i]! > s.lastT) s.lastT = c.maxT[i]!;
        if (c.maxT[i]! > this.maxT) this.maxT = c.maxT[i]!;
      }
      this.blocks.push(block);
      if (block.meta.maxT > this.persistedUntil) this.persistedUntil = block.meta.maxT;
    }
    this.blocks.sort((a, b) => a.meta.minT - b.meta.minT);
  }

  /** Loads the newest complete snapshot; returns the WAL segment replay starts from. */
  private loadSnapshot(): number {
    const snap = readLatestSnapshot(this.dir);
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
    await this.wal.close();
  }
}
