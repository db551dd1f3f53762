/**
 * Grouping in-memory chunks into the blocks a flush writes: every chunk of a finished block
 * (one ending at or before `limit`), one row per series and block (a series' chunks of one block
 * are decoded and re-encoded as one chunk: fewer rows, better compression). Heads of idle series
 * in finished blocks are sealed and released first. Yields to the event loop every 4,096 series.
 */
import { type ChunkRow, type SeriesRow } from './block-format.js';
import { decodeChunk, encodeChunk } from './chunk-codec.js';
import type { MemChunk, MemSeries } from './series-head.js';

export interface FlushGroups {
  /** Block start → rows and the series having rows in it. */
  byBlock: Map<number, { rows: ChunkRow[]; series: Map<number, SeriesRow> }>;
  /** The chunk objects written (dropped from memory once their block is loaded). */
  flushed: Set<MemChunk>;
}

let scratchT = new Float64Array(512);
let scratchV = new Float64Array(512);

/** Chunks [i, j) of one series (one block) decoded and re-encoded as one chunk row. */
function joinChunks(seriesId: number, cs: readonly MemChunk[], i: number, j: number): ChunkRow {
  let total = 0;
  for (let k = i; k < j; k++) total += cs[k]!.count;
  if (scratchT.length < total) {
    scratchT = new Float64Array(total);
    scratchV = new Float64Array(total);
  }
  let off = 0;
  for (let k = i; k < j; k++) off += decodeChunk(cs[k]!.data, scratchT, scratchV, off);
  return { seriesId, minT: cs[i]!.minT, maxT: cs[j - 1]!.maxT, count: total, flags: 0, data: encodeChunk(scratchT, scratchV, 0, total) };
}

export async function groupForFlush(series: readonly MemSeries[], limit: number, blockMs: number): Promise<FlushGroups> {
  const B = blockMs;
  const byBlock: FlushGroups['byBlock'] = new Map();
  const flushed = new Set<MemChunk>();
  let n = 0;
  for (const s of series) {
    if ((s.headBlock + 1) * B <= limit) s.seal(true); // an idle head: seal and release its columns
    const cs = s.chunks;
    for (let i = 0; i < cs.length; ) {
      const b = Math.floor(cs[i]!.minT / B) * B;
      if (b + B > limit) break;
      let j = i + 1;
      while (j < cs.length && Math.floor(cs[j]!.minT / B) * B === b) j++;
      let g = byBlock.get(b);
      if (!g) byBlock.set(b, (g = { rows: [], series: new Map() }));
      g.rows.push(j - i === 1 ? { seriesId: s.id, minT: cs[i]!.minT, maxT: cs[i]!.maxT, count: cs[i]!.count, flags: 0, data: cs[i]!.data } : joinChunks(s.id, cs, i, j));
      g.series.set(s.id, { id: s.id, tenant: s.tenant, labels: s.labels });
      for (let k = i; k < j; k++) flushed.add(cs[k]!);
      i = j;
    }
    if (++n % 4096 === 0) await new Promise<void>((r) => setImmediate(r));
  }
  return { byBlock, flushed };
}
