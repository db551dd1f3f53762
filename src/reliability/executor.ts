/**
 * The generic fan-out executor: runs one fragment over a set of children (ranges), each with its
 * replica leaves ranked best first, and returns the complete answers plus the health of the
 * fan-out. It knows nothing of gRPC or series: `call(leafId, childIds, signal, info)` does one
 * leaf request for a set of children and returns a value or an async stream of values.
 *
 * Behaviour:
 *  - children are grouped by their current replica; one call per leaf group, all in parallel;
 *  - an open breaker makes a child skip to its next replica (the skipped one stays a last resort);
 *  - hedging (first round only, within the optional HedgeBudget): if a group's call has not
 *    answered after the hedge delay of its leaf, the same children are sent to their next replicas; the first complete answer wins
 *    and the loser is cancelled through its AbortSignal. Results are always disjoint: either the
 *    primary's single answer covers the group, or the hedge calls (which together cover it) do;
 *  - a failed call (error, or a stream that broke halfway: its items are discarded) → its
 *    children retry on their next replicas; when none is left they fail `unavailable`
 *    (`timeout` if the last error was a deadline);
 *  - at the soft deadline every call still running is cancelled and its children fail `timeout`;
 *  - an error another replica would repeat (bad argument, limit: `isFatal`) cancels everything
 *    and is thrown as is;
 *  - the caller's signal aborting (client gone, hard deadline) throws DeadlineError / CANCELLED;
 *  - with strategy ABORT, the first child that fails for good (no replica left, and not inside a
 *    hedge whose primary may still answer) cancels everything: PartialError carrying the health
 *    (the cancelled children appear as `unavailable` "not awaited").
 *
 * Health: every child is expected; failures are recorded with their issue; `fallback_used`
 * (answer from a non-primary replica, with why) and `hedged` (a hedge was sent, and who won) are
 * notes. With `strategy`, `decidePartial` runs on the health afterwards and throws (so the
 * "all children failed is an error" rule applies per fan-out; without `strategy` the caller
 * decides at the edge on the query-wide health).
 */
import { CanopyError, DeadlineError } from '../model/index.js';
import { fromServiceError } from '../rpc/index.js';
import { isBreakerReject, isSuperseded, NOT_LEAF_FAULT } from './breaker.js';
import { childController, computeDeadlines, deadlineSignal, DeadlineReason, sleep, type Deadlines } from './deadline.js';
import { collect, raceAbort } from './executor-call.js';
import type { CallInfo, ChildOutcome, Child, ExecuteOptions, ExecuteResult, CallResult } from './executor-types.js';
import { assertAnswerable, HealthBuilder, PartialError, type HealthIssue } from './health.js';
import { hedgeDelay, hedgeOptions } from './hedge.js';

interface Pending {
  child: Child;
  /** Index in child.replicas of the replica to use (or try next). */
  idx: number;
  /** Why an earlier replica was left (for fallback_used). */
  why?: string;
  last?: { leafId: string; error: CanopyError };
}

interface Outcome<T> {
  results: CallResult<T>[];
  failed: Map<string, HealthIssue>;
  notes: HealthIssue[];
}

/** `superseded`: the call answered but lost its children to a hedge call that claimed some first. */
type Attempt<T> = { ok: true; items: T[]; ms: number } | { ok: false; aborted: boolean; superseded?: boolean; error: CanopyError; ms: number };

const defaultFatal = (e: CanopyError): boolean => NOT_LEAF_FAULT.has(e.code);

const empty = <T>(): Outcome<T> => ({ results: [], failed: new Map(), notes: [] });

function mergeInto<T>(out: Outcome<T>, o: Outcome<T>): Outcome<T> {
  out.results.push(...o.results);
  for (const [k, v] of o.failed) out.failed.set(k, v);
  out.notes.push(...o.notes);
  return out;
}

