/**
 * One opossum circuit breaker per leaf. Vocabulary kept as opossum's: a breaker is `closed`
 * (calls flow), `open` (calls are rejected at once, `reject`), or `halfOpen` (after
 * `resetTimeout`, one probe call goes through; success closes it, failure opens it again). It
 * opens when, over the rolling window, at least `volumeThreshold` calls were fired and more than
 * `errorThresholdPercentage` of them failed.
 *
 * opossum 9 facts this relies on (see shared/STACK.md):
 *  - `timeout` is per breaker, not per call: we set `timeout: false`; each call gets its own
 *    AbortSignal (the query's deadline / hedge cancellation) instead;
 *  - closing does not reset rolling stats: the rolling window is short (`rollingCountTimeout`);
 *  - `errorFilter(err, ...fireArgs)` → true means "not the leaf's fault": we filter calls we
 *    cancelled ourselves (hedge loser, deadline) and errors another replica would repeat
 *    (bad argument, limit), so neither opens a breaker.
 *
 * `EOPENBREAKER` is translated to `UnavailableError` here, with `detail.breaker = 'open'`.
 */
import type { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { Counter, Gauge, type Registry } from 'prom-client';
import { asCanopyError, CanopyError, UnavailableError, type ErrorCode } from '../model/index.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface BreakerOptions {
  /** Failure percentage over the rolling window above which the breaker opens. Default 50. */
  errorThresholdPercentage?: number;
  /** ms an open breaker waits before letting one probe through (halfOpen). Default 5000. */
  resetTimeout?: number;
  /** Calls needed in the window before the breaker may open. Default 5. */
  volumeThreshold?: number;
  /** Rolling statistics window, ms. Default 5000 (short: closing does not reset stats). */
  rollingCountTimeout?: number;
  /** Buckets in the window. Default 5. */
  rollingCountBuckets?: number;
}

export const DEFAULT_BREAKER_OPTIONS: Required<BreakerOptions> = {
  errorThresholdPercentage: 50,
  resetTimeout: 5000,
  volumeThreshold: 5,
  rollingCountTimeout: 5000,
  rollingCountBuckets: 5,
};

/** Errors that say nothing about the leaf's health (another replica would answer the same). */
export const NOT_LEAF_FAULT: ReadonlySet<ErrorCode> = new Set(['INVALID_ARGUMENT', 'PARSE', 'RESOURCE_EXHAUSTED', 'NOT_FOUND']);

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };
const EVENTS = ['fire', 'success', 'failure', 'reject', 'open', 'halfOpen', 'close'] as const;

type Action = (fn: (signal: AbortSignal | undefined) => Promise<unknown>, signal: AbortSignal | undefined) => Promise<unknown>;

export interface BreakerInfo {
  leafId: string;
  state: BreakerState;
  fires: number;
  failures: number;
  rejects: number;
}

/** The error a call throws when it lost its children to a competing call (CallInfo.claim). */
export function supersededError(): CanopyError {
  return new CanopyError('CANCELLED', 'call superseded: another replica answered first', { superseded: true });
}

export function isSuperseded(e: unknown): boolean {
  return e instanceof CanopyError && (e.detail as { superseded?: boolean } | undefined)?.superseded === true;
}

/** True for the error `fire` throws when a leaf's breaker rejected the call without trying. */
export function isBreakerReject(e: unknown): boolean {
  return e instanceof CanopyError && (e.detail as { breaker?: string } | undefined)?.breaker === 'open';
}

function metric<T>(registry: Registry | undefined, name: string, make: (regs: Registry[]) => T): T {
  const existing = registry?.getSingleMetric(name) as T | undefined;
  return existing ?? make(registry ? [registry] : []);
}

export class BreakerRegistry {
  private readonly opts: Required<BreakerOptions>;
  private readonly breakers = new Map<string, CircuitBreaker<Parameters<Action>, unknown>>();
  private readonly events: Counter<'leaf' | 'event'>;
  private readonly stateGauge: Gauge<'leaf'>;

