/**
 * Query deadlines.
 *
 *  - hard deadline: the query fails (DEADLINE_EXCEEDED) past it. From the request's timeout, else
 *    the server default, never above the server maximum. Propagated to leaves as gRPC deadlines.
 *  - soft deadline: ranges still missing at this point are given up (health issue `timeout`) and
 *    the gateway answers with what it has, leaving the rest of the hard budget to merge and
 *    evaluate. Default: half the hard timeout; never after the hard deadline.
 *
 * All times are ms; `*At` values are absolute (ms since the epoch, Date.now() clock).
 */
import { InvalidArgumentError } from '../model/index.js';

export interface DeadlineOptions {
  /** Timeout when the request sets none (0 or absent), ms. Default 2 min. */
  defaultTimeoutMs?: number;
  /** Largest timeout a request may ask for, ms; larger requests are clamped. Default 5 min. */
  maxTimeoutMs?: number;
  /** Soft timeout as a fraction of the hard one when the request sets none. Default 0.5. */
  softFraction?: number;
}

export const DEFAULT_DEADLINE_OPTIONS: Required<DeadlineOptions> = { defaultTimeoutMs: 120_000, maxTimeoutMs: 300_000, softFraction: 0.5 };

export interface DeadlineRequest {
  /** The request's timeout (proto `timeout_ms`; 0 = server default). */
  timeoutMs?: number;
  /** Optional explicit soft timeout, ms (clamped to the hard one). */
  softTimeoutMs?: number;
}

export interface Deadlines {
  startedAt: number;
  hardMs: number;
  softMs: number;
  hardAt: number;
  softAt: number;
}

export function computeDeadlines(req: DeadlineRequest, opts: DeadlineOptions = {}, now: number = Date.now()): Deadlines {
  const o = { ...DEFAULT_DEADLINE_OPTIONS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as Required<DeadlineOptions>;
  const asked = req.timeoutMs ?? 0;
  if (!Number.isFinite(asked) || asked < 0) throw new InvalidArgumentError(`invalid timeout ${asked} ms: must be a non-negative number`);
  const hardMs = Math.min(asked > 0 ? asked : o.defaultTimeoutMs, o.maxTimeoutMs);
  const softAsked = req.softTimeoutMs;
  if (softAsked !== undefined && (!Number.isFinite(softAsked) || softAsked < 0)) throw new InvalidArgumentError(`invalid soft timeout ${softAsked} ms`);
  const softMs = Math.min(softAsked && softAsked > 0 ? softAsked : hardMs * o.softFraction, hardMs);
  return { startedAt: now, hardMs, softMs, hardAt: now + hardMs, softAt: now + softMs };
}

/** ms left until `at` (≥ 0). */
export function remainingMs(at: number, now: number = Date.now()): number {
  return Math.max(0, at - now);
}

/** Reason carried by signals that fire at a deadline (tell it from a client cancellation). */
export class DeadlineReason extends Error {
  readonly kind: 'soft' | 'hard';
  constructor(kind: 'soft' | 'hard', message: string) {
    super(message);
    this.name = 'DeadlineReason';
    this.kind = kind;
  }
}

export interface DeadlineSignal {
  signal: AbortSignal;
  /** Stops the timer (call when the work ends, so no timer outlives the query). */
  clear(): void;
}

/**
 * A signal that aborts at `at` (reason: DeadlineReason) or when any parent aborts (the parent's
 * reason). The timer is unref'd and cleared by `clear()`.
 */
export function deadlineSignal(at: number, kind: 'soft' | 'hard', parents: readonly (AbortSignal | undefined)[] = []): DeadlineSignal {
  const ctl = new AbortController();
  const unlinks: (() => void)[] = [];
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      ctl.abort(p.reason);
      break;
    }
    const on = (): void => ctl.abort(p.reason);
    p.addEventListener('abort', on, { once: true });
    unlinks.push(() => p.removeEventListener('abort', on));
  }
  let timer: NodeJS.Timeout | undefined;
  if (!ctl.signal.aborted) {
    const fire = (): void => ctl.abort(new DeadlineReason(kind, `${kind} deadline exceeded`));
    const ms = remainingMs(at);
    if (ms === 0) fire();
    else {
      timer = setTimeout(fire, ms);
      timer.unref?.();
    }
  }
  return {
    signal: ctl.signal,
    clear: () => {
      if (timer) clearTimeout(timer);
      for (const u of unlinks) u();
    },
  };
}

/** A child controller that aborts with its parent (listener removed by `unlink`). */
export function childController(parent: AbortSignal | undefined): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  if (!parent) return { controller, unlink: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, unlink: () => {} };
  }
  const on = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', on, { once: true });
  return { controller, unlink: () => parent.removeEventListener('abort', on) };
}

/** Resolves after `ms`, or rejects nothing and resolves `false` early if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', on);
      resolve(true);
    }, Math.max(0, ms));
    const on = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', on, { once: true });
  });
}