class Execution<T> {
  fatal: CanopyError | undefined;
  /** Under ABORT: the first child that failed for good (everything else was cancelled). */
  partialAbort: HealthIssue | undefined;
  /** Children cancelled by that early abort. */
  notAwaited = 0;
  /** Child id → the call that claimed it (CallInfo.claim). */
  private readonly claims = new Map<string, object>();
  private readonly hedge;
  private readonly isFatal: (e: CanopyError) => boolean;

  constructor(
    private readonly o: ExecuteOptions<T>,
    private readonly deadlines: Deadlines,
    private readonly abortAll: (e: CanopyError) => void,
  ) {
    this.hedge = hedgeOptions(o.hedge);
    this.isFatal = o.isFatal ?? defaultFatal;
  }

  /** Index of the replica to use from p.idx on: the first whose breaker is not open, else p.idx. */
  private pick(p: Pending): Pending | undefined {
    const rs = p.child.replicas;
    if (p.idx >= rs.length) return undefined;
    for (let i = p.idx; i < rs.length; i++) {
      if (this.o.breakers?.state(rs[i]!) !== 'open') {
        if (i === p.idx) return p;
        const skipped = rs.slice(p.idx, i).join(', ');
        return { ...p, idx: i, why: `circuit breaker open for ${skipped}` };
      }
    }
    return p;
  }

  /** The replica a hedge or retry of `p` goes to. */
  private nextLeaf(p: Pending): string | undefined {
    const q = this.pick({ ...p, idx: p.idx + 1 });
    return q ? q.child.replicas[q.idx] : undefined;
  }

  /**
   * Covers `pending` children: groups by replica, one attempt per group. `provisional`: inside a
   * hedge, where a child's failure is not final (the hedged primary may still answer it).
   */
  async cover(pending: readonly Pending[], round: number, signal: AbortSignal, provisional = false): Promise<Outcome<T>> {
    const out = empty<T>();
    const groups = new Map<string, Pending[]>();
    for (const p0 of pending) {
      const p = this.pick(p0);
      if (!p) {
        const issue = this.exhausted(p0);
        out.failed.set(p0.child.id, issue);
        if (!provisional) this.finalFailure(issue);
        continue;
      }
      const leaf = p.child.replicas[p.idx]!;
      let g = groups.get(leaf);
      if (!g) groups.set(leaf, (g = []));
      g.push(p);
    }
    const parts = await Promise.all([...groups].map(([leaf, ps]) => this.attempt(leaf, ps, round, signal, provisional)));
    for (const part of parts) mergeInto(out, part);
    return out;
  }

  private exhausted(p: Pending): HealthIssue {
    if (!p.last) return { kind: 'unavailable', rangeId: p.child.id, leafId: '', message: p.child.replicas.length === 0 ? 'no readable replica' : 'no replica left to try' };
    const e = p.last.error;
    return { kind: e.code === 'DEADLINE_EXCEEDED' ? 'timeout' : 'unavailable', rangeId: p.child.id, leafId: p.last.leafId, message: e.message };
  }

  /** Children whose calls were cancelled: the soft deadline passed, or ABORT gave up early. */
  private timedOut(ps: readonly Pending[], leaf: string): Outcome<T> {
    const out = empty<T>();
    const ms = this.deadlines.softMs;
    const ab = this.partialAbort;
    for (const p of ps) {
      if (ab) this.notAwaited++;
      out.failed.set(
        p.child.id,
        ab
          ? { kind: 'unavailable', rangeId: p.child.id, leafId: leaf, message: `not awaited: partial response aborted after range ${ab.rangeId} failed (${ab.kind})` }
          : { kind: 'timeout', rangeId: p.child.id, leafId: leaf, message: `no complete answer within the soft deadline (${Math.round(ms)} ms)` },
      );
    }
    return out;
  }

