/**
 * The reliability part of Explain: hedging on/off, deadline bounds, and one line per leaf of the
 * assignment with its circuit breaker state, rolling counts, latency and load, e.g.
 *
 *   Reliability: hedging on, soft deadline 50% of the hard one (max 300000 ms)
 *     leaf leaf-0: breaker=closed fires=12 failures=0 rejects=0 ewma=4.2ms p95=9.1ms inflight=0
 *     range r0: primary=leaf-0 fallbacks=[leaf-1] coverage=100% state=available
 *
 * The range lines are the resolver's current read order (what a fan-out would use now) for the
 * tenant's ranges: read replicas only (never initializing), ranked by state, time coverage,
 * breaker, latency.
 */
import { describeLeaves, describeResolutions } from '../reliability/index.js';
import { planReadOrder } from './fanout-exec.js';
import { reliabilityOf } from './reliability-state.js';
import type { Topology } from './topology.js';

export interface ReliabilityExplain {
  text: string;
  json: { hedging: boolean; softFraction: number; maxTimeoutMs: number; ranges: { rangeId: string; primary: string | null; fallbacks: string[] }[]; leaves: { leafId: string; breaker: string; fires: number; failures: number; rejects: number; ewmaMs: number | null; p95Ms: number | null; inflight: number }[] };
}

export function explainReliability(topology: Topology, tenant?: string): ReliabilityExplain {
  const rel = reliabilityOf(topology);
  const table = topology.table;
  const tenantRanges = tenant === undefined ? [] : table.overlapping(topology.encoder.tenantSpan(tenant));
  const { resolutions } = planReadOrder(
    rel,
    tenant ?? '',
    tenantRanges.map((r) => ({ id: r.id, replicas: r.replicas.filter((x) => x.state !== 'initializing') })),
  );
  const ids = [...new Set([...topology.table.leaves().map((l) => l.id), ...rel.breakers.describe().map((b) => b.leafId)])].sort();
  const b = new Map(rel.breakers.describe().map((x) => [x.leafId, x]));
  const l = new Map(rel.latency.snapshot().map((x) => [x.leafId, x]));
  const known = new Set(describeLeaves(rel.breakers, rel.latency).map((line) => line.slice(5, line.indexOf(':'))));
  const lines = describeLeaves(rel.breakers, rel.latency);
  for (const id of ids) if (!known.has(id)) lines.push(`leaf ${id}: breaker=closed fires=0 failures=0 rejects=0 ewma=- p95=- inflight=0`);
  lines.sort();
  const { softFraction, maxTimeoutMs } = rel.deadlineOptions;
  const head = `Reliability: hedging ${rel.hedging ? 'on' : 'off'}, soft deadline ${Math.round(softFraction * 100)}% of the hard one (max ${maxTimeoutMs} ms)`;
  return {
    text: [head, ...lines.map((x) => `  ${x}`), ...describeResolutions(resolutions).map((x) => `  ${x}`)].join('\n'),
    json: {
      hedging: rel.hedging,
      softFraction,
      maxTimeoutMs,
      ranges: resolutions.map((r) => ({ rangeId: r.rangeId, primary: r.primary ?? null, fallbacks: r.fallbacks })),
      leaves: ids.map((id) => {
        const bi = b.get(id);
        const li = l.get(id);
        return { leafId: id, breaker: bi?.state ?? 'closed', fires: bi?.fires ?? 0, failures: bi?.failures ?? 0, rejects: bi?.rejects ?? 0, ewmaMs: li?.ewmaMs ?? null, p95Ms: li?.p95Ms ?? null, inflight: li?.inflight ?? 0 };
      }),
    },
  };
}
