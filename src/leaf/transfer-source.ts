/**
 * The source side of a range transfer: the samples of a key span cut into chunks, in a stable
 * order — tenant, then time window, then series (compareLabels), then time — so that a cursor
 * (tenant, window, series, last timestamp sent) resumes exactly after the last chunk the
 * destination received.
 *
 * Reads go through the public querier one time window at a time (each window holds about
 * WINDOW_SAMPLES samples of the tenant's span, from the span's stats when the tenant is reached),
 * so no single read stalls the leaf for the whole range. The windows end at the newest sample
 * held when the tenant is reached: newer samples are not needed — the destination has been
 * receiving the range's writes since before the transfer started (the move protocol in
 * src/balancer/mover.ts waits for gateways to see the new replica first). The window width is
 * part of the cursor, so a resumed transfer cuts the same windows.
 */
import { compareLabels, lowerBound, type KeySpan, type Labels, type Series } from '../model/index.js';
import { spanSeries } from './store-merge.js';
import type { LeafStore } from './store.js';

/** Default chunk size: small enough that encoding or merging one chunk is a short pause. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/** Samples per read window (about). */
export const WINDOW_SAMPLES = 64 * 1024;

export interface TransferCursor {
  tenant: string;
  /** Start and width of the time window being sent, ms. */
  window: number;
  width: number;
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
  /** Samples per read window (default WINDOW_SAMPLES). */
  windowSamples?: number;
}

export function encodeCursor(c: TransferCursor): string {
  return JSON.stringify([c.tenant, c.labels.flatMap((l) => [l.name, l.value]), c.t, c.window, c.width]);
}

export function decodeCursor(s: string): TransferCursor | undefined {
  if (s === '') return undefined;
  const a = JSON.parse(s) as unknown;
  if (!Array.isArray(a) || typeof a[0] !== 'string' || !Array.isArray(a[1]) || typeof a[2] !== 'number' || typeof a[3] !== 'number' || !(a[4] > 0)) throw new Error('malformed transfer cursor');
  const flat = a[1] as string[];
  const labels: { name: string; value: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) labels.push({ name: String(flat[i]), value: String(flat[i + 1]) });
  return { tenant: a[0], labels, t: a[2], window: a[3], width: a[4] };
}

const BYTES_PER_SAMPLE = 16;

export async function* transferChunks(store: LeafStore, opts: TransferSourceOptions): AsyncGenerator<TransferChunk> {
  const budget = Math.max(BYTES_PER_SAMPLE * 64, opts.chunkBytes || DEFAULT_CHUNK_BYTES);
  const after = opts.resumeAfter;
  const minT = opts.minTimeMs ?? -Infinity;
  const tenants = opts.tenant !== undefined ? [opts.tenant] : store.tenantNames();
  for (const tenant of [...tenants].sort()) {
    if (after && tenant < after.tenant) continue;
    const st = store.stats(tenant, [opts.span]);
    if (st.samples === 0) continue;
    const resuming = after !== undefined && tenant === after.tenant;
    const lo = Math.max(minT, Math.floor(st.minTimeMs));
    const hi = Math.floor(st.maxTimeMs);
    const width = resuming ? after.width : Math.max(1, Math.ceil((hi - lo + 1) / Math.max(1, Math.ceil(st.samples / (opts.windowSamples ?? WINDOW_SAMPLES)))));
    let out: Series[] = [];
    let bytes = 0;
    let samples = 0;
    let cursor: TransferCursor | undefined;
    for (let w = resuming ? after.window : lo; w <= hi; w += width) {
      const wEnd = Math.min(hi, w + width - 1);
      const inWindow = await spanSeries(store, tenant, opts.span, Math.max(w, minT), wEnd);
      for (const s of inWindow) {
        let from = 0;
        if (resuming && w === after.window) {
          const c = compareLabels(s.labels, after.labels);
          if (c < 0) continue;
          if (c === 0) from = lowerBound(s.t, Math.floor(after.t) + 1);
        }
        let labelBytes = 16;
        for (const l of s.labels) labelBytes += l.name.length + l.value.length + 6;
        const n = s.t.length;
        while (from < n) {
          const room = Math.max(1, Math.floor((budget - bytes - labelBytes) / BYTES_PER_SAMPLE));
          const end = Math.min(n, from + room);
          out.push({ labels: s.labels, t: s.t.subarray(from, end), v: s.v.subarray(from, end) });
          bytes += labelBytes + (end - from) * BYTES_PER_SAMPLE;
          samples += end - from;
          cursor = { tenant, window: w, width, labels: s.labels, t: s.t[end - 1]! };
          if (bytes >= budget || end < n) {
            yield { tenant, series: out, samples, cursor };
            out = [];
            bytes = 0;
            samples = 0;
          }
          from = end;
        }
      }
    }
    if (out.length > 0) yield { tenant, series: out, samples, cursor: cursor! };
  }
}
