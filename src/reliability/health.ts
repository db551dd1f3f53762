/**
 * `QueryHealth`: how complete an answer is. Every query answer carries one (see
 * proto/canopy/v1/types.proto; field names here are the camelCase proto-loader gives, so a
 * `QueryHealth` goes on the wire as is).
 *
 * Invariants:
 *  - expected children = ranges the fan-out planned (after pruning), from the assignment — never
 *    "endpoints that happened to be live";
 *  - a child counts as completed unless it failed (a range read by two selectors of one query is
 *    one child: it is complete only if every read of it succeeded);
 *  - pruned children are never failures; `partial` ⇔ some expected child is missing;
 *  - health from a lower gateway level merges into the upper one without loss (`mergeHealth`).
 *
 * The partial-response decision (WARN returns the answer, ABORT returns an error carrying the
 * health, all children failing is an error either way) is `decidePartial`, taken at the edge.
 */
import { CanopyError, UnavailableError } from '../model/index.js';

/** Stable issue kinds (the proto's `HealthIssue.kind`). */
export type IssueKind = 'unavailable' | 'timeout' | 'fallback_used' | 'hedged' | 'incomplete_coverage' | 'pruned_zone' | 'limit_reached';

export const ISSUE_KINDS: readonly IssueKind[] = ['unavailable', 'timeout', 'fallback_used', 'hedged', 'incomplete_coverage', 'pruned_zone', 'limit_reached'];

/** Kinds that mean "this child is missing from the answer"; the others are notes. */
export const FAILURE_KINDS: ReadonlySet<IssueKind> = new Set(['unavailable', 'timeout']);

export interface HealthIssue {
  kind: IssueKind;
  rangeId: string;
  /** The leaf involved ('' when none, e.g. no replica assigned). */
  leafId: string;
  message: string;
}

export interface QueryHealth {
  expectedChildren: number;
  completedChildren: number;
  /** completed / expected; 1 when expected is 0. */
  completeness: number;
  partial: boolean;
  issues: HealthIssue[];
  prunedByRange: number;
  prunedByHint: number;
  prunedByTime: number;
}

export type PartialStrategy = 'warn' | 'abort';

/** The request's `partial_response` (proto enum name or number, or our own word) → strategy. */
export function partialStrategyOf(v: string | number | undefined | null): PartialStrategy {
  if (v === 2 || v === 'ABORT' || v === 'abort') return 'abort';
  return 'warn'; // PARTIAL_RESPONSE_DEFAULT (0) and WARN (1): queries default to WARN
}

export function emptyHealth(): QueryHealth {
  return { expectedChildren: 0, completedChildren: 0, completeness: 1, partial: false, issues: [], prunedByRange: 0, prunedByHint: 0, prunedByTime: 0 };
}

function finish(h: Omit<QueryHealth, 'completeness' | 'partial'>): QueryHealth {
  const completeness = h.expectedChildren === 0 ? 1 : h.completedChildren / h.expectedChildren;
  return { ...h, completeness, partial: h.completedChildren < h.expectedChildren };
}

/**
 * Lossless merge of a lower gateway level's health into an upper one: counts add up, issues are
 * concatenated (upper first), completeness and partial are recomputed from the sums. The upper
 * health must not also count the lower gateway itself as a child (it contributes its children);
 * if the lower gateway failed altogether, the upper records that as its own failed child instead.
 */
export function mergeHealth(upper: QueryHealth, lower: QueryHealth): QueryHealth {
  return finish({
    expectedChildren: upper.expectedChildren + lower.expectedChildren,
    completedChildren: upper.completedChildren + lower.completedChildren,
    issues: [...upper.issues, ...lower.issues],
    prunedByRange: upper.prunedByRange + lower.prunedByRange,
    prunedByHint: upper.prunedByHint + lower.prunedByHint,
    prunedByTime: upper.prunedByTime + lower.prunedByTime,
  });
}

export type PruneReason = 'range' | 'hint' | 'time';

/**
 * Accumulates one query's health across all its fan-outs (one per selector). Children are keyed
 * by range id, so a range expected by several selectors is one child.
 */
export class HealthBuilder {
  private readonly expected = new Set<string>();
  private readonly failed = new Map<string, HealthIssue>();
  private readonly issueList: HealthIssue[] = [];
  private readonly pruned = { range: new Set<string>(), hint: new Set<string>(), time: new Set<string>() };
  private readonly lower: QueryHealth[] = [];