  /** A child failed for good. Under ABORT the answer is now an error: stop everything at once. */
  private finalFailure(issue: HealthIssue): void {
    if (this.o.strategy !== 'abort' || this.partialAbort || this.fatal) return;
    this.partialAbort = issue;
    this.abortAll(new CanopyError('PARTIAL', `partial response aborted: range ${issue.rangeId} ${issue.kind}`));
  }

  /** Makes a hedge's failures final once nothing else can answer those children. */
  private settle(h: Outcome<T>, provisional: boolean): Outcome<T> {
    if (!provisional) for (const issue of h.failed.values()) this.finalFailure(issue);
    return h;
  }

  private success(leaf: string, ps: readonly Pending[], r: Attempt<T> & { ok: true }): Outcome<T> {
    const out = empty<T>();
    out.results.push({ leafId: leaf, childIds: ps.map((p) => p.child.id), items: r.items, ms: r.ms });
    for (const p of ps) {
      if (p.idx > 0) out.notes.push({ kind: 'fallback_used', rangeId: p.child.id, leafId: leaf, message: `answered by replica ${leaf} (${p.why ?? `primary ${p.child.replicas[0]} not used`})` });
    }
    return out;
  }

  private advance(ps: readonly Pending[], leaf: string, why: string, error?: CanopyError): Pending[] {
    return ps.map((p) => ({ child: p.child, idx: p.idx + 1, why, last: error ? { leafId: leaf, error } : p.last }));
  }

  /** CallInfo.claim for one call (`token`): all of `ids` or nothing. */
  private claim(token: object, ids: readonly string[], signal: AbortSignal): boolean {
    if (signal.aborted) return false;
    for (const id of ids) {
      const held = this.claims.get(id);
      if (held !== undefined && held !== token) return false;
    }
    for (const id of ids) this.claims.set(id, token);
    return true;
  }

  private release(token: object, ids: readonly string[]): void {
    for (const id of ids) if (this.claims.get(id) === token) this.claims.delete(id);
  }

  private async invoke(leaf: string, ids: readonly string[], signal: AbortSignal, info0: Omit<CallInfo, 'claim'>): Promise<Attempt<T>> {
    const t0 = performance.now();
    if (signal.aborted) return { ok: false, aborted: true, error: new CanopyError('CANCELLED', 'call cancelled'), ms: 0 };
    const token = {};
    const info: CallInfo = { ...info0, claim: () => this.claim(token, ids, signal) };
    this.o.latency?.begin(leaf);
    try {
      const run = (sig: AbortSignal | undefined): Promise<T[]> => collect(this.o.call(leaf, ids, sig ?? signal, info), sig ?? signal);
      const p = this.o.breakers ? this.o.breakers.fire(leaf, run, signal) : run(signal);
      const items = await raceAbort(p, signal);
      const ms = performance.now() - t0;
      this.o.latency?.observe(leaf, ms);
      this.o.metrics?.call(leaf, 'ok', ms / 1000);
      return { ok: true, items, ms };
    } catch (e) {
      const ms = performance.now() - t0;
      this.release(token, ids);
      if (signal.aborted || isSuperseded(e)) {
        this.o.metrics?.call(leaf, 'cancelled', ms / 1000);
        // Given up at a deadline: the leaf took at least `ms` (a censored sample), so a hung
        // leaf drops down the ranking even when no hedge was sent (hedging off, budget spent).
        if (signal.aborted && signal.reason instanceof DeadlineReason) this.o.latency?.observeCensored(leaf, ms);
        return { ok: false, aborted: true, superseded: !signal.aborted && isSuperseded(e), error: new CanopyError('CANCELLED', 'call cancelled'), ms };
      }
      const error = fromServiceError(e);
      this.o.metrics?.call(leaf, isBreakerReject(error) ? 'rejected' : 'error', ms / 1000);
      this.o.logger?.debug({ leaf, children: ids.length, code: error.code, err: error.message }, 'leaf call failed');
      return { ok: false, aborted: false, error, ms };
    } finally {
      this.o.latency?.end(leaf);
    }
  }

