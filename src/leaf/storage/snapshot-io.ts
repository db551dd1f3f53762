/**
 * Snapshot directories: `<store>/snapshots/<8-digit WAL segment S>/` holding series.arrow,
 * chunks.arrow (sealed in-memory chunks and heads flagged HEAD) and meta.json. A snapshot
 * covers every WAL segment before S; replay starts at S. See layout.ts.
 */
import * as fs from 'node:fs';
import path from 'node:path';
import { decodeChunkTable, decodeSeriesTable, encodeChunkTable, encodeSeriesTable, type ChunkColumns, type ChunkRow, type SeriesRow } from './block-format.js';
import { listCompleteDirs, readAligned, readMeta, writeDirAtomic } from './block-dir.js';

export const SNAP_DIR = 'snapshots';

export interface SnapshotMeta {
  version: 1;
  /** Replay starts at this WAL segment. */
  walSegment: number;
  /** Samples before this time were in persisted blocks when the snapshot was taken. */
  persistedUntil: number;
  nextSeriesId: number;
  createdAt: string;
}

export interface LoadedSnapshot {
  meta: SnapshotMeta;
  series: SeriesRow[];
  chunks: ChunkColumns;
}

/** Writes snapshot `meta.walSegment` atomically, then removes older snapshots. */
export async function writeSnapshot(storeDir: string, meta: SnapshotMeta, series: readonly SeriesRow[], rows: ChunkRow[]): Promise<void> {
  const parent = path.join(storeDir, SNAP_DIR);
  await writeDirAtomic(path.join(parent, String(meta.walSegment).padStart(8, '0')), { 'series.arrow': encodeSeriesTable(series), 'chunks.arrow': encodeChunkTable(rows) }, meta);
  for (const name of listCompleteDirs(parent)) {
    if (Number(name) < meta.walSegment) fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** The newest complete snapshot, if any (interrupted `.tmp` writes are removed). */
export function readLatestSnapshot(storeDir: string): LoadedSnapshot | undefined {
  const parent = path.join(storeDir, SNAP_DIR);
  const name = listCompleteDirs(parent).at(-1);
  if (name === undefined) return undefined;
  const dir = path.join(parent, name);
  return {
    meta: readMeta<SnapshotMeta>(dir),
    series: decodeSeriesTable(readAligned(path.join(dir, 'series.arrow'))),
    chunks: decodeChunkTable(readAligned(path.join(dir, 'chunks.arrow'))),
  };
}
