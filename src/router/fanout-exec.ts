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
import { executeChildren, FAILURE_KINDS, NOT_LEAF_FAULT, planChildren, supersededError, type CallInfo } from '../reliability/index.js';
import type { ReplicaState } from '../shard/index.js';
import type { GatewayMetrics } from './metrics.js';
import { abortMessage, type QueryContext } from './query-context.js';
import { reliabilityOf } from './reliability-state.js';
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
  ctx.prune(ctx.table.overlapping(topology.encoder.tenantSpan(ctx.tenant)).map((r) => r.id).filter((id) => !chosen.has(id)));
  if (fanout.ranges.length === 0) return [];

  const byId = new Map(fanout.ranges.map((r) => [r.rangeId, r]));
  const { children, issues } = planChildren(
    fanout.ranges.map((r) => ({ id: r.rangeId, replicas: rangeReplicas(ctx, r) })),
    { start: ctx.deadlines.startedAt, end: ctx.deadlines.startedAt, breakerState: (id) => rel.breakers.state(id), ewma: (id) => rel.latency.ewma(id), inflight: (id) => rel.latency.inflight(id) },
  );
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
  return res.results.flatMap((r) => r.items);
}
