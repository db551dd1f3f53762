/** The Query gRPC service: Instant, Range, Series, LabelNames, LabelValues, Explain. */
import { hintsOf } from './hint-state.js';
import { gatewayServiceError } from './service-error.js';
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, type Matcher } from '../model/index.js';
import { parse, parseSeriesSelector } from '../promql/index.js';
import { describePlan, planQuery, planToJson } from '../planner/index.js';
import type { QueryHandlers } from '../rpc/gen/canopy/v1/Query.js';
import type { QueryContext, QueryHealthOut } from './query-context.js';
import { checkHealth, checkRange, distributedPlanFor, engineOptionsFor, newContext, runQuery, type QueryDeps, type QueryOptionsIn, type QueryRun, type QuerySpec } from './query-exec.js';
import { explainText } from './pushdown-explain.js';
import { RemoteQuerier } from './remote-querier.js';
import { explainReliability } from './reliability-explain.js';
import { toQueryResponse } from './result-map.js';

/** An AbortSignal that fires when the client cancels the call. */
function callSignal(call: grpc.ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ac = new AbortController();
  call.on('cancelled', () => ac.abort(new Error('client cancelled')));
  return ac.signal;
}

function handle<Req, Res>(deps: QueryDeps, fn: (req: Req, signal: AbortSignal) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    fn(call.request, callSignal(call as grpc.ServerUnaryCall<unknown, unknown>)).then(
      (res) => cb(null, res),
      (e: unknown) => {
        deps.logger.debug({ err: e instanceof Error ? e.message : String(e) }, 'query request failed');
        cb(gatewayServiceError(e));
      },
    );
  };
}

function selectorsOf(match: readonly string[]): Matcher[][] {
  return match.map((m) => parseSeriesSelector(m) as Matcher[]);
}

/** Runs a metadata request (series / labels) with the same health rules as queries. */
async function metadata<T>(deps: QueryDeps, opts: QueryOptionsIn, signal: AbortSignal, fn: (q: RemoteQuerier, ctx: QueryContext) => Promise<T>): Promise<{ value: T; health: QueryHealthOut; warnings: string[] }> {
  const ctx = newContext(deps, opts, signal);
  try {
    const value = await fn(new RemoteQuerier(ctx, deps.topology, deps.metrics), ctx);
    ctx.finish();
    const health = ctx.health();
    const warnings = [...ctx.warnings, ...checkHealth(ctx, health)];
    return { value, health, warnings };
  } finally {
    ctx.finish();
  }
}

/** `2026-01-01T00:00:00.000Z (1767225600000)`; times out of Date's range print as ms only. */
function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : `${d.toISOString()} (${ms})`;
}

const optMs = (x: number | undefined): number | undefined => (x && x !== 0 ? Number(x) : undefined);

