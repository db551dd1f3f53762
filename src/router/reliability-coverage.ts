/**
 * Time coverage of each replica, from the leaves' Status answers (RangeStats: per range and
 * tenant, the min/max sample time and sample count), polled every few seconds by the gateway.
 *
 * What the resolver gets is coverage *relative to the range's other replicas*: each range is
 * ranked over the window [oldest sample any of its replicas reported, now]; a replica holds
 * [its min time, ∞) of it (a replica still catching up, or a memory-only leaf that restarted,
 * holds less), one with no samples while a peer has some holds nothing, an unreported one
 * counts as full. So replicas with the whole history are read first, and a range where no
 * replica has old data (it was never written) is not "incomplete". The newest samples are not
 * compared: a poll is seconds old, and every replica receives every write. (The query's own
 * window is not known at this level, so a replica missing old history is demoted for every
 * query of the range — harmless: a peer has everything.)
 */
import type { Logger } from 'pino';
import type { TimeCoverage } from '../reliability/index.js';
import type { Topology } from './topology.js';

/** Status is O(series × ranges) on a leaf: poll gently. */
export const DEFAULT_COVERAGE_POLL_MS = 10_000;

interface Held {
  samples: number;
  minTime: number;
}

export class CoverageMonitor {
  /** leafId → "tenant\u0000rangeId" → what it holds. */
  private readonly byLeaf = new Map<string, Map<string, Held>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly topology: Topology,
    private readonly intervalMs = DEFAULT_COVERAGE_POLL_MS,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One Status round over the assignment's leaves (a leaf that does not answer keeps its last report). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const leaves = this.topology.table.leaves();
      await Promise.all(
        leaves.map(async (l) => {
          const client = this.topology.client(l.id);
          if (!client) return;
          try {
            const st = await client.status({ deadlineMs: Date.now() + Math.max(1000, this.intervalMs) });
            const m = new Map<string, Held>();
            for (const r of st.ranges) if (r.rangeId) m.set(`${r.tenant}\u0000${r.rangeId}`, { samples: Number(r.samples), minTime: Number(r.minTimeMs) });
            this.byLeaf.set(l.id, m);
          } catch (e) {
            this.logger?.debug({ leaf: l.id, err: e instanceof Error ? e.message : String(e) }, 'coverage poll failed');
          }
        }),
      );
      const known = new Set(leaves.map((l) => l.id));
      for (const id of [...this.byLeaf.keys()]) if (!known.has(id)) this.byLeaf.delete(id);
    } finally {
      this.polling = false;
    }
  }

  /**
   * For one range of one tenant: the window to rank its replicas over — from the oldest sample
   * any replica reported to now — and each replica's coverage (undefined = unknown, counts as
   * full); undefined altogether when no replica reported samples (nothing to compare).
   */
  rangeCoverage(tenant: string, rangeId: string, replicaIds: readonly string[], now = Date.now()): { start: number; end: number; coverage: (leafId: string) => TimeCoverage | undefined } | undefined {
    const key = `${tenant}\u0000${rangeId}`;
    let oldest = Infinity;
    for (const id of replicaIds) {
      const h = this.byLeaf.get(id)?.get(key);
      if (h && h.samples > 0) oldest = Math.min(oldest, h.minTime);
    }
    if (oldest === Infinity || oldest >= now) return undefined;
    return {
      start: oldest,
      end: now,
      coverage: (leafId) => {
        const mine = this.byLeaf.get(leafId)?.get(key);
        if (!mine) return undefined;
        if (mine.samples === 0) return { minTime: 1, maxTime: 0 }; // holds nothing while a peer does
        return { minTime: mine.minTime, maxTime: Number.POSITIVE_INFINITY };
      },
    };
  }
}