  /**
   * The primary answered its whole group but lost its claim because hedge calls claimed part of
   * it first, while other hedged children found no answer: ask the primary again for just those
   * (it answered them a moment ago; its first answer cannot be split per child).
   */
  private async rescue(leaf: string, ps: readonly Pending[], h: Outcome<T>, round: number, signal: AbortSignal, provisional: boolean): Promise<Outcome<T>> {
    const rest = ps.filter((p) => h.failed.has(p.child.id));
    if (rest.length === 0 || signal.aborted) return h;
    for (const p of rest) h.failed.delete(p.child.id);
    return mergeInto(h, await this.attempt(leaf, rest, round + 1, signal, provisional));
  }

  /** A failed primary: fatal → cancel all; aborted → timeout; otherwise retry on next replicas. */
  private afterFailure(leaf: string, ps: readonly Pending[], r: Attempt<T> & { ok: false }, round: number, signal: AbortSignal, provisional: boolean): Promise<Outcome<T>> | Outcome<T> {
    if (!r.aborted && this.isFatal(r.error)) {
      this.fatal ??= r.error;
      this.abortAll(r.error);
      return empty<T>();
    }
    if (r.aborted || signal.aborted) return this.timedOut(ps, leaf);
    return this.cover(this.advance(ps, leaf, `replica ${leaf} failed: ${r.error.message}`, r.error), round + 1, signal, provisional);
  }

  private async attempt(leaf: string, ps: readonly Pending[], round: number, signal: AbortSignal, provisional: boolean): Promise<Outcome<T>> {
    const ids = ps.map((p) => p.child.id);
    // Calls made inside a hedge (provisional) are the hedge calls.
    const info = { round, hedge: provisional, deadlineAt: this.deadlines.hardAt, softDeadlineAt: this.deadlines.softAt };
    const pc = childController(signal);
    const started = performance.now();
    const primary = this.invoke(leaf, ids, pc.controller.signal, info);
    try {
      this.o.hedgeBudget?.earn();
      const canHedge = round === 0 && ps.every((p) => p.idx + 1 < p.child.replicas.length);
      const delay = canHedge ? hedgeDelay(leaf, this.o.latency, this.hedge) : undefined;
      if (delay === undefined) {
        const r = await primary;
        return r.ok ? this.success(leaf, ps, r) : this.afterFailure(leaf, ps, r, round, signal, provisional);
      }

      const tc = childController(signal);
      const first = await Promise.race([primary.then((r) => ({ r })), sleep(delay, tc.controller.signal).then((fired) => ({ fired }))]);
      tc.controller.abort();
      tc.unlink();
      if ('r' in first || !first.fired) {
        const r = 'r' in first ? first.r : await primary;
        return r.ok ? this.success(leaf, ps, r) : this.afterFailure(leaf, ps, r, round, signal, provisional);
      }

      // The primary is slow: hedge the same children to their next replicas (budget permitting).
      if (this.o.hedgeBudget && !this.o.hedgeBudget.trySpend()) {
        const r = await primary;
        return r.ok ? this.success(leaf, ps, r) : this.afterFailure(leaf, ps, r, round, signal, provisional);
      }
      const why = `replica ${leaf} had not answered after ${Math.round(delay)} ms`;
      const hc = childController(signal);
      const hedge = this.cover(this.advance(ps, leaf, why), round + 1, hc.controller.signal, true);
      const hedgedNotes = (winner: string): HealthIssue[] =>
        ps.map((p) => ({ kind: 'hedged', rangeId: p.child.id, leafId: leaf, message: `hedged to ${this.nextLeaf(p)}: ${why}; ${winner} answered first` }));
      try {
        const second = await Promise.race([primary.then((r) => ({ r })), hedge.then((h) => ({ h }))]);
        if ('r' in second) {
          const r = second.r;
          if (r.ok) {
            hc.controller.abort();
            const out = this.success(leaf, ps, r);
            out.notes.push(...hedgedNotes('the primary'));
            return out;
          }
          if (!r.aborted && this.isFatal(r.error)) return this.afterFailure(leaf, ps, r, round, signal, provisional);
          // The primary failed (or lost its claim to hedge calls): the hedge is its fallback.
          let h = await hedge;
          if (r.superseded) h = await this.rescue(leaf, ps, h, round, signal, provisional);
          h.notes.push(...hedgedNotes('the fallback'));
          return this.settle(h, provisional);
        }
        const h = second.h;
        if (h.failed.size === 0) {
          pc.controller.abort();
          this.o.latency?.observeCensored(leaf, performance.now() - started);
          h.notes.push(...hedgedNotes('the fallback'));
          return h;
        }
        // Some hedged children found no answer elsewhere: the primary may still answer them all.
        const r = await primary;
        if (r.ok) {
          const out = this.success(leaf, ps, r);
          out.notes.push(...hedgedNotes('the primary'));
          return out;
        }
        if (!r.aborted && this.isFatal(r.error)) return this.afterFailure(leaf, ps, r, round, signal, provisional);
        if (r.superseded) {
          const rescued = await this.rescue(leaf, ps, h, round, signal, provisional);
          rescued.notes.push(...hedgedNotes('the fallback, and the primary for the rest'));
          return this.settle(rescued, provisional);
        }
        h.notes.push(...hedgedNotes('neither'));
        return this.settle(h, provisional);
      } finally {
        hc.unlink();
      }
    } finally {
      pc.unlink();
    }
  }
}

