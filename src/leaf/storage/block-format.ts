/**
 * Arrow IPC file formats of blocks and snapshots (columnar, one record batch per file).
 *
 * chunks.arrow — one row per sealed chunk, sorted by (series_id, min_t):
 *   series_id Uint32 | min_t Float64 (ms) | max_t Float64 (ms) | count Uint32 | flags Uint8 | data Binary
 *   flags bit 0 = HEAD: the chunk holds a series' unsealed head (snapshots only; reloaded into
 *   the appendable head, not kept as a sealed chunk). `data` is a chunk-codec chunk.
 * series.arrow — the series index: series_id Uint32 | tenant Utf8 | labels Utf8 (JSON array
 *   [name1, value1, name2, value2, …], sorted by name).
 */
import { Binary, Table, Utf8, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { Labels } from '../../model/index.js';
import { labelsFromPairs, labelsToPairs } from '../../model/index.js';

export const FLAG_HEAD = 1;

/** Chunk rows as parallel columns (no object per chunk on load). */
export interface ChunkColumns {
  seriesId: Uint32Array;
  minT: Float64Array;
  maxT: Float64Array;
  count: Uint32Array;
  flags: Uint8Array;
  /** data of row i is bytes[offsets[i], offsets[i+1]). */
  offsets: Int32Array;
  bytes: Uint8Array;
}

export interface ChunkRow {
  seriesId: number;
  minT: number;
  maxT: number;
  count: number;
  flags: number;
  data: Uint8Array;
}

export interface SeriesRow {
  id: number;
  tenant: string;
  labels: Labels;
}

/** Encodes chunk rows (sorted here by series id, then min_t) as an Arrow IPC file. */
export function encodeChunkTable(rows: ChunkRow[]): Uint8Array {
  rows.sort((a, b) => a.seriesId - b.seriesId || a.minT - b.minT);
  const n = rows.length;
  const seriesId = new Uint32Array(n);
  const minT = new Float64Array(n);
  const maxT = new Float64Array(n);
  const count = new Uint32Array(n);
  const flags = new Uint8Array(n);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    seriesId[i] = r.seriesId;
    minT[i] = r.minT;
    maxT[i] = r.maxT;
    count[i] = r.count;
    flags[i] = r.flags;
    offsets[i] = total;
    total += r.data.length;
  }
  offsets[n] = total;
  if (total > 0x7fffffff) throw new Error('block: chunk bytes exceed 2 GiB in one table');
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) bytes.set(rows[i]!.data, offsets[i]!);
  const table = new Table({
    series_id: makeVector(seriesId),
    min_t: makeVector(minT),
    max_t: makeVector(maxT),
    count: makeVector(count),
    flags: makeVector(flags),
    data: makeVector(makeData({ type: new Binary(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes })),
  });
  return tableToIPC(table, 'file');
}

/** Decodes a chunks.arrow file into columns (zero-copy views when there is one record batch). */
export function decodeChunkTable(file: Uint8Array): ChunkColumns {
  const t = tableFromIPC(file);
  const col = <T>(name: string): T[] => {
    const c = t.getChild(name);
    if (!c) throw new Error(`block: chunks table lacks column ${name}`);
    return c.data.map((d) => d.values as T);
  };
  const ids = col<Uint32Array>('series_id');
  if (ids.length <= 1) {
    const dd = t.getChild('data')!.data[0];
    const n = t.numRows;
    // IPC buffers are padded (to 8/64 bytes): `values` may be longer than the row count.
    return {
      seriesId: (ids[0] ?? new Uint32Array(0)).subarray(0, n),
      minT: (col<Float64Array>('min_t')[0] ?? new Float64Array(0)).subarray(0, n),
      maxT: (col<Float64Array>('max_t')[0] ?? new Float64Array(0)).subarray(0, n),
      count: (col<Uint32Array>('count')[0] ?? new Uint32Array(0)).subarray(0, n),
      flags: (col<Uint8Array>('flags')[0] ?? new Uint8Array(0)).subarray(0, n),
      offsets: dd ? (dd.valueOffsets as Int32Array).subarray(0, n + 1) : Int32Array.of(0),
      bytes: dd ? (dd.values as Uint8Array) : new Uint8Array(0),
    };
  }
  // Several batches: concatenate (not produced by this module, accepted for robustness).
  const rows: ChunkRow[] = [];
  for (const b of t.batches) {
    const get = (name: string) => b.getChild(name)!;
    for (let i = 0; i < b.numRows; i++) {
      rows.push({ seriesId: get('series_id').get(i) as number, minT: get('min_t').get(i) as number, maxT: get('max_t').get(i) as number, count: get('count').get(i) as number, flags: get('flags').get(i) as number, data: get('data').get(i) as Uint8Array });
    }
  }
  return decodeChunkTable(encodeChunkTable(rows));
}

export function chunkData(c: ChunkColumns, i: number): Uint8Array {
  return c.bytes.subarray(c.offsets[i]!, c.offsets[i + 1]!);
}

export function encodeSeriesTable(rows: readonly SeriesRow[]): Uint8Array {
  const sorted = [...rows].sort((a, b) => a.id - b.id);
  const table = new Table({
    series_id: makeVector(Uint32Array.from(sorted, (r) => r.id)),
    tenant: vectorFromArray(sorted.map((r) => r.tenant), new Utf8()),
    labels: vectorFromArray(sorted.map((r) => JSON.stringify(labelsToPairs(r.labels))), new Utf8()),
  });
  return tableToIPC(table, 'file');
}

export function decodeSeriesTable(file: Uint8Array): SeriesRow[] {
  const t = tableFromIPC(file);
  const ids = t.getChild('series_id')!;
  const tenants = t.getChild('tenant')!;
  const labels = t.getChild('labels')!;
  const out: SeriesRow[] = [];
  for (let i = 0; i < t.numRows; i++) {
    out.push({ id: ids.get(i) as number, tenant: tenants.get(i) as string, labels: labelsFromPairs(JSON.parse(labels.get(i) as string) as string[]) });
  }
  return out;
}
