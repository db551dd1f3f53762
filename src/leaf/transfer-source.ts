/**
 * The source side of a range transfer: the series of a key span cut into chunks, in a stable
 * order — tenant, then series (compareLabels), then time — so that a cursor (tenant, series,
 * last timestamp sent) resumes exactly after the last chunk the destination received.
 *
 * Each tenant's series are read once, through the public querier, when the transfer reaches the
 * tenant: a snapshot. Samples appended after it are not needed — the destination has been
 * receiving the range's writes since before the transfer started (the move protocol in
 * src/balancer/mover.ts waits for gateways to see the new replica first).
 */
import { compareLabels, lowerBound, type KeySpan, type Labels, type Series } from '../model/index.js';
import { spanSeries } from './store-merge.js';
import type { LeafStore } from './store.js';

/** Default chunk size: small enough that encoding or merging one chunk is a short pause. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export interface TransferCursor {
  tenant: string;
  labels: Labels;
  /** Last timestamp sent of that series. */
  t: number;
}

export interface TransferChunk {
  tenant: string;
  series: Series[];
  samples: number;
  cursor: TransferCursor;
}

export interface TransferSourceOptions {
  span: KeySpan;
  /** Only this tenant (undefined: all). */
  tenant?: string;
  resumeAfter?: TransferCursor;
  /** Only samples at or after this time. */
  minTimeMs?: number;
  chunkBytes?: number;
}

export function encodeCursor(c: TransferCursor): string {
  return JSON.stringify([c.tenant, c.labels.flatMap((l) => [l.name, l.value]), c.t]);
}

export function decodeCursor(s: string): TransferCursor | undefined {
  if (s === '') return undefined;
  const a = JSON.parse(s) as unknown;
  if (!Array.isArray(a) || typeof a[0] !== 'string' || !Array.isArray(a[1]) || typeof a[2] !== 'number') throw new Error('malformed transfer cursor');
  const flat = a[1] as string[];
  const labels: { name: string; value: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) labels.push({ name: String(flat[i]), value: String(flat[i + 1]) });
  return { tenant: a[0], labels, t: a[2] };
}

const BYTES_PER_SAMPLE = 16;

export async function* transferChunks(store: LeafStore, opts: TransferSourceOptions): AsyncGenerator<TransferChunk> {
  const budget = Math.max(BYTES_PER_SAMPLE * 64, opts.chunkBytes || DEFAULT_CHUNK_BYTES);
  const after = opts.resumeAfter;
  const minT = opts.minTimeMs ?? -Infinity;
  const tenants = opts.tenant !== undefined ? [opts.tenant] : store.tenantNames();
  for (const tenant of [...tenants].sort()) {
    if (after && tenant < after.tenant) continue;
    const all = await spanSeries(store, tenant, opts.span, minT);
    let out: Series[] = [];
    let bytes = 0;
    let samples = 0;
    let cursor: TransferCursor | undefined;
    for (const s of all) {
      let lo = 0;
      if (after && tenant === after.tenant) {
        const c = compareLabels(s.labels, after.labels);
        if (c < 0) continue;
        if (c === 0) lo = lowerBound(s.t, Math.floor(after.t) + 1);
      }
      let labelBytes = 16;
      for (const l of s.labels) labelBytes += l.name.length + l.value.length + 6;
      const hi = s.t.length;
      while (lo < hi) {
        const room = Math.max(1, Math.floor((budget - bytes - labelBytes) / BYTES_PER_SAMPLE));
        const end = Math.min(hi, lo + room);
        out.push({ labels: s.labels, t: s.t.subarray(lo, end), v: s.v.subarray(lo, end) });
        bytes += labelBytes + (end - lo) * BYTES_PER_SAMPLE;
        samples += end - lo;
        cursor = { tenant, labels: s.labels, t: s.t[end - 1]! };
        if (bytes >= budget || end < hi) {
          yield { tenant, series: out, samples, cursor };
          out = [];
          bytes = 0;
          samples = 0;
        }
        lo = end;
      }
    }
    if (out.length > 0) yield { tenant, series: out, samples, cursor: cursor! };
  }
}
