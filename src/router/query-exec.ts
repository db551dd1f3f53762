/**
 * Running one query at the gateway: parse, plan, evaluate with the shared engine over the
 * remote querier, then decide at the edge what a partial answer means (partial_response
 * strategy) — WARN returns it with its health, ABORT fails with the health in the error detail,
 * and all children failing is an error either way.
 */
import type { Logger } from 'pino';
import { DEFAULT_ENGINE_OPTIONS, Engine, type EngineOptions, type QueryOutput } from '../engine/index.js';
import { CanopyError, DeadlineError, InvalidArgumentError, UnavailableError } from '../model/index.js';
import { parse, type Expr } from '../promql/index.js';
import type { QueryOptions__Output } from '../rpc/gen/canopy/v1/QueryOptions.js';
import type { GatewayMetrics } from './metrics.js';
import { QueryContext, type QueryHealthOut } from './query-context.js';
import { RemoteQuerier } from './remote-querier.js';
import { localPlan, planDistributed, type DistributedPlan } from '../planner/index.js';
import { FragmentRunner } from './pushdown-exec.js';
import type { Topology } from './topology.js';
import { resolveTenant } from './write-router.js';

/** Prometheus refuses range queries with more points per series than this. */
export const MAX_RANGE_POINTS = 11_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 120_000;

export interface QueryDeps {
  topology: Topology;
  metrics: GatewayMetrics;
  logger: Logger;
  engine: EngineOptions;
  defaultTimeoutMs: number;
  /** Push plan fragments down to the leaves (default true); false evaluates over raw series. */
  pushdown?: boolean;
}

export type QueryOptionsIn = Partial<QueryOptions__Output> | null | undefined;

export function newContext(deps: QueryDeps, opts: QueryOptionsIn, parentSignal?: AbortSignal): QueryContext {
  const tenant = resolveTenant(opts?.tenant);
  const timeoutMs = opts?.timeoutMs && opts.timeoutMs > 0 ? Number(opts.timeoutMs) : deps.defaultTimeoutMs;
  return new QueryContext({
    tenant,
    table: deps.topology.table,
    timeoutMs,
    strategy: opts?.partialResponse === 'ABORT' ? 'abort' : 'warn',
    logger: deps.logger,
    // The engine's sample limit also bounds what any one leaf may return for one fetch.
    maxSamplesPerLeaf: opts?.maxSamples && opts.maxSamples > 0 ? Number(opts.maxSamples) : deps.engine.maxSamples ?? DEFAULT_ENGINE_OPTIONS.maxSamples,
    parentSignal,
  });
}

export function engineOptionsFor(deps: QueryDeps, opts: QueryOptionsIn): EngineOptions {
  const o: EngineOptions = { ...deps.engine };
  if (opts?.lookbackDeltaMs && opts.lookbackDeltaMs > 0) o.lookbackDeltaMs = Number(opts.lookbackDeltaMs);
  if (opts?.maxSamples && opts.maxSamples > 0) o.maxSamples = Number(opts.maxSamples);
  return o;
}

/** Environment switch of the whole gateway: `CANOPY_PUSHDOWN=off` evaluates every query over raw series. */
export const PUSHDOWN_ENV = 'CANOPY_PUSHDOWN';

/**
 * The distributed plan of a query: the pushdown split unless pushdown is off (QueryDeps.pushdown,
 * CANOPY_PUSHDOWN=off, per-request `disable_pushdown`) or the engine runs with delayed name
 * removal (the leaves' answers would lose the per-series "drop the name later" flag).
 */
export function distributedPlanFor(deps: QueryDeps, query: string, expr: Expr, spec: QuerySpec, opts: QueryOptionsIn): DistributedPlan {
  const eo = engineOptionsFor(deps, opts);
  const off = deps.pushdown === false || process.env[PUSHDOWN_ENV] === 'off' || opts?.disablePushdown === true;
  if (off || eo.delayedNameRemoval) return localPlan(query, expr);
  const [startMs, endMs, stepMs] = spec.kind === 'instant' ? [spec.timeMs, spec.timeMs, 0] : [spec.startMs, spec.endMs, spec.stepMs];
  return planDistributed(query, expr, {
    targetLabels: deps.topology.encoder.targetLabels,
    startMs,
    endMs,
    stepMs,
    defaultSubqueryStepMs: eo.defaultSubqueryStepMs ?? DEFAULT_ENGINE_OPTIONS.defaultSubqueryStepMs,
  });
}

export type QuerySpec = { kind: 'instant'; timeMs: number } | { kind: 'range'; startMs: number; endMs: number; stepMs: number };

