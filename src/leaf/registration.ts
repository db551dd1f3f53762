/**
 * A leaf daemon's membership in the control plane:
 *  - registers the leaf under a lease (kept alive until stop; a crashed leaf expires = dead);
 *  - watches the range assignment: declares the ranges it holds (Status answers, load), and when
 *    it stops holding a key span (its replica was removed after a move) deletes that data after
 *    a grace period, re-checking that the span is still not held (store-merge.ts `dropSpan`);
 *  - reports load every `loadEveryMs`: per range series, samples, bytes, write rate, and a sample
 *    of target keys (the balancer's split-key candidates; metadata only).
 * While the store is unreachable nothing changes: the leaf serves and keeps its data.
 */
import type { Logger } from 'pino';
import type { KeySpan } from '../model/index.js';
import { subtractSpans, type AssignmentStore, type LeafLoad, type LeafRegistration, type RangeAssignment, type RangeLoad } from '../shard/index.js';
import type { LeafHandle } from './server.js';
import { dropSpan, spanSeries } from './store-merge.js';

export interface LeafRegistrationOptions {
  store: AssignmentStore;
  leaf: LeafHandle;
  zone?: string;
  capacity?: number;
  /** Lease TTL, ms (default: the store's, 10 s). */
  ttlMs?: number;
  /** Load report period, ms (default 5 s). */
  loadEveryMs?: number;
  /** Target keys sampled per range in load reports (default 16). */
  keySamples?: number;
  /** Delay before deleting the data of a span no longer held, ms (default 2 s). */
  dropGraceMs?: number;
  logger?: Logger;
}

export interface LeafMembership {
  readonly registration: LeafRegistration;
  /** Sends a load report now. */
  reportLoad(): Promise<LeafLoad>;
  /** Stops reporting and watching; revokes the lease unless `crash` (then it expires). */
  stop(opts?: { crash?: boolean }): Promise<void>;
}

export async function startLeafRegistration(opts: LeafRegistrationOptions): Promise<LeafMembership> {
  const { store, leaf } = opts;
  const registration = await store.registerLeaf(
    { id: leaf.id, address: leaf.address, ...(opts.zone ? { zone: opts.zone } : {}), ...(opts.capacity !== undefined ? { capacity: opts.capacity } : {}) },
    opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {},
  );
  let held: RangeAssignment[] = [];
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();

  const heldSpans = (): KeySpan[] => held.map((r) => ({ start: r.start, end: r.end }));
  const sync = (): void => {
    if (stopped) return;
    const ranges = store.ranges();
    if (ranges.length === 0) return; // no assignment (yet, or never loaded): change nothing
    const next = ranges.filter((r) => r.replicas.some((x) => x.leafId === leaf.id));
    const lost = held.flatMap((r) => subtractSpans(r, next));
    held = next;
    leaf.setRanges(next.map((r) => ({ id: r.id, start: r.start, end: r.end })));
    for (const span of lost) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (stopped) return;
        for (const part of subtractSpans(span, heldSpans())) {
          const n = dropSpan(leaf.store, part);
          if (n > 0) opts.logger?.info({ leaf: leaf.id, samples: n }, 'dropped the data of a range this leaf no longer holds');
        }
      }, opts.dropGraceMs ?? 2_000);
      t.unref();
      timers.add(t);
    }
  };
  const unwatch = store.watch(sync);
  sync();

  let prev = new Map<string, { samples: number; at: number }>();
  const reportLoad = async (): Promise<LeafLoad> => {
    const now = Date.now();
    const ranges: RangeLoad[] = [];
    const next = new Map<string, { samples: number; at: number }>();
    let series = 0;
    let samples = 0;
    let bytes = 0;
    let writeRate = 0;
    for (const r of held) {
      const span = [{ start: r.start, end: r.end }];
      let rs = 0;
      let rn = 0;
      let rb = 0;
      const keys: string[] = [];
      for (const t of leaf.store.tenantNames()) {
        const st = leaf.store.stats(t, span);
        rs += st.series;
        rn += st.samples;
        rb += st.bytes;
        // Target keys of the range's series (labels only: metadata, no samples read).
        for (const s of await spanSeries(leaf.store, t, span[0]!, -Infinity, Infinity, true)) keys.push(Buffer.from(leaf.store.keys.keyOf(t, s.labels)).toString('hex'));
      }
      const p = prev.get(r.id);
      const rate = p && now > p.at ? Math.max(0, ((rn - p.samples) * 1000) / (now - p.at)) : 0;
      next.set(r.id, { samples: rn, at: now });
      ranges.push({ rangeId: r.id, series: rs, samples: rn, bytes: rb, writeRate: rate, keySamples: sampleKeys(keys, opts.keySamples ?? 16) });
      series += rs;
      samples += rn;
      bytes += rb;
      writeRate += rate;
    }
    prev = next;
    const load: LeafLoad = { leafId: leaf.id, at: now, series, samples, bytes, writeRate, ranges };
    await registration.reportLoad(load);
    return load;
  };
  const every = opts.loadEveryMs ?? 5_000;
  const loadTimer = setInterval(() => {
    reportLoad().catch((e: unknown) => opts.logger?.debug({ err: (e as Error).message }, 'load report failed'));
  }, every);
  loadTimer.unref();
  void reportLoad().catch(() => undefined);

  return {
    registration,
    reportLoad,
    stop: async (o = {}) => {
      if (stopped) return;
      stopped = true;
      unwatch();
      clearInterval(loadTimer);
      for (const t of timers) clearTimeout(t);
      if (o.crash) registration.release();
      else await registration.revoke();
    },
  };
}

/** Up to `n` distinct keys evenly spread over the sorted keys (series-weighted quantiles). */
function sampleKeys(keys: string[], n: number): string[] {
  if (keys.length === 0) return [];
  keys.sort();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = keys[Math.min(keys.length - 1, Math.floor(((i + 0.5) * keys.length) / n))]!;
    if (out[out.length - 1] !== k) out.push(k);
  }
  return out;
}
