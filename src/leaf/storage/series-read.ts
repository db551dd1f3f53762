/**
 * The read path of one series: decodes only the chunks (persisted blocks, then sealed in-memory
 * chunks) whose [min_t, max_t] overlaps the window, straight into one pair of Float64Arrays,
 * appends the head, and clips to [start, end]. Normally the pieces are disjoint and in time
 * order; late data (extra blocks, chunks below the persisted floor) can overlap: then the
 * samples are sorted by time and equal timestamps collapse to the first one read (blocks first).
 */
import { lowerBound, upperBound, type Series } from '../../model/index.js';
import { chunkData } from './block-format.js';
import { decodeChunk } from './chunk-codec.js';
import type { PersistedBlock } from './persisted-block.js';
import type { MemSeries } from './series-head.js';

/** Decodes the series' chunks overlapping [start, end] (plus its head), clipped to the window. */
export function readSeries(blocks: readonly PersistedBlock[], s: MemSeries, start: number, end: number, labelsOnly: boolean): Series | undefined {
  // Pass 1: count samples of overlapping chunks.
  let total = 0;
  for (const b of blocks) {
    if (b.meta.maxT <= start || b.meta.minT > end || b.seq <= s.hideBlocksUpTo) continue;
    const r = b.rows.get(s.id);
    if (!r) continue;
    const c = b.chunks;
    for (let i = r[0]; i < r[1]; i++) if (c.maxT[i]! >= start && c.minT[i]! <= end) total += c.count[i]!;
  }
  for (const c of s.chunks) if (c.maxT >= start && c.minT <= end) total += c.count;
  const headHit = s.hn > 0 && s.ht[s.hn - 1]! >= start && s.ht[0]! <= end;
  if (headHit) total += s.hn;
  if (total === 0) return undefined;
  if (labelsOnly) return { labels: s.labels, t: new Float64Array(0), v: new Float64Array(0) };
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let off = 0;
  for (const b of blocks) {
    if (b.meta.maxT <= start || b.meta.minT > end || b.seq <= s.hideBlocksUpTo) continue;
    const r = b.rows.get(s.id);
    if (!r) continue;
    const c = b.chunks;
    for (let i = r[0]; i < r[1]; i++) if (c.maxT[i]! >= start && c.minT[i]! <= end) off += decodeChunk(chunkData(c, i), t, v, off);
  }
  for (const c of s.chunks) if (c.maxT >= start && c.minT <= end) off += decodeChunk(c.data, t, v, off);
  if (headHit) {
    t.set(s.ht.subarray(0, s.hn), off);
    v.set(s.hv.subarray(0, s.hn), off);
    off += s.hn;
  }
  for (let i = 1; i < off; i++) {
    if (!(t[i]! > t[i - 1]!)) {
      off = sortDedupe(t, v, off);
      break;
    }
  }
  const lo = lowerBound(t.subarray(0, off), start);
  const hi = upperBound(t.subarray(0, off), end);
  if (hi <= lo) return undefined;
  return { labels: s.labels, t: t.subarray(lo, hi), v: v.subarray(lo, hi) };
}

/** Sorts samples [0, n) by time (stable), keeps the first of equal timestamps; returns the new n. */
function sortDedupe(t: Float64Array, v: Float64Array, n: number): number {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const order = Array.from(idx).sort((a, b) => t[a]! - t[b]! || a - b);
  const ot = new Float64Array(n);
  const ov = new Float64Array(n);
  let k = 0;
  for (const i of order) {
    if (k > 0 && ot[k - 1] === t[i]) continue;
    ot[k] = t[i]!;
    ov[k++] = v[i]!;
  }
  t.set(ot.subarray(0, k));
  v.set(ov.subarray(0, k));
  return k;
}