export async function executeChildren<T>(opts: ExecuteOptions<T>): Promise<ExecuteResult<T>> {
  const deadlines = opts.deadlines ?? computeDeadlines({});
  const builder = opts.health ?? new HealthBuilder();
  const soft = deadlineSignal(deadlines.softAt, 'soft', [opts.signal]);
  const run = childController(soft.signal);
  const exec = new Execution<T>(opts, deadlines, (e) => run.controller.abort(e));
  let out: Outcome<T>;
  try {
    out = await exec.cover(
      opts.children.map((child) => ({ child, idx: 0 })),
      0,
      run.controller.signal,
    );
  } finally {
    soft.clear();
    run.unlink();
    run.controller.abort(); // nothing of this fan-out outlives it
  }
  if (exec.fatal) throw exec.fatal;
  if (opts.signal?.aborted) {
    const reason: unknown = opts.signal.reason;
    const hard = Date.now() >= deadlines.hardAt || (reason instanceof DeadlineReason && reason.kind === 'hard');
    throw hard ? new DeadlineError(`query deadline exceeded (${Math.round(deadlines.hardMs)} ms)`) : new CanopyError('CANCELLED', 'query cancelled');
  }

  builder.expect(opts.children.map((c) => c.id));
  const children = new Map<string, ChildOutcome>();
  const issues: HealthIssue[] = [];
  for (const r of out.results) for (const id of r.childIds) children.set(id, { status: 'ok', leafId: r.leafId });
  for (const [id, issue] of out.failed) {
    children.set(id, { status: 'failed', issue });
    builder.fail(issue);
    issues.push(issue);
  }
  for (const n of out.notes) {
    builder.note(n);
    issues.push(n);
  }
  for (const i of issues) opts.metrics?.issue(i.kind);
  const health = builder.build();
  const ab = exec.partialAbort;
  if (ab && exec.notAwaited > 0) {
    // Not "all failed": some children were only cancelled because ABORT made the answer an error.
    throw new PartialError(`partial response aborted: range ${ab.rangeId} ${ab.kind}${ab.leafId ? ` on leaf ${ab.leafId}` : ''}: ${ab.message}`, health);
  }
  if (opts.strategy) assertAnswerable(health, opts.strategy);
  return { results: out.results, children, issues, health };
}
