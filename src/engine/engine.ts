/**
 * The PromQL engine: parse → async prefetch of every selector's exact sample window →
 * synchronous columnar evaluation over the query's time grid → public result shapes.
 * Semantics follow Prometheus 3 (promql/engine.go, functions.go).
 */
import { InvalidArgumentError, type Labels, type Querier, type Series } from '../model/index.js';
import { parse, typeOf, type Expr } from '../promql/index.js';
import { Annotations } from './annotations.js';
import { evalExpr } from './eval.js';
import { prefetch } from './prefetch.js';
import { toInstantResult, toRangeResult } from './result.js';
import type { EvalContext } from './types.js';

export interface EngineOptions {
  /** Lookback for instant selectors, ms (default 300_000). */
  lookbackDeltaMs?: number;
  /** Max points held at once (default 50_000_000); beyond → LimitError. */
  maxSamples?: number;
  /** Step of subqueries written without one, ms (default 60_000). */
  defaultSubqueryStepMs?: number;
  /**
   * Prometheus's experimental "delayed __name__ removal" (the name is dropped at the end of
   * the query instead of at each operator). Default false (Prometheus's default).
   */
  delayedNameRemoval?: boolean;
}

export const DEFAULT_ENGINE_OPTIONS = {
  lookbackDeltaMs: 300_000,
  maxSamples: 50_000_000,
  defaultSubqueryStepMs: 60_000,
  delayedNameRemoval: false,
} as const;

/** Prometheus's cap on points per series of a range query. */
export const MAX_RANGE_POINTS = 11_000;

export interface InstantSample {
  labels: Labels;
  t: number;
  v: number;
}

export type QueryValue =
  | { resultType: 'scalar'; t: number; v: number }
  | { resultType: 'string'; t: number; v: string }
  | { resultType: 'vector'; samples: InstantSample[] }
  | { resultType: 'matrix'; series: Series[] };

export interface QueryOutput {
  value: QueryValue;
  warnings: string[];
  infos: string[];
  stats: { series: number; samples: number };
}

export class Engine {
  private readonly opts: Required<EngineOptions>;

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      lookbackDeltaMs: opts.lookbackDeltaMs ?? DEFAULT_ENGINE_OPTIONS.lookbackDeltaMs,
      maxSamples: opts.maxSamples ?? DEFAULT_ENGINE_OPTIONS.maxSamples,
      defaultSubqueryStepMs: opts.defaultSubqueryStepMs ?? DEFAULT_ENGINE_OPTIONS.defaultSubqueryStepMs,
      delayedNameRemoval: opts.delayedNameRemoval ?? DEFAULT_ENGINE_OPTIONS.delayedNameRemoval,
    };
  }

  async instant(q: Querier, query: string | Expr, timeMs: number): Promise<QueryOutput> {
    const expr = typeof query === 'string' ? parse(query) : query;
    const ts = Float64Array.of(timeMs);
    const ctx = this.context(expr, timeMs, timeMs, 0, false);
    await prefetch(q, expr, ts, ctx);
    const v = evalExpr(ctx, expr, ts);
    return this.output(ctx, toInstantResult(v, timeMs));
  }

  async range(q: Querier, query: string | Expr, startMs: number, endMs: number, stepMs: number): Promise<QueryOutput> {
    const expr = typeof query === 'string' ? parse(query) : query;
    if (!(stepMs > 0)) throw new InvalidArgumentError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (endMs < startMs) throw new InvalidArgumentError('end timestamp must not be before start time');
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector') {
      throw new InvalidArgumentError(`invalid expression type "${t === 'matrix' ? 'range vector' : t}" for range query, must be Scalar or instant Vector`);
    }
    const n = Math.floor((endMs - startMs) / stepMs) + 1;
    if (n > MAX_RANGE_POINTS) {
      throw new InvalidArgumentError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const ts = new Float64Array(n);
    for (let i = 0; i < n; i++) ts[i] = startMs + i * stepMs;
    const ctx = this.context(expr, startMs, endMs, stepMs, endMs !== startMs);
    await prefetch(q, expr, ts, ctx);
    const v = evalExpr(ctx, expr, ts);
    return this.output(ctx, toRangeResult(v, ts));
  }

  private context(root: Expr, startMs: number, endMs: number, stepMs: number, isRange: boolean): EvalContext {
    return {
      startMs,
      endMs,
      stepMs,
      lookbackMs: this.opts.lookbackDeltaMs,
      defaultSubqueryStepMs: this.opts.defaultSubqueryStepMs,
      maxSamples: this.opts.maxSamples,
      delayedNameRemoval: this.opts.delayedNameRemoval,
      fetched: new Map(),
      infoSelectors: new Map(),
      annotations: new Annotations(),
      samples: 0,
      isRange,
      root,
    };
  }

  private output(ctx: EvalContext, value: QueryValue): QueryOutput {
    let series = 0;
    let samples = 0;
    for (const set of ctx.fetched.values()) {
      series += set.length;
      for (const s of set) samples += s.t.length;
    }
    return { value, warnings: [...ctx.annotations.warnings], infos: [...ctx.annotations.infos], stats: { series, samples } };
  }
}
