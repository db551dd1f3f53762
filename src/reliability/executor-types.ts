/**
 * The contract of the fan-out executor (executor.ts): what a child is, what a leaf call looks
 * like, the options, and what comes back.
 */
import type { Logger } from 'pino';
import type { CanopyError } from '../model/index.js';
import type { BreakerRegistry } from './breaker.js';
import type { Deadlines } from './deadline.js';
import type { HealthBuilder, HealthIssue, PartialStrategy, QueryHealth } from './health.js';
import type { HedgeBudget, HedgeOptions } from './hedge.js';
import type { LatencyTracker } from './latency.js';
import type { ReliabilityMetrics } from './metrics.js';

export interface Child {
  id: string;
  /** Replica leaf ids, best first (see resolver.ts); empty = no readable replica. */
  replicas: readonly string[];
}

export interface CallInfo {
  /** 0 for a child's first choice, n for its n-th fallback round. */
  round: number;
  /** True for a hedge call (the same children are also being asked elsewhere). */
  hedge: boolean;
  /** The query's hard deadline (ms since epoch): send it to the leaf as the gRPC deadline. */
  deadlineAt: number;
  /** The soft deadline: the executor cancels the call at this point. */
  softDeadlineAt: number;
  /**
   * Claims this call's children for its answer: true when no competing call (hedge or primary)
   * has claimed any of them and the call is not cancelled; afterwards competitors' claims fail.
   * A call with side effects (folding results into shared state) claims right before applying
   * them and gives up (throws `supersededError()`) when the claim fails, so two answers for one
   * child are never both applied. Idempotent for the same call.
   */
  claim: () => boolean;
}

/**
 * One leaf request for `childIds`. Must honour `signal` (cancel the RPC); the executor does not
 * wait for a call after aborting it. A stream's values count only if the stream completes.
 */
export type LeafCall<T> = (leafId: string, childIds: readonly string[], signal: AbortSignal, info: CallInfo) => Promise<T> | AsyncIterable<T>;

export interface ExecuteOptions<T> {
  children: readonly Child[];
  call: LeafCall<T>;
  breakers?: BreakerRegistry;
  latency?: LatencyTracker;
  /** Hedging policy; `false` disables it. Default: on, delays from `latency`. */
  hedge?: HedgeOptions | false;
  /** Caps hedges to a fraction of calls across queries (share one per gateway). Default: no cap. */
  hedgeBudget?: HedgeBudget;
  /** Default: computeDeadlines({}) at the call. */
  deadlines?: Deadlines;
  /** The query's signal (client cancellation, hard deadline). */
  signal?: AbortSignal;
  /** When set, the health is checked afterwards (decidePartial) and the error thrown. */
  strategy?: PartialStrategy;
  /** Accumulate into this query-wide builder (several fan-outs per query); default a fresh one. */
  health?: HealthBuilder;
  /** Errors not worth retrying elsewhere. Default: codes INVALID_ARGUMENT, PARSE, RESOURCE_EXHAUSTED, NOT_FOUND. */
  isFatal?: (e: CanopyError) => boolean;
  /** Leaf-call outcomes and issue kinds (createReliabilityMetrics). */
  metrics?: ReliabilityMetrics;
  logger?: Logger;
}

/** One complete call: its items cover exactly `childIds`. */
export interface CallResult<T> {
  leafId: string;
  childIds: string[];
  items: T[];
  ms: number;
}

export type ChildOutcome = { status: 'ok'; leafId: string } | { status: 'failed'; issue: HealthIssue };

export interface ExecuteResult<T> {
  results: CallResult<T>[];
  children: Map<string, ChildOutcome>;
  /** The issues of this fan-out (failures and notes). */
  issues: HealthIssue[];
  /** The builder's health after this fan-out (query-wide if a builder was passed). */
  health: QueryHealth;
}