  constructor(opts: BreakerOptions = {}, registry?: Registry) {
    this.opts = { ...DEFAULT_BREAKER_OPTIONS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
    this.events = metric(registry, 'canopy_breaker_events_total', (registers) => new Counter({ name: 'canopy_breaker_events_total', help: 'Circuit breaker events per leaf (opossum names: fire, success, failure, reject, open, halfOpen, close).', labelNames: ['leaf', 'event'], registers }));
    this.stateGauge = metric(registry, 'canopy_breaker_state', (registers) => new Gauge({ name: 'canopy_breaker_state', help: 'Circuit breaker state per leaf: 0 closed, 1 halfOpen, 2 open.', labelNames: ['leaf'], registers }));
  }

  private breaker(leafId: string): CircuitBreaker<Parameters<Action>, unknown> {
    let b = this.breakers.get(leafId);
    if (b) return b;
    const action: Action = (fn, signal) => fn(signal);
    b = new CircuitBreaker<Parameters<Action>, unknown>(action, {
      timeout: false,
      errorThresholdPercentage: this.opts.errorThresholdPercentage,
      resetTimeout: this.opts.resetTimeout,
      volumeThreshold: this.opts.volumeThreshold,
      rollingCountTimeout: this.opts.rollingCountTimeout,
      rollingCountBuckets: this.opts.rollingCountBuckets,
      name: leafId,
      // opossum passes the fire arguments after the error (the typings only declare the error).
      errorFilter: ((err: unknown, _fn: unknown, signal: AbortSignal | undefined) => signal?.aborted === true || isSuperseded(err) || NOT_LEAF_FAULT.has(asCanopyError(err).code)) as (err: unknown) => boolean,
    });
    const emitter = b as unknown as EventEmitter;
    for (const ev of EVENTS) emitter.on(ev, () => this.events.inc({ leaf: leafId, event: ev }));
    for (const ev of ['open', 'halfOpen', 'close'] as const) emitter.on(ev, () => this.stateGauge.set({ leaf: leafId }, STATE_VALUE[this.state(leafId)]));
    this.stateGauge.set({ leaf: leafId }, 0);
    this.breakers.set(leafId, b);
    return b;
  }

  /**
   * Runs `fn(signal)` through the leaf's breaker. Rejects with UnavailableError (detail
   * `{breaker:'open'}`) when the breaker is open (or half-open with its probe in flight);
   * otherwise settles as `fn` does.
   */
  async fire<R>(leafId: string, fn: (signal: AbortSignal | undefined) => Promise<R>, signal?: AbortSignal): Promise<R> {
    try {
      return (await this.breaker(leafId).fire(fn as (s: AbortSignal | undefined) => Promise<unknown>, signal)) as R;
    } catch (e) {
      if ((e as { code?: unknown })?.code === 'EOPENBREAKER') throw new UnavailableError(`circuit breaker open for leaf ${leafId}`, { breaker: 'open', leafId });
      throw e;
    }
  }

  state(leafId: string): BreakerState {
    const b = this.breakers.get(leafId);
    if (!b) return 'closed';
    if (b.opened) return 'open';
    if (b.halfOpen) return 'halfOpen';
    return 'closed';
  }

  /** Per-leaf state and rolling counts, for Explain. */
  describe(): BreakerInfo[] {
    return [...this.breakers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([leafId, b]) => {
        const s = b.stats;
        return { leafId, state: this.state(leafId), fires: s.fires, failures: s.failures, rejects: s.rejects };
      });
  }

  /** Forgets a leaf (it left the cluster). */
  remove(leafId: string): void {
    this.breakers.get(leafId)?.shutdown();
    this.breakers.delete(leafId);
  }

  /** Stops every breaker's timers. */
  close(): void {
    for (const b of this.breakers.values()) b.shutdown();
    this.breakers.clear();
  }
}
