/**
 * Per-query state, in one object (never module globals): id, tenant, routing snapshot, deadlines
 * (hard and soft, src/reliability/deadline.ts) and abort signal, the partial-response strategy,
 * the query's `HealthBuilder` (expected children = ranges the fan-outs planned, which of them
 * failed and why, notes such as fallback_used / hedged) and stats.
 */
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../model/index.js';
import {
  computeDeadlines,
  DEFAULT_DEADLINE_OPTIONS,
  DeadlineReason,
  HealthBuilder,
  type Deadlines,
  type HealthIssue,
  type IssueKind,
  type PartialStrategy,
  type PruneReason,
  type QueryHealth,
} from '../reliability/index.js';
import type { RangeTable } from '../shard/index.js';

export type { PartialStrategy, IssueKind };
export type HealthIssueOut = HealthIssue;
/** The wire shape of QueryHealth (proto-loader camelCase): the reliability library's own type. */
export type QueryHealthOut = QueryHealth;

export interface QueryStatsOut {
  seriesFetched: number;
  samplesFetched: number;
  bytesFetched: number;
  execMs: number;
}

export interface QueryContextInit {
  tenant: string;
  table: RangeTable;
  /** The hard timeout, ms (the request's, else the server default); clamped to `maxTimeoutMs`. */
  timeoutMs: number;
  /** Server maximum, ms (default 5 min). */
  maxTimeoutMs?: number;
  /** Soft deadline as a fraction of the hard one (default 0.5). */
  softFraction?: number;
  strategy: PartialStrategy;
  logger: Logger;
  /** Per-leaf bound on samples returned by one fetch (0 = none); a memory guard, see remote-querier. */
  maxSamplesPerLeaf?: number;
  /** Cancelled when the client goes away. */
  parentSignal?: AbortSignal;
  id?: string;
}

export class QueryContext {
  readonly id: string;
  readonly tenant: string;
  readonly table: RangeTable;
  readonly strategy: PartialStrategy;
  readonly logger: Logger;
  readonly maxSamplesPerLeaf: number;
  readonly startedAt = performance.now();
  /** Hard and soft deadlines (absolute ms since epoch in `hardAt` / `softAt`). */
  readonly deadlines: Deadlines;
  /** Absolute hard deadline, ms since epoch (sent to leaves as the gRPC deadline). */
  readonly deadline: number;
  /** The query's health, accumulated over all its fan-outs. */
  readonly healthBuilder = new HealthBuilder();
  readonly warnings: string[] = [];
  readonly stats: QueryStatsOut = { seriesFetched: 0, samplesFetched: 0, bytesFetched: 0, execMs: 0 };

  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  private readonly warningSet = new Set<string>();

  constructor(init: QueryContextInit) {
    this.id = init.id ?? randomUUID();
    this.tenant = init.tenant;
    this.table = init.table;
    this.strategy = init.strategy;
    this.maxSamplesPerLeaf = init.maxSamplesPerLeaf ?? 0;
    this.logger = init.logger.child({ queryId: this.id, tenant: init.tenant });
    this.deadlines = computeDeadlines(
      { timeoutMs: init.timeoutMs },
      { defaultTimeoutMs: init.timeoutMs, maxTimeoutMs: init.maxTimeoutMs ?? DEFAULT_DEADLINE_OPTIONS.maxTimeoutMs, softFraction: init.softFraction },
    );
    this.deadline = this.deadlines.hardAt;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new DeadlineReason('hard', 'query deadline exceeded'));
    }, this.deadlines.hardMs);
    this.timer.unref?.();
    if (init.parentSignal) {
      if (init.parentSignal.aborted) this.controller.abort(init.parentSignal.reason);
      else init.parentSignal.addEventListener('abort', () => this.controller.abort(init.parentSignal!.reason), { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the query's own (hard) deadline fired. */
  get deadlineExceeded(): boolean {
    return this.timedOut || Date.now() >= this.deadline;
  }

  /** Stops the timer; call when the query ends (success or failure). */
  finish(): void {
    clearTimeout(this.timer);
    this.stats.execMs = performance.now() - this.startedAt;
  }

  /** Cancels every call still in flight (e.g. ABORT after a failed child). */
  cancel(reason: string): void {
    this.controller.abort(new Error(reason));
  }

  expect(rangeIds: Iterable<string>): void {
    this.healthBuilder.expect(rangeIds);
  }

  /** Ranges left out before fan-out (counted once, unless another fan-out of the query read them). */
  prune(rangeIds: Iterable<string>, reason: PruneReason = 'range'): void {
    this.healthBuilder.prune(reason, rangeIds);
  }

  /** A child (range) that could not be read at all. Under ABORT, throws at once. */
  fail(issue: HealthIssueOut): void {
    this.healthBuilder.fail(issue);
    this.logger.warn({ range: issue.rangeId, leaf: issue.leafId, kind: issue.kind, msg: issue.message }, 'child failed');
    if (this.strategy === 'abort') {
      this.cancel('partial response aborted');
      throw new UnavailableError(abortMessage(issue), { health: this.health() });
    }
  }

  /** A non-fatal event (e.g. a fallback replica answered). */
  note(issue: HealthIssueOut): void {
    this.healthBuilder.note(issue);
  }

  /** Health reported by a lower gateway level, merged without loss. */
  mergeLower(h: QueryHealthOut): void {
    this.healthBuilder.mergeLower(h);
  }

  warn(message: string): void {
    if (this.warningSet.has(message)) return;
    this.warningSet.add(message);
    this.warnings.push(message);
  }

  get failedChildren(): number {
    return this.healthBuilder.failedChildren;
  }

  get expectedChildren(): number {
    return this.healthBuilder.build().expectedChildren;
  }

  health(): QueryHealthOut {
    return this.healthBuilder.build();
  }
}

/** The ABORT error message for the first child that failed for good. */
export function abortMessage(issue: HealthIssueOut): string {
  return `partial response aborted: range ${issue.rangeId} ${issue.kind}${issue.leafId ? ` on leaf ${issue.leafId}` : ''}: ${issue.message}`;
}
