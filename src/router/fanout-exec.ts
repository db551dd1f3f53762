/**
 * Executes one selector's (or fragment's) fan-out through the reliability library
 * (src/reliability: `planChildren` + `executeChildren`):
 *
 *  - each range is a child; its read replicas (available, then leaving as a last resort; never
 *    initializing — the move protocol requires it) are ranked by state, breaker state and
 *    latency/load, best first;
 *  - one call per leaf group in parallel, through the leaf's circuit breaker; a failed call's
 *    ranges move to their next replica (`fallback_used`); a slow call is hedged to the next
 *    replica after the leaf's p95 (`hedged`; gateway option, within a shared budget);
 *  - at the query's soft deadline, ranges still missing are given up (`timeout`); the hard
 *    deadline goes to the leaves as the gRPC deadline and fails the query;
 *  - a range with no replica left is a failed child (`unavailable`); errors another replica would
 *    repeat (bad argument, limit exceeded) fail the query at once.
 *
 * Health goes into the query's `HealthBuilder` (ctx). Only complete answers are returned, one
 * per range, never overlapping.
 *
 * The `call` callback keeps its old shape `(client, ranges, leafId)`: the client it gets is
 * scoped to this one leaf call — whatever signal and deadline the caller passes, requests go
 * out with the executor's per-call signal (hedge losers and the soft deadline cancel through it)
 * and the query's hard deadline. An Execute stream only ends normally once this call has claimed
 * its ranges (`CallInfo.claim`), so code after the stream loop (stats, folding into a merger)
 * runs for at most one answer per range even when a hedge and its primary finish together.
 */
import { CanopyError, UnavailableError } from '../model/index.js';
import { fromServiceError, type LeafClient } from '../rpc/index.js';
import type { KeyRange } from '../rpc/gen/canopy/v1/KeyRange.js';
import type { RangeRoute, SelectorFanout } from '../planner/index.js';
import { executeChildren, FAILURE_KINDS, NOT_LEAF_FAULT, planChildren, supersededError, type CallInfo, type HealthIssue, type Resolution } from '../reliability/index.js';
import type { ReplicaState } from '../shard/index.js';
import type { GatewayMetrics } from './metrics.js';
import { abortMessage, type QueryContext } from './query-context.js';
import { reliabilityOf, type GatewayReliability } from './reliability-state.js';
import type { Topology } from './topology.js';

export type ChildCall<T> = (client: LeafClient, ranges: KeyRange[], leafId: string) => Promise<T>;

export function keyRanges(routes: readonly RangeRoute[]): KeyRange[] {
  return routes.map((r) => ({ id: r.rangeId, start: Buffer.from(r.start), end: Buffer.from(r.end) }));
}

type CallOpts = { signal?: AbortSignal; deadlineMs?: number };

/** Ends an Execute stream normally only if this call still owns its ranges (see the file comment). */
async function* claimed<E>(inner: AsyncIterable<E>, signal: AbortSignal, info: CallInfo): AsyncIterable<E> {
  for await (const ev of inner) yield ev;
  if (signal.aborted) throw new CanopyError('CANCELLED', 'call cancelled');
  if (!info.claim()) throw supersededError();
}

/** The leaf client as seen by one executor call: its signal and the query's hard deadline. */
export function scopedClient(client: LeafClient, signal: AbortSignal, info: CallInfo): LeafClient {
  const o = (opts: CallOpts | undefined): CallOpts => ({ ...opts, signal, deadlineMs: info.deadlineAt });
  const scoped = Object.create(client) as LeafClient;
  Object.assign(scoped, {
    execute: (req: Parameters<LeafClient['execute']>[0], opts?: CallOpts) => claimed(client.execute(req, o(opts)), signal, info),
    series: (req: Parameters<LeafClient['series']>[0], opts?: CallOpts) => client.series(req, o(opts)),
    labelNames: (req: Parameters<LeafClient['labelNames']>[0], opts?: CallOpts) => client.labelNames(req, o(opts)),
    labelValues: (req: Parameters<LeafClient['labelValues']>[0], opts?: CallOpts) => client.labelValues(req, o(opts)),
  });
  return scoped;
}

/**
 * A range's read replicas in assignment order with their states (never initializing). The
 * resolver ranks them (available before leaving, breaker state, latency); a leaf that fails is
 * left by its breaker, not by the planner's "last seen down" hint, so that the breaker sees the
 * failures that open it and the probe that closes it.
 */
function rangeReplicas(ctx: QueryContext, r: RangeRoute): { leafId: string; state: ReplicaState }[] {
  const assigned = ctx.table.range(r.rangeId);
  if (!assigned) return r.replicas.map((leafId) => ({ leafId, state: 'available' as const }));
  const seen = new Set<string>();
  return assigned.replicas.filter((x) => x.state !== 'initializing' && !seen.has(x.leafId) && seen.add(x.leafId)).map((x) => ({ leafId: x.leafId, state: x.state }));
}

/**
 * The read order of each range's replicas (src/reliability's resolver: state, time coverage,
 * breaker, latency/load), each range over its own coverage window (reliability-coverage.ts).
 * Shared by the fan-out and Explain.
 */