export function checkRange(startMs: number, endMs: number, stepMs: number): void {
  if (!(stepMs > 0)) throw new InvalidArgumentError('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (endMs < startMs) throw new InvalidArgumentError('end timestamp must not be before start time');
  if ((endMs - startMs) / stepMs > MAX_RANGE_POINTS) {
    throw new InvalidArgumentError(`exceeded maximum resolution of ${MAX_RANGE_POINTS} points per timeseries. Try decreasing the query resolution (?step=XX)`);
  }
}

export interface QueryRun {
  ctx: QueryContext;
  expr: Expr;
  output: QueryOutput;
  health: QueryHealthOut;
  /** Gateway-side warnings (partial answers) to add to the engine's annotations. */
  warnings: string[];
  plan: DistributedPlan;
  /** Per-fragment execution stats (Explain --analyze). */
  fragments: FragmentRunner;
  /** Stage timings, ms: plan (parse + split), exec (fan-out + evaluation). */
  stages: { planMs: number; execMs: number };
}

/** Parses and evaluates a query; throws CanopyErrors (parse, execution, limit, partial, deadline). */
export async function runQuery(deps: QueryDeps, query: string, spec: QuerySpec, opts: QueryOptionsIn, parentSignal?: AbortSignal): Promise<QueryRun> {
  const expr = parse(query);
  if (spec.kind === 'range') checkRange(spec.startMs, spec.endMs, spec.stepMs);
  const ctx = newContext(deps, opts, parentSignal);
  const started = performance.now();
  const eo = engineOptionsFor(deps, opts);
  let plan: DistributedPlan;
  try {
    plan = distributedPlanFor(deps, query, expr, spec, opts);
  } catch (e) {
    ctx.finish();
    throw settleError(ctx, e);
  }
  const planned = performance.now();
  const fragments = new FragmentRunner(ctx, deps.topology, deps.metrics, plan.fragments, eo.lookbackDeltaMs ?? DEFAULT_ENGINE_OPTIONS.lookbackDeltaMs);
  const querier = new RemoteQuerier(ctx, deps.topology, deps.metrics, fragments);
  const engine = new Engine(eo);
  let output: QueryOutput;
  try {
    output = spec.kind === 'instant' ? await engine.instant(querier, plan.root, spec.timeMs) : await engine.range(querier, plan.root, spec.startMs, spec.endMs, spec.stepMs);
    for (const i of fragments.infos) if (!output.infos.includes(i)) output.infos.push(i);
  } catch (e) {
    ctx.finish();
    deps.metrics.queries.inc({ kind: spec.kind, outcome: 'error' });
    throw settleError(ctx, e);
  }
  ctx.finish();
  const health = ctx.health();
  const warnings = checkHealth(ctx, health);
  deps.metrics.queries.inc({ kind: spec.kind, outcome: health.partial ? 'partial' : 'ok' });
  deps.metrics.queryDuration.observe({ kind: spec.kind }, (performance.now() - started) / 1000);
  ctx.logger.debug({ kind: spec.kind, query, ms: Math.round(ctx.stats.execMs), expected: health.expectedChildren, completed: health.completedChildren, series: ctx.stats.seriesFetched }, 'query');
  return { ctx, expr, output, health, warnings, plan, fragments, stages: { planMs: planned - started, execMs: performance.now() - planned } };
}

/**
 * The edge decision on a finished fan-out: all children failed → error (DEADLINE_EXCEEDED when
 * the deadline caused it); some failed → ABORT errors, WARN returns a warning to attach.
 */
export function checkHealth(ctx: QueryContext, health: QueryHealthOut): string[] {
  if (health.expectedChildren > 0 && health.completedChildren === 0) {
    const timedOut = health.issues.some((i) => i.kind === 'timeout');
    const msg = `all ${health.expectedChildren} children failed: ${summariseIssues(health)}`;
    throw timedOut ? new DeadlineError(`query timed out: ${msg}`, { health }) : new UnavailableError(msg, { health });
  }
  if (!health.partial) return [];
  const msg = `partial response: ${health.expectedChildren - health.completedChildren} of ${health.expectedChildren} ranges missing (${summariseIssues(health)})`;
  if (ctx.strategy === 'abort') throw new UnavailableError(msg, { health });
  return [msg];
}

function summariseIssues(h: QueryHealthOut): string {
  const failures = h.issues.filter((i) => i.kind === 'unavailable' || i.kind === 'timeout');
  return failures
    .slice(0, 5)
    .map((i) => `${i.kind} range ${i.rangeId}${i.leafId ? ` leaf ${i.leafId}` : ''}`)
    .join(', ') + (failures.length > 5 ? `, … (${failures.length})` : '');
}

/** An error thrown during evaluation, with the deadline and the query's health taken into account. */
function settleError(ctx: QueryContext, e: unknown): CanopyError {
  if (e instanceof CanopyError && e.code !== 'CANCELLED' && e.code !== 'INTERNAL') return e;
  if (ctx.deadlineExceeded) return new DeadlineError('query timed out', { health: ctx.health() });
  if (e instanceof CanopyError) return e;
  return new CanopyError('INTERNAL', e instanceof Error ? e.message : String(e));
}
