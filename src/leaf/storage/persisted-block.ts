/** A persisted block loaded in memory: Arrow chunk columns plus a per-series row index. */
import * as fs from 'node:fs';
import path from 'node:path';
import { decodeChunkTable, decodeSeriesTable, type ChunkColumns, type SeriesRow } from './block-format.js';
import { readAligned, readMeta } from './block-dir.js';

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
  /** series id → [first row, end row) in `chunks`. */
  readonly rows = new Map<number, [number, number]>();
  readonly bytes: number;

  constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
    readonly chunks: ChunkColumns,
  ) {
    const ids = chunks.seriesId;
    let i = 0;
    while (i < ids.length) {
      const id = ids[i]!;
      let j = i + 1;
      while (j < ids.length && ids[j] === id) j++;
      this.rows.set(id, [i, j]);
      i = j;
    }
    this.bytes = chunks.bytes.length;
  }

  static load(dir: string): { block: PersistedBlock; series: SeriesRow[] } {
    const meta = readMeta<BlockMeta>(dir);
    const chunks = decodeChunkTable(readAligned(path.join(dir, 'chunks.arrow')));
    const series = decodeSeriesTable(readAligned(path.join(dir, 'series.arrow')));
    return { block: new PersistedBlock(dir, meta, chunks), series };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
