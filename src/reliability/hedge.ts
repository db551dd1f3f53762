/**
 * Hedging policy: when a primary has not answered within its hedge delay, the same fragment goes
 * to the first fallback and the first complete answer wins (see executor.ts).
 *
 * The delay is the leaf's recent p95 latency (only completed calls count, see latency.ts),
 * bounded by [minDelayMs, maxDelayMs]; until the leaf has enough samples, the p95 of all leaves'
 * calls, and `defaultDelayMs` until there are enough of those.
 * Hedging at p95 costs about 5% extra calls on a healthy cluster and caps a slow leaf's
 * contribution to the tail near p95 + one fallback call.
 */
import type { LatencyTracker } from './latency.js';

export interface HedgeOptions {
  /** Default true. */
  enabled?: boolean;
  /** Lower bound of the delay, ms. Default 5. */
  minDelayMs?: number;
  /** Upper bound of the delay, ms. Default 500. */
  maxDelayMs?: number;
  /** Delay while the leaf's p95 is unknown, ms. Default 100. */
  defaultDelayMs?: number;
}

export const DEFAULT_HEDGE_OPTIONS: Required<HedgeOptions> = { enabled: true, minDelayMs: 5, maxDelayMs: 500, defaultDelayMs: 100 };

export function hedgeOptions(o: HedgeOptions | false | undefined): Required<HedgeOptions> {
  if (o === false) return { ...DEFAULT_HEDGE_OPTIONS, enabled: false };
  return { ...DEFAULT_HEDGE_OPTIONS, ...Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) };
}

/** Hedge delay for a call to `leafId`, ms; undefined when hedging is off. */
export function hedgeDelay(leafId: string, latency: LatencyTracker | undefined, o: Required<HedgeOptions>): number | undefined {
  if (!o.enabled) return undefined;
  // A leaf without enough completed calls of its own (new, or always hedged away because it is
  // slow) is held to what the other leaves achieve.
  const d = latency?.p95(leafId) ?? latency?.p95All() ?? o.defaultDelayMs;
  return Math.min(o.maxDelayMs, Math.max(o.minDelayMs, d));
}

export interface HedgeBudgetOptions {
  /** Hedges allowed per primary call, on average. Default 0.1 (at most ~10% extra calls). */
  ratio?: number;
  /** Hedges that may be spent at once after a quiet period. Default 10. */
  burst?: number;
}

/**
 * Caps hedging so a cluster that is slow everywhere is not sent twice the load: every primary
 * call earns `ratio` of a token (up to `burst`), every hedge spends one; no token, no hedge (the
 * primary is simply awaited). Shared by all queries of a gateway.
 */
export class HedgeBudget {
  private tokens: number;
  private readonly ratio: number;
  private readonly burst: number;
  spent = 0;
  denied = 0;

  constructor(opts: HedgeBudgetOptions = {}) {
    this.ratio = opts.ratio ?? 0.1;
    this.burst = opts.burst ?? 10;
    this.tokens = this.burst;
  }

  /** A primary call was made. */
  earn(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio);
  }

  /** Takes a token for a hedge; false when the budget is spent. */
  trySpend(): boolean {
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.spent++;
      return true;
    }
    this.denied++;
    return false;
  }
}
