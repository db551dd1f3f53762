/**
 * Stable one-line descriptions of reliability state for Explain and logs (golden-testable):
 *
 *   leaf leaf-1: breaker=closed fires=12 failures=0 rejects=0 ewma=4.2ms p95=9.1ms inflight=0
 *   range r1: primary=leaf-1 fallbacks=[leaf-2] coverage=100% state=available
 */
import type { BreakerRegistry } from './breaker.js';
import type { LatencyTracker } from './latency.js';
import type { Resolution } from './resolver.js';

const ms = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(1)}ms`);

/** One line per leaf known to the breakers or the latency tracker, sorted by leaf id. */
export function describeLeaves(breakers: BreakerRegistry | undefined, latency: LatencyTracker | undefined): string[] {
  const b = new Map((breakers?.describe() ?? []).map((x) => [x.leafId, x]));
  const l = new Map((latency?.snapshot() ?? []).map((x) => [x.leafId, x]));
  const ids = [...new Set([...b.keys(), ...l.keys()])].sort();
  return ids.map((id) => {
    const bi = b.get(id);
    const li = l.get(id);
    return `leaf ${id}: breaker=${bi?.state ?? 'closed'} fires=${bi?.fires ?? 0} failures=${bi?.failures ?? 0} rejects=${bi?.rejects ?? 0} ewma=${ms(li?.ewmaMs)} p95=${ms(li?.p95Ms)} inflight=${li?.inflight ?? 0}`;
  });
}

/** One line per range: chosen primary, ordered fallbacks, the primary's coverage and state. */
export function describeResolutions(res: readonly Resolution[]): string[] {
  return res.map((r) => {
    const top = r.ranked[0];
    if (!top) return `range ${r.rangeId}: primary=none fallbacks=[]`;
    const flags = [top.breaker !== 'closed' ? `breaker=${top.breaker}` : '', top.slow ? 'slow' : ''].filter(Boolean).join(' ');
    return `range ${r.rangeId}: primary=${r.primary} fallbacks=[${r.fallbacks.join(', ')}] coverage=${Math.round(top.coverage * 100)}% state=${top.state}${flags ? ' ' + flags : ''}`;
  });
}
