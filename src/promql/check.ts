/**
 * Semantic checks of a parsed expression, ported from Prometheus's `checkAST`
 * (`promql/parser/parse.go`), with its messages: argument counts and types of functions and
 * aggregations, `bool` only on comparisons, set operators only between vectors, vector matching
 * only between instant vectors, non-empty selectors, subquery operand types.
 *
 * Runs after the tree converted without syntax errors; throws the first ParseError.
 */
import type { Expr, ValueType } from './ast.js';
import { typeOf } from './ast.js';
import { compileMatcher } from '../model/index.js';
import { getFunction } from './functions.js';
import { fail, type ParseCtx } from './parse-context.js';
import { quoteGoString } from './strings.js';

/** Prometheus's DocumentedType. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

function expectType(ctx: ParseCtx, e: Expr, want: ValueType, context: string): void {
  check(ctx, e);
  const t = typeOf(e);
  if (t !== want) fail(ctx, e.pos.start, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
}

/** Validates `e` recursively; `bypassEmpty` marks the label-only selector of info()'s 2nd arg. */
export function check(ctx: ParseCtx, e: Expr, bypassEmpty = false): void {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'StringLiteral':
      return;
    case 'ParenExpr':
      check(ctx, e.expr);
      return;
    case 'MatrixSelector':
      check(ctx, e.vector);
      return;
    case 'SubqueryExpr': {
      check(ctx, e.expr);
      const t = typeOf(e.expr);
      if (t !== 'vector') fail(ctx, e.pos.start, `subquery is only allowed on instant vector, got ${t} instead`);
      return;
    }
    case 'UnaryExpr': {
      check(ctx, e.expr);
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector') fail(ctx, e.pos.start, `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`);
      return;
    }
    case 'VectorSelector': {
      if (e.name !== undefined || bypassEmpty) return;
      const notEmpty = e.matchers.some((m) => !compileMatcher(m).matches(''));
      if (!notEmpty) fail(ctx, e.pos.start, 'vector selector must contain at least one non-empty matcher');
      return;
    }
    case 'AggregateExpr': {
      expectType(ctx, e.expr, 'vector', 'aggregation expression');
      if (e.param) {
        if (e.op === 'count_values') expectType(ctx, e.param, 'string', 'aggregation parameter');
        else expectType(ctx, e.param, 'scalar', 'aggregation parameter');
      }
      return;
    }
    case 'Call':
      checkCall(ctx, e);
      return;
    case 'BinaryExpr':
      checkBinary(ctx, e);
      return;
  }
}

function checkCall(ctx: ParseCtx, e: Extract<Expr, { kind: 'Call' }>): void {
  const fn = getFunction(e.func);
  if (!fn) fail(ctx, e.pos.start, `unknown function with name ${quoteGoString(e.func)}`);
  const nargs = fn.argTypes.length;
  const got = e.args.length;
  if (fn.variadic === 0) {
    if (nargs !== got) fail(ctx, e.pos.start, `expected ${nargs} argument(s) in call to ${quoteGoString(e.func)}, got ${got}`);
  } else {
    const min = nargs - 1;
    if (min > got) fail(ctx, e.pos.start, `expected at least ${min} argument(s) in call to ${quoteGoString(e.func)}, got ${got}`);
    if (fn.variadic > 0 && min + fn.variadic < got) fail(ctx, e.pos.start, `expected at most ${min + fn.variadic} argument(s) in call to ${quoteGoString(e.func)}, got ${got}`);
  }
  let bypassSecond = false;
  if (e.func === 'info' && got > 1) {
    const a = e.args[1]!;
    if (typeOf(a) !== 'vector') fail(ctx, e.pos.start, `expected type instant vector in call to function "info", got ${documentedType(typeOf(a))}`);
    if (a.kind === 'VectorSelector' && a.name !== undefined) fail(ctx, a.pos.start, 'expected label selectors only, got vector selector instead');
    if (a.kind !== 'VectorSelector') fail(ctx, a.pos.start, 'expected label selectors only');
    bypassSecond = true;
  }
  e.args.forEach((arg, i) => {
    if (i >= nargs && fn.variadic === 0) return;
    const want = fn.argTypes[Math.min(i, nargs - 1)]!;
    check(ctx, arg, bypassSecond && i === 1);
    const t = typeOf(arg);
    if (t !== want) fail(ctx, arg.pos.start, `expected type ${documentedType(want)} in call to function ${quoteGoString(e.func)}, got ${documentedType(t)}`);
  });
}

function checkBinary(ctx: ParseCtx, e: Extract<Expr, { kind: 'BinaryExpr' }>): void {
  check(ctx, e.lhs);
  check(ctx, e.rhs);
  const lt = typeOf(e.lhs);
  const rt = typeOf(e.rhs);
  const opPos = ctx.opPos.get(e) ?? e.lhs.pos.end;
  const mods = ctx.modifiers.get(e);
  const isComparison = COMPARISONS.has(e.op);
  const isSet = SET_OPS.has(e.op);
  if (e.returnBool && !isComparison) fail(ctx, opPos, 'bool modifier can only be used on comparison operators');
  if (isComparison && !e.returnBool && lt === 'scalar' && rt === 'scalar') fail(ctx, opPos, 'comparisons between scalars must use BOOL modifier');
  const on = mods?.on ?? e.matching?.on ?? false;
  const labels = mods?.labels ?? e.matching?.labels ?? [];
  const include = mods?.include ?? e.matching?.include ?? [];
  if (on) {
    for (const l of labels) if (include.includes(l)) fail(ctx, opPos, `label ${quoteGoString(l)} must not occur in ON and GROUP clause at once`);
  }
  if (lt !== 'scalar' && lt !== 'vector') fail(ctx, e.lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector') fail(ctx, e.rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
  const fill = (mods?.fillLeft ?? e.matching?.fillLeft) !== undefined || (mods?.fillRight ?? e.matching?.fillRight) !== undefined;
  const group = mods?.group ?? (e.matching && (e.matching.card === 'many-to-one' || e.matching.card === 'one-to-many') ? 'left' : undefined);
  if (lt !== 'vector' || rt !== 'vector') {
    if (labels.length > 0) fail(ctx, e.pos.start, 'vector matching only allowed between instant vectors');
    if (fill) fail(ctx, e.pos.start, 'filling in missing series only allowed between instant vectors');
  } else if (isSet) {
    if (group) fail(ctx, e.pos.start, `no grouping allowed for ${quoteGoString(e.op)} operation`);
    if (fill) fail(ctx, e.pos.start, 'filling in missing series not allowed for set operators');
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSet) fail(ctx, e.pos.start, `set operator ${quoteGoString(e.op)} not allowed in binary scalar expression`);
}
