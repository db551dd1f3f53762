/**
 * A persisted block loaded in memory: Arrow chunk columns plus a per-series row index.
 * Several blocks may cover the same time range: late data (samples inserted below the persisted
 * floor by range transfers) is flushed into extra blocks `<start>-<n>`; readers merge them.
 * Memory-only stores build the same blocks without a directory (`dir` = '').
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { chunkData, decodeChunkTable, decodeSeriesTable, encodeChunkTable, encodeSeriesTable, type ChunkColumns, type ChunkRow, type SeriesRow } from './block-format.js';
import { decodeChunk } from './chunk-codec.js';
import { listCompleteDirs, readAligned, readMeta, writeDirAtomic } from './block-dir.js';

export const BLOCK_DIR = 'blocks';
/** Fixed-width columns of one chunk row (series_id, min_t, max_t, count, flags, offset). */
const BLOCK_ROW_BYTES = 29;

export interface BlockMeta {
  version: 1;
  /** Inclusive start and exclusive end of the block's time range (ms). */
  minT: number;
  maxT: number;
  chunks: number;
  samples: number;
  series: number;
}

export class PersistedBlock {
  /**
   * series id → [first row, end row) in `chunks`: a binary search over the sorted series_id
   * column (no per-series index object: a block costs its Arrow buffer only).
   */
  readonly rows: { get(id: number): [number, number] | undefined };
  readonly bytes: number;
  /** Order of creation in this process (set by the store; series hide blocks up to a seq). */
  seq = 0;
  private cache: { row: number; t: Float64Array; v: Float64Array } | undefined;

  constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
    readonly chunks: ChunkColumns,
  ) {
    const ids = chunks.seriesId;
    const first = (id: number): number => {
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ids[mid]! < id) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    this.rows = {
      get(id: number): [number, number] | undefined {
        const lo = first(id);
        if (lo >= ids.length || ids[lo] !== id) return undefined;
        return [lo, first(id + 1)];
      },
    };
    this.bytes = chunks.bytes.length;
  }

  static load(dir: string): { block: PersistedBlock; series: SeriesRow[] } {
    const meta = readMeta<BlockMeta>(dir);
    const chunks = decodeChunkTable(readAligned(path.join(dir, 'chunks.arrow')));
    const series = decodeSeriesTable(readAligned(path.join(dir, 'series.arrow')));
    return { block: new PersistedBlock(dir, meta, chunks), series };
  }

  /** Block [minT, minT + blockMs) built in memory only (memory-only stores). */
  static build(minT: number, blockMs: number, rows: ChunkRow[], series: number): PersistedBlock {
    let samples = 0;
    for (const r of rows) samples += r.count;
    const meta: BlockMeta = { version: 1, minT, maxT: minT + blockMs, chunks: rows.length, samples, series };
    return new PersistedBlock('', meta, decodeChunkTable(encodeChunkTable(rows)));
  }

  /**
   * Writes block [minT, minT + blockMs) atomically and returns it loaded. `n` > 0 names an extra
   * block of late data for the same range (`<start>-<n>`).
   */
  static async write(storeDir: string, minT: number, blockMs: number, rows: ChunkRow[], series: readonly SeriesRow[], n = 0): Promise<PersistedBlock> {
    let samples = 0;
    for (const r of rows) samples += r.count;
    const meta: BlockMeta = { version: 1, minT, maxT: minT + blockMs, chunks: rows.length, samples, series: series.length };
    const dir = path.join(storeDir, BLOCK_DIR, String(minT).padStart(16, '0') + (n > 0 ? `-${n}` : ''));
    const chunksFile = encodeChunkTable(rows);
    await writeDirAtomic(dir, { 'chunks.arrow': chunksFile, 'series.arrow': encodeSeriesTable(series) }, meta);
    return new PersistedBlock(dir, meta, decodeChunkTable(chunksFile));
  }

  /** Every complete block of the store, with its series index (interrupted writes removed). */
  static loadAll(storeDir: string): { block: PersistedBlock; series: SeriesRow[] }[] {
    const parent = path.join(storeDir, BLOCK_DIR);
    return listCompleteDirs(parent).map((name) => PersistedBlock.load(path.join(parent, name)));
  }

  /** The value series `id` has at exactly t in this block, or undefined (decodes one chunk). */
  valueAt(id: number, t: number): number | undefined {
    if (t < this.meta.minT || t >= this.meta.maxT) return undefined;
    const r = this.rows.get(id);
    if (!r) return undefined;
    const c = this.chunks;
    for (let i = r[0]; i < r[1]; i++) {
      if (t < c.minT[i]! || t > c.maxT[i]!) continue;
      const n = c.count[i]!;
      if (this.cache?.row !== i) {
        // Lookups come in runs over one series (replay, backfill): keep the last chunk decoded.
        const ts = new Float64Array(n);
        const vs = new Float64Array(n);
        decodeChunk(chunkData(c, i), ts, vs, 0);
        this.cache = { row: i, t: ts, v: vs };
      }
      const k = this.cache.t.indexOf(t);
      if (k >= 0) return this.cache.v[k];
    }
    return undefined;
  }

  /** Samples, bytes (chunk bytes + fixed-width row columns) and first time of series `id` here. */
  seriesTotals(id: number): { samples: number; bytes: number; minT: number } | undefined {
    const r = this.rows.get(id);
    if (!r) return undefined;
    const c = this.chunks;
    let samples = 0;
    for (let i = r[0]; i < r[1]; i++) samples += c.count[i]!;
    return { samples, bytes: c.offsets[r[1]]! - c.offsets[r[0]]! + BLOCK_ROW_BYTES * (r[1] - r[0]), minT: c.minT[r[0]]! };
  }

  remove(): void {
    if (this.dir !== '') fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
