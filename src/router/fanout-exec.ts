/**
 * Executes one selector's fan-out: a call per leaf group in parallel; ranges whose leaf failed
 * are regrouped onto their next read replica (ordered fallbacks) until they succeed or run out
 * of replicas, which makes them failed children of the query (`unavailable`, or `timeout` once
 * the query deadline passed). A call's result is used only when the call completed: a stream
 * that broke halfway contributes nothing, its ranges are retried whole.
 *
 * Errors that another replica would repeat (bad argument, limit exceeded) are not retried: they
 * fail the query.
 */
import { CanopyError, type ErrorCode } from '../model/index.js';
import { fromServiceError, type LeafClient } from '../rpc/index.js';
import type { KeyRange } from '../rpc/gen/canopy/v1/KeyRange.js';
import { groupByLeaf, type RangeRoute, type SelectorFanout } from '../planner/index.js';
import type { GatewayMetrics } from './metrics.js';
import type { QueryContext } from './query-context.js';
import type { Topology } from './topology.js';

export type ChildCall<T> = (client: LeafClient, ranges: KeyRange[], leafId: string) => Promise<T>;

const FATAL: ReadonlySet<ErrorCode> = new Set(['INVALID_ARGUMENT', 'PARSE', 'RESOURCE_EXHAUSTED', 'NOT_FOUND']);

export function keyRanges(routes: readonly RangeRoute[]): KeyRange[] {
  return routes.map((r) => ({ id: r.rangeId, start: Buffer.from(r.start), end: Buffer.from(r.end) }));
}

export async function executeFanout<T>(
  ctx: QueryContext,
  topology: Topology,
  metrics: GatewayMetrics,
  fanout: SelectorFanout,
  method: string,
  call: ChildCall<T>,
): Promise<T[]> {
  ctx.expect(fanout.ranges.map((r) => r.rangeId));
  const chosen = new Set(fanout.ranges.map((r) => r.rangeId));
  ctx.prune(ctx.table.overlapping(topology.encoder.tenantSpan(ctx.tenant)).map((r) => r.id).filter((id) => !chosen.has(id)));

  const attempt = new Map<string, number>();
  const results: T[] = [];
  let pending: RangeRoute[] = [];
  for (const r of fanout.ranges) {
    if (r.replicas.length === 0) ctx.fail({ kind: 'unavailable', rangeId: r.rangeId, leafId: '', message: 'no readable replica (all initializing or none assigned)' });
    else {
      attempt.set(r.rangeId, 0);
      pending.push(r);
    }
  }

  while (pending.length > 0) {
    const byId = new Map(pending.map((r) => [r.rangeId, r]));
    const groups = groupByLeaf(pending, (r) => r.replicas[attempt.get(r.rangeId)!]);
    const settled = await Promise.all(
      groups.map(async (g) => {
        const routes = g.rangeIds.map((id) => byId.get(id)!);
        try {
          if (ctx.signal.aborted) throw new CanopyError(ctx.deadlineExceeded ? 'DEADLINE_EXCEEDED' : 'CANCELLED', 'query cancelled before the call');
          const client = topology.client(g.leafId);
          if (!client) throw new CanopyError('UNAVAILABLE', `leaf ${g.leafId} is not registered`);
          const value = await call(client, keyRanges(routes), g.leafId);
          return { ok: true as const, leafId: g.leafId, routes, value };
        } catch (e) {
          return { ok: false as const, leafId: g.leafId, routes, error: fromServiceError(e) };
        }
      }),
    );
    const next: RangeRoute[] = [];
    let fatal: CanopyError | undefined;
    for (const s of settled) {
      if (s.ok) {
        results.push(s.value);
        topology.markUp(s.leafId);
        metrics.leafCalls.inc({ leaf: s.leafId, method, outcome: 'ok' });
        for (const r of s.routes) {
          if (attempt.get(r.rangeId)! > 0) ctx.note({ kind: 'fallback_used', rangeId: r.rangeId, leafId: s.leafId, message: `read from fallback replica ${s.leafId} (primary ${r.replicas[0]} failed)` });
        }
        continue;
      }
      const err = s.error;
      metrics.leafCalls.inc({ leaf: s.leafId, method, outcome: 'error' });
      if (FATAL.has(err.code)) {
        fatal ??= err;
        continue;
      }
      const timedOut = ctx.deadlineExceeded || err.code === 'DEADLINE_EXCEEDED';
      if (err.code === 'UNAVAILABLE') topology.markDown(s.leafId, err.message);
      ctx.logger.debug({ leaf: s.leafId, err: err.message, code: err.code }, 'leaf call failed');
      for (const r of s.routes) {
        const a = attempt.get(r.rangeId)! + 1;
        attempt.set(r.rangeId, a);
        if (a < r.replicas.length && !ctx.signal.aborted) next.push(r);
        else ctx.fail({ kind: timedOut ? 'timeout' : 'unavailable', rangeId: r.rangeId, leafId: s.leafId, message: err.message });
      }
    }
    if (fatal) {
      ctx.cancel('fatal leaf error');
      throw fatal;
    }
    pending = next;
  }
  return results;
}