export function queryService(deps: QueryDeps): QueryHandlers {
  return {
    Instant: handle(deps, async (req, signal) => {
      const timeMs = req.hasTime || Number(req.timeMs) !== 0 ? Number(req.timeMs) : Date.now();
      const run = await runQuery(deps, req.query, { kind: 'instant', timeMs }, req.options, signal);
      return toQueryResponse(run.output, run.health, run.ctx.stats, [...run.ctx.warnings, ...run.warnings]);
    }),

    Range: handle(deps, async (req, signal) => {
      const spec: QuerySpec = { kind: 'range', startMs: Number(req.startMs), endMs: Number(req.endMs), stepMs: Number(req.stepMs) };
      const run = await runQuery(deps, req.query, spec, req.options, signal);
      return toQueryResponse(run.output, run.health, run.ctx.stats, [...run.ctx.warnings, ...run.warnings]);
    }),

    Series: handle(deps, async (req, signal) => {
      if (req.match.length === 0) throw new InvalidArgumentError('no match[] parameter provided');
      const selectors = selectorsOf(req.match);
      const r = await metadata(deps, req.options, signal, (q) => q.series(selectors, optMs(req.startMs), optMs(req.endMs), req.limit));
      return { series: r.value.map((ls) => ({ labels: ls.map((l) => ({ name: l.name, value: l.value })) })), health: r.health, warnings: r.warnings };
    }),

    LabelNames: handle(deps, async (req, signal) => {
      const selectors = selectorsOf(req.match);
      const r = await metadata(deps, req.options, signal, (q) => q.labelsFor('labelNames', '', selectors, optMs(req.startMs), optMs(req.endMs), req.limit));
      return { values: r.value, health: r.health, warnings: r.warnings };
    }),

    LabelValues: handle(deps, async (req, signal) => {
      if (req.name === '') throw new InvalidArgumentError('label name is required');
      const selectors = selectorsOf(req.match);
      const r = await metadata(deps, req.options, signal, (q) => q.labelsFor('labelValues', req.name, selectors, optMs(req.startMs), optMs(req.endMs), req.limit));
      return { values: r.value, health: r.health, warnings: r.warnings };
    }),

    Explain: handle(deps, async (req, signal) => {
      const expr = parse(req.query);
      const ctx = newContext(deps, req.options, signal);
      ctx.finish();
      const plan = planQuery(req.query, expr, { tenant: ctx.tenant, encoder: deps.topology.encoder, table: ctx.table, leafUp: deps.topology.leafUp, hints: hintsOf(deps.topology) });
      const isRange = Number(req.stepMs) > 0;
      const explicitTime = req.hasTime || Number(req.timeMs) !== 0;
      const evalLine = isRange
        ? `Evaluation: range [${isoTime(Number(req.startMs))}, ${isoTime(Number(req.endMs))}] step ${Number(req.stepMs)}ms`
        : `Evaluation: instant at ${explicitTime ? isoTime(Number(req.timeMs)) : 'now'}`;
      const rel = explainReliability(deps.topology, ctx.tenant);
      let text = `${describePlan(plan)}\n${evalLine}\n${rel.text}`;
      const json: Record<string, unknown> = { ...planToJson(plan), evaluation: isRange ? { startMs: Number(req.startMs), endMs: Number(req.endMs), stepMs: Number(req.stepMs) } : { timeMs: explicitTime ? Number(req.timeMs) : null }, reliability: rel.json };
      const spec: QuerySpec = isRange
        ? { kind: 'range', startMs: Number(req.startMs), endMs: Number(req.endMs), stepMs: Number(req.stepMs) }
        : { kind: 'instant', timeMs: explicitTime ? Number(req.timeMs) : Date.now() };
      let run: QueryRun | undefined;
      if (req.analyze) {
        if (isRange) checkRange(Number(req.startMs), Number(req.endMs), Number(req.stepMs));
        run = await runQuery(deps, req.query, spec, req.options, signal);
        const h = run.health;
        const s = run.ctx.stats;
        text +=
          `\nAnalyze: ${s.seriesFetched} series, ${s.samplesFetched} samples, ${s.bytesFetched} bytes fetched in ${s.execMs.toFixed(1)} ms` +
          `\nHealth: ${h.completedChildren}/${h.expectedChildren} children complete${h.partial ? ' (partial)' : ''}, ${h.prunedByRange} pruned by range, ${h.prunedByHint} by hint, ${h.prunedByTime} by time` +
          h.issues.map((i) => `\n  Issue: ${i.kind} range ${i.rangeId}${i.leafId ? ` leaf ${i.leafId}` : ''}: ${i.message}`).join('');
        json.analyze = { stats: s, health: h };
      }
      // The distributed plan: tree, fragments (grid, window, ranges, leaves) and, analyzed, their actuals.
      try {
        const dplan = run?.plan ?? distributedPlanFor(deps, req.query, expr, spec, req.options);
        const dx = await explainText(dplan, spec, { topology: deps.topology, table: ctx.table, tenant: ctx.tenant, engine: engineOptionsFor(deps, req.options) }, run);
        text += `\n${dx.text}`;
        json.distributed = dx.json;
      } catch (e) {
        text += `\nPlan: not available (${e instanceof Error ? e.message : String(e)})`;
      }
      return { text, json: JSON.stringify(json) };
    }),
  };
}
