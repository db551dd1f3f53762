/**
 * Per-leaf latency and load: an EWMA of call latency (for ranking replicas), a p95 over a bounded
 * window of recent samples (for hedge delays), and the number of calls in flight (load).
 *
 * Units: milliseconds. Memory per leaf is bounded (a ring of `windowSize` Float64 samples).
 *
 * Two kinds of sample:
 *  - `observe`: a call completed in `ms` — feeds the EWMA and the p95 window;
 *  - `observeCensored`: a call was cancelled after `ms` without answering (a hedge beat it), so its
 *    latency is at least `ms` — feeds only the EWMA, as `ms × censoredPenalty`. Keeping it out of
 *    the p95 keeps the hedge delay of a suddenly slow leaf short, while the EWMA moves it down the
 *    replica ranking. The penalty is there because the bound is weak: a leaf hedged away at
 *    "p95 + a fallback call" would otherwise look barely slower than its peers (and flap back to
 *    primary), though its real latency is unknown and possibly far larger.
 *
 * An EWMA not updated for `staleAfterMs` reads as unknown, so a leaf demoted for slowness gets
 * traffic again later and can show it recovered.
 */
export interface LatencyOptions {
  /** EWMA weight of a new sample (0..1]. Default 0.3. */
  alpha?: number;
  /** Samples kept for the p95. Default 128. */
  windowSize?: number;
  /** Samples needed before `p95` answers. Default 8. */
  minSamples?: number;
  /** An EWMA older than this reads as unknown. Default 30 s. */
  staleAfterMs?: number;
  /** Multiplier of a censored sample (see above). Default 4. */
  censoredPenalty?: number;
  /** Clock (ms), for tests. Default Date.now. */
  now?: () => number;
}

export const DEFAULT_LATENCY_OPTIONS: Required<Omit<LatencyOptions, 'now'>> = { alpha: 0.3, windowSize: 128, minSamples: 8, staleAfterMs: 30_000, censoredPenalty: 4 };

class LeafLatency {
  ewma = NaN;
  updatedAt = -Infinity;
  inflight = 0;
  readonly ring: Float64Array;
  count = 0;
  next = 0;
  private cachedP95 = NaN;
  private dirty = true;

  constructor(size: number) {
    this.ring = new Float64Array(size);
  }

  push(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.count < this.ring.length) this.count++;
    this.dirty = true;
  }

  quantile(q: number): number {
    if (!this.dirty && q === 0.95) return this.cachedP95;
    const s = this.ring.slice(0, this.count).sort();
    const v = s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
    if (q === 0.95) {
      this.cachedP95 = v;
      this.dirty = false;
    }
    return v;
  }
}

export class LatencyTracker {
  private readonly opts: Required<Omit<LatencyOptions, 'now'>>;
  private readonly now: () => number;
  private readonly leaves = new Map<string, LeafLatency>();
  /** Completed calls of every leaf: the fallback for leaves without their own samples. */
  private readonly all: LeafLatency;

  constructor(opts: LatencyOptions = {}) {
    const { now, ...rest } = opts;
    this.opts = { ...DEFAULT_LATENCY_OPTIONS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    this.now = now ?? Date.now;
    this.all = new LeafLatency(this.opts.windowSize);
  }

  private leaf(id: string): LeafLatency {
    let l = this.leaves.get(id);
    if (!l) this.leaves.set(id, (l = new LeafLatency(this.opts.windowSize)));
    return l;
  }

  private ewmaUpdate(l: LeafLatency, ms: number): void {
    l.ewma = Number.isNaN(l.ewma) || this.now() - l.updatedAt > this.opts.staleAfterMs ? ms : l.ewma + this.opts.alpha * (ms - l.ewma);
    l.updatedAt = this.now();
  }

  /** A completed call took `ms`. */
  observe(leafId: string, ms: number): void {
    if (!(ms >= 0)) return;
    const l = this.leaf(leafId);
    this.ewmaUpdate(l, ms);
    l.push(ms);
    this.all.push(ms);
  }

  /** A call was abandoned after `ms` without answering: its latency is at least `ms`. */
  observeCensored(leafId: string, elapsedMs: number): void {
    if (!(elapsedMs >= 0)) return;
    const ms = elapsedMs * this.opts.censoredPenalty;
    const l = this.leaf(leafId);
    // Only ever raises the estimate: a lower bound below the EWMA says nothing new.
    if (Number.isNaN(l.ewma) || ms > l.ewma || this.now() - l.updatedAt > this.opts.staleAfterMs) this.ewmaUpdate(l, ms);
  }

  /** EWMA latency in ms, undefined when unknown or stale. */
  ewma(leafId: string): number | undefined {
    const l = this.leaves.get(leafId);
    if (!l || Number.isNaN(l.ewma) || this.now() - l.updatedAt > this.opts.staleAfterMs) return undefined;
    return l.ewma;
  }

  /** p95 of the recent completed calls, undefined with fewer than `minSamples`. */
  p95(leafId: string): number | undefined {
    const l = this.leaves.get(leafId);
    if (!l || l.count < this.opts.minSamples) return undefined;
    return l.quantile(0.95);
  }

  /** p95 of the recent completed calls of all leaves, undefined with fewer than `minSamples`. */
  p95All(): number | undefined {
    return this.all.count < this.opts.minSamples ? undefined : this.all.quantile(0.95);
  }

  /** Calls in flight to the leaf (its load as seen from here). */
  inflight(leafId: string): number {
    return this.leaves.get(leafId)?.inflight ?? 0;
  }

  begin(leafId: string): void {
    this.leaf(leafId).inflight++;
  }

  end(leafId: string): void {
    const l = this.leaf(leafId);
    if (l.inflight > 0) l.inflight--;
  }

  /** Snapshot for Explain/metrics. */
  snapshot(): { leafId: string; ewmaMs: number | undefined; p95Ms: number | undefined; inflight: number }[] {
    return [...this.leaves.keys()].sort().map((id) => ({ leafId: id, ewmaMs: this.ewma(id), p95Ms: this.p95(id), inflight: this.inflight(id) }));
  }
}