export function planReadOrder(
  rel: GatewayReliability,
  tenant: string,
  ranges: readonly { id: string; replicas: readonly { leafId: string; state: ReplicaState }[] }[],
  now = Date.now(),
): { children: { id: string; replicas: string[] }[]; issues: HealthIssue[]; resolutions: Resolution[] } {
  const base = { breakerState: (id: string) => rel.breakers.state(id), ewma: (id: string) => rel.latency.ewma(id), inflight: (id: string) => rel.latency.inflight(id) };
  const out = { children: [] as { id: string; replicas: string[] }[], issues: [] as HealthIssue[], resolutions: [] as Resolution[] };
  for (const range of ranges) {
    const cov = rel.coverage?.rangeCoverage(tenant, range.id, range.replicas.map((x) => x.leafId), now);
    const p = planChildren([range], cov ? { ...base, start: cov.start, end: cov.end, coverage: (leafId) => cov.coverage(leafId) } : { ...base, start: now, end: now });
    out.children.push(...p.children);
    out.issues.push(...p.issues);
    out.resolutions.push(...p.resolutions);
  }
  return out;
}

export async function executeFanout<T>(
  ctx: QueryContext,
  topology: Topology,
  metrics: GatewayMetrics,
  fanout: SelectorFanout,
  method: string,
  call: ChildCall<T>,
): Promise<T[]> {
  const rel = reliabilityOf(topology);
  rel.sync(ctx.table);
  ctx.expect(fanout.ranges.map((r) => r.rangeId));
  const chosen = new Set(fanout.ranges.map((r) => r.rangeId));
  const byHint = new Set((fanout.prunedByHint ?? []).filter((id) => !chosen.has(id)));
  const byTime = new Set((fanout.prunedByTime ?? []).filter((id) => !chosen.has(id) && !byHint.has(id)));
  ctx.prune(byHint, 'hint');
  ctx.prune(byTime, 'time');
  const tenantRanges = ctx.table.overlapping(topology.encoder.tenantSpan(ctx.tenant));
  ctx.prune(tenantRanges.map((r) => r.id).filter((id) => !chosen.has(id) && !byHint.has(id) && !byTime.has(id)));
  // A leaf pruned by hint/time is not called, so its half-open breaker is probed here (else it never closes).
  if (byHint.size + byTime.size > 0) rel.probeHalfOpen(new Set(tenantRanges.filter((r) => byHint.has(r.id) || byTime.has(r.id)).flatMap((r) => r.replicas.map((x) => x.leafId))), topology);
  if (fanout.ranges.length === 0) return [];

  const byId = new Map(fanout.ranges.map((r) => [r.rangeId, r]));
  const { children, issues, resolutions } = planReadOrder(rel, ctx.tenant, fanout.ranges.map((r) => ({ id: r.rangeId, replicas: rangeReplicas(ctx, r) })));
  for (const i of issues) ctx.note(i);
  rel.probeHalfOpen(new Set(children.flatMap((c) => c.replicas)), topology);

  const leafCall = (leafId: string, rangeIds: readonly string[], signal: AbortSignal, info: CallInfo): Promise<T> => {
    const client = topology.client(leafId);
    if (!client) return Promise.reject(new UnavailableError(`leaf ${leafId} is not registered`));
    const routes = rangeIds.map((id) => byId.get(id)!);
    return call(scopedClient(client, signal, info), keyRanges(routes), leafId).then(
      (v) => {
        topology.markUp(leafId);
        metrics.leafCalls.inc({ leaf: leafId, method, outcome: 'ok' });
        return v;
      },
      (e: unknown) => {
        const err = fromServiceError(e);
        const cancelled = signal.aborted || err.code === 'CANCELLED';
        metrics.leafCalls.inc({ leaf: leafId, method, outcome: cancelled ? 'cancelled' : 'error' });
        if (!cancelled && err.code === 'UNAVAILABLE') topology.markDown(leafId, err.message);
        throw e instanceof CanopyError ? e : err;
      },
    );
  };

  let res;
  try {
    res = await executeChildren<T>({
      children,
      call: leafCall,
      breakers: rel.breakers,
      latency: rel.latency,
      hedge: rel.hedge,
      hedgeBudget: rel.budget,
      deadlines: ctx.deadlines,
      signal: ctx.signal,
      health: ctx.healthBuilder,
      metrics: rel.metrics,
      logger: ctx.logger,
    });
  } catch (e) {
    // A fatal leaf error (another replica would repeat it) fails the whole query: stop its other fan-outs.
    if (e instanceof CanopyError && NOT_LEAF_FAULT.has(e.code)) ctx.cancel('fatal leaf error');
    throw e;
  }
  const failures = res.issues.filter((i) => FAILURE_KINDS.has(i.kind));
  for (const f of failures) ctx.logger.warn({ range: f.rangeId, leaf: f.leafId, kind: f.kind, msg: f.message }, 'child failed');
  if (failures.length > 0 && ctx.strategy === 'abort') {
    ctx.cancel('partial response aborted');
    throw new UnavailableError(abortMessage(failures[0]!), { health: ctx.health() });
  }
  noteShortHistory(ctx, resolutions, res.results);
  return res.results.flatMap((r) => r.items);
}

/**
 * `incomplete_coverage` for ranges answered by a fallback or hedge replica that holds less of
 * the range's history than the primary would have (the primary's own shortfall is noted by
 * planChildren already).
 */
function noteShortHistory(ctx: QueryContext, resolutions: readonly Resolution[], results: readonly { leafId: string; childIds: readonly string[] }[]): void {
  const byRange = new Map(resolutions.map((r) => [r.rangeId, r]));
  for (const r of results) {
    for (const id of r.childIds) {
      const res = byRange.get(id);
      if (!res || res.primary === r.leafId) continue;
      const rank = res.ranked.find((x) => x.leafId === r.leafId);
      if (rank && rank.coverage < 0.995) {
        ctx.note({ kind: 'incomplete_coverage', rangeId: id, leafId: r.leafId, message: `answered by replica ${r.leafId}, which holds ${Math.round(rank.coverage * 100)}% of the range's history (its peers hold more)` });
      }
    }
  }
}
