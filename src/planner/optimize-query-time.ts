/**
 * Optimizer: resolve query-time references inside a fragment. A leaf evaluates a fragment over
 * its own grid (e.g. a subquery's inner steps), so everything that refers to the *query's*
 * start, end or step is made explicit first: `@ start()`/`@ end()` → `@ <t>`, duration
 * expressions using `step()`/`range()` → numbers, the functions `start()`, `end()`, `step()`,
 * `range()` → numbers, and subqueries without a step get the engine's default step written out.
 * The result means the same at the gateway and on any grid.
 */
import type { AtModifier, DurationExpr, Expr, VectorSelector } from '../promql/index.js';
import { durationIsConstant, evalDurationSeconds } from '../promql/index.js';

export interface QueryTime {
  readonly startMs: number;
  readonly endMs: number;
  /** Query step, ms (0 for an instant query). */
  readonly stepMs: number;
  readonly defaultSubqueryStepMs: number;
}

function at(a: AtModifier | undefined, q: QueryTime): AtModifier | undefined {
  if (!a || a.kind === 'time') return a;
  return { kind: 'time', ms: a.kind === 'start' ? q.startMs : q.endMs };
}

function dur(d: DurationExpr | undefined, q: QueryTime): DurationExpr | undefined {
  if (!d || durationIsConstant(d)) return d;
  return { kind: 'DurationNumber', seconds: evalDurationSeconds(d, { stepMs: q.stepMs, startMs: q.startMs, endMs: q.endMs }) };
}

function selector(v: VectorSelector, q: QueryTime): VectorSelector {
  const a = at(v.at, q);
  const o = dur(v.offset, q);
  if (a === v.at && o === v.offset) return v;
  return { ...v, ...(a ? { at: a } : {}), ...(o ? { offset: o } : {}) };
}

export function resolveQueryTime(e: Expr, q: QueryTime): Expr {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'StringLiteral':
      return e;
    case 'VectorSelector':
      return selector(e, q);
    case 'MatrixSelector':
      return { ...e, vector: selector(e.vector, q), range: dur(e.range, q)! };
    case 'SubqueryExpr': {
      const step = dur(e.step, q) ?? { kind: 'DurationNumber', seconds: q.defaultSubqueryStepMs / 1000 };
      const a = at(e.at, q);
      const o = dur(e.offset, q);
      return { ...e, expr: resolveQueryTime(e.expr, q), range: dur(e.range, q)!, step, ...(a ? { at: a } : {}), ...(o ? { offset: o } : {}) };
    }
    case 'ParenExpr':
    case 'UnaryExpr':
      return { ...e, expr: resolveQueryTime(e.expr, q) };
    case 'Call': {
      const s = queryTimeValue(e.func, q);
      if (s !== undefined && e.args.length === 0) return { kind: 'NumberLiteral', value: s, pos: e.pos };
      return { ...e, args: e.args.map((a) => resolveQueryTime(a, q)) };
    }
    case 'AggregateExpr':
      return { ...e, expr: resolveQueryTime(e.expr, q), ...(e.param ? { param: resolveQueryTime(e.param, q) } : {}) };
    case 'BinaryExpr':
      return { ...e, lhs: resolveQueryTime(e.lhs, q), rhs: resolveQueryTime(e.rhs, q) };
  }
}

/** Seconds returned by start()/end()/step()/range() for this query. */
function queryTimeValue(func: string, q: QueryTime): number | undefined {
  switch (func) {
    case 'start':
      return q.startMs / 1000;
    case 'end':
      return q.endMs / 1000;
    case 'step':
      return q.stepMs / 1000;
    case 'range':
      return (q.endMs - q.startMs) / 1000;
  }
  return undefined;
}
