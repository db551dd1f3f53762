/**
 * Hedging policy: when a primary has not answered within its hedge delay, the same fragment goes
 * to the first fallback and the first complete answer wins (see executor.ts).
 *
 * The delay is the leaf's recent p95 latency (only completed calls count, see latency.ts),
 * bounded by [minDelayMs, maxDelayMs]; `defaultDelayMs` until the leaf has enough samples.
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
  const p95 = latency?.p95(leafId);
  const d = p95 ?? o.defaultDelayMs;
  return Math.min(o.maxDelayMs, Math.max(o.minDelayMs, d));
}
