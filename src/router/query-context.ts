/**
 * Per-query state, in one object (never module globals): id, tenant, routing snapshot, deadline
 * and abort signal, the partial-response strategy, and the accounting behind `QueryHealth`
 * (expected children = ranges the fan-out planned, which of them failed and why) and stats.
 */
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { UnavailableError } from '../model/index.js';
import type { RangeTable } from '../shard/index.js';

export type PartialStrategy = 'warn' | 'abort';

export type IssueKind = 'unavailable' | 'timeout' | 'fallback_used' | 'hedged' | 'incomplete_coverage' | 'pruned_zone' | 'limit_reached';

export interface HealthIssueOut {
  kind: IssueKind;
  rangeId: string;
  leafId: string;
  message: string;
}

export interface QueryHealthOut {
  expectedChildren: number;
  completedChildren: number;
  completeness: number;
  partial: boolean;
  issues: HealthIssueOut[];
  prunedByRange: number;
  prunedByHint: number;
  prunedByTime: number;
}

export interface QueryStatsOut {
  seriesFetched: number;
  samplesFetched: number;
  bytesFetched: number;
  execMs: number;
}

export interface QueryContextInit {
  tenant: string;
  table: RangeTable;
  timeoutMs: number;
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
  /** Absolute deadline, ms since epoch. */
  readonly deadline: number;
  readonly warnings: string[] = [];
  readonly stats: QueryStatsOut = { seriesFetched: 0, samplesFetched: 0, bytesFetched: 0, execMs: 0 };

  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  private readonly expected = new Set<string>();
  private readonly failed = new Map<string, HealthIssueOut>();
  private readonly issues: HealthIssueOut[] = [];
  private readonly pruned = new Set<string>();
  private readonly warningSet = new Set<string>();

  constructor(init: QueryContextInit) {
    this.id = init.id ?? randomUUID();
    this.tenant = init.tenant;
    this.table = init.table;
    this.strategy = init.strategy;
    this.maxSamplesPerLeaf = init.maxSamplesPerLeaf ?? 0;
    this.logger = init.logger.child({ queryId: this.id, tenant: init.tenant });
    this.deadline = Date.now() + init.timeoutMs;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error('query deadline exceeded'));
    }, init.timeoutMs);
    this.timer.unref?.();
    if (init.parentSignal) {
      if (init.parentSignal.aborted) this.controller.abort(init.parentSignal.reason);
      else init.parentSignal.addEventListener('abort', () => this.controller.abort(init.parentSignal!.reason), { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the query's own deadline fired. */
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
    for (const id of rangeIds) {
      this.expected.add(id);
      this.pruned.delete(id);
    }
  }

  /** Ranges of the tenant a fan-out left out (counted once, unless another selector read them). */
  prune(rangeIds: Iterable<string>): void {
    for (const id of rangeIds) if (!this.expected.has(id)) this.pruned.add(id);
  }

  /** A child (range) that could not be read at all. Under ABORT, throws at once. */
  fail(issue: HealthIssueOut): void {
    if (!this.failed.has(issue.rangeId)) this.failed.set(issue.rangeId, issue);
    this.issues.push(issue);
    this.logger.warn({ range: issue.rangeId, leaf: issue.leafId, kind: issue.kind, msg: issue.message }, 'child failed');
    if (this.strategy === 'abort') {
      this.cancel('partial response aborted');
      throw new UnavailableError(`partial response aborted: range ${issue.rangeId} ${issue.kind}${issue.leafId ? ` on leaf ${issue.leafId}` : ''}: ${issue.message}`, { health: this.health() });
    }
  }

  /** A non-fatal event (e.g. a fallback replica answered). */
  note(issue: HealthIssueOut): void {
    this.issues.push(issue);
  }

  warn(message: string): void {
    if (this.warningSet.has(message)) return;
    this.warningSet.add(message);
    this.warnings.push(message);
  }

  get failedChildren(): number {
    return this.failed.size;
  }

  get expectedChildren(): number {
    return this.expected.size;
  }

  health(): QueryHealthOut {
    const expected = this.expected.size;
    const completed = expected - this.failed.size;
    return {
      expectedChildren: expected,
      completedChildren: completed,
      completeness: expected === 0 ? 1 : completed / expected,
      partial: this.failed.size > 0,
      issues: [...this.issues],
      prunedByRange: this.pruned.size,
      prunedByHint: 0,
      prunedByTime: 0,
    };
  }
}