  /** Children the answer must cover. Expecting a child un-prunes it. */
  expect(rangeIds: Iterable<string>): this {
    for (const id of rangeIds) {
      this.expected.add(id);
      for (const s of Object.values(this.pruned)) s.delete(id);
    }
    return this;
  }

  /** Children left out before fan-out (not failures); ignored if some other fan-out expects them. */
  prune(reason: PruneReason, rangeIds: Iterable<string>): this {
    for (const id of rangeIds) if (!this.expected.has(id)) this.pruned[reason].add(id);
    return this;
  }

  /** A child answered completely (it still counts as failed if another read of it failed). */
  complete(rangeId: string): this {
    this.expected.add(rangeId);
    return this;
  }

  /** A child is missing from the answer (`unavailable`, `timeout`, or another failure kind). */
  fail(issue: HealthIssue): this {
    this.expected.add(issue.rangeId);
    if (!this.failed.has(issue.rangeId)) this.failed.set(issue.rangeId, issue);
    this.issueList.push(issue);
    return this;
  }

  /** A non-fatal event on a child (fallback_used, hedged, incomplete_coverage, limit_reached…). */
  note(issue: HealthIssue): this {
    this.issueList.push(issue);
    return this;
  }

  /** Adds an issue as a failure or a note according to its kind. */
  add(issue: HealthIssue): this {
    return FAILURE_KINDS.has(issue.kind) ? this.fail(issue) : this.note(issue);
  }

  /** Health reported by a lower gateway level (one of our calls went to a zone gateway). */
  mergeLower(h: QueryHealth): this {
    this.lower.push(h);
    return this;
  }

  isFailed(rangeId: string): boolean {
    return this.failed.has(rangeId);
  }

  get failedChildren(): number {
    return this.failed.size;
  }

  build(): QueryHealth {
    const expected = this.expected.size;
    let h = finish({
      expectedChildren: expected,
      completedChildren: expected - this.failed.size,
      issues: [...this.issueList],
      prunedByRange: this.pruned.range.size,
      prunedByHint: this.pruned.hint.size,
      prunedByTime: this.pruned.time.size,
    });
    for (const l of this.lower) h = mergeHealth(h, l);
    return h;
  }
}

/** An ABORT-strategy query with some child missing: the error carries the health. */
export class PartialError extends CanopyError {
  constructor(message: string, health: QueryHealth) {
    super('PARTIAL', message, { health });
    this.name = 'PartialError';
  }
  get health(): QueryHealth {
    return (this.detail as { health: QueryHealth }).health;
  }
}

function describeFailures(h: QueryHealth, max = 3): string {
  const fails = h.issues.filter((i) => FAILURE_KINDS.has(i.kind));
  const shown = fails.slice(0, max).map((i) => `range ${i.rangeId} ${i.kind}${i.leafId ? ` on leaf ${i.leafId}` : ''}: ${i.message}`);
  if (fails.length > max) shown.push(`… ${fails.length - max} more`);
  return shown.join('; ');
}

export type PartialDecision = { ok: true; health: QueryHealth } | { ok: false; error: CanopyError };

/**
 * The edge decision: complete → ok; every expected child failed → UnavailableError (whatever the
 * strategy); some missing → ok under WARN (answer + health), PartialError under ABORT.
 * Both errors carry `{ health }` as detail.
 */
export function decidePartial(health: QueryHealth, strategy: PartialStrategy): PartialDecision {
  if (!health.partial) return { ok: true, health };
  if (health.expectedChildren > 0 && health.completedChildren === 0) {
    return { ok: false, error: new UnavailableError(`all ${health.expectedChildren} children failed: ${describeFailures(health)}`, { health }) };
  }
  if (strategy === 'abort') {
    const missing = health.expectedChildren - health.completedChildren;
    return { ok: false, error: new PartialError(`partial response aborted: ${missing} of ${health.expectedChildren} children missing: ${describeFailures(health)}`, health) };
  }
  return { ok: true, health };
}

/** `decidePartial` that throws the error. */
export function assertAnswerable(health: QueryHealth, strategy: PartialStrategy): QueryHealth {
  const d = decidePartial(health, strategy);
  if (!d.ok) throw d.error;
  return d.health;
}
