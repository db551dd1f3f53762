/**
 * Lezer concrete tree → typed AST (ast.ts), following Prometheus's parser actions
 * (`generated_parser.y`). Where the Lezer grammar groups differently from Prometheus, the tree is
 * corrected here:
 *  - postfix modifiers (`[range]`, `[range:step]`, `offset`, `@`, `anchored`, `smoothed`) bind
 *    tighter than every operator in Prometheus, while Lezer may attach them to a whole binary or
 *    unary expression (`a + b[5m]`): they are pushed down to the rightmost operand;
 *  - a sign folds into a number literal (`-1`, `--1`), but `-1 ^ 2` is `-(1 ^ 2)` as in Go;
 *  - function names are read from the original text (see lezer-input.ts).
 */
import type { SyntaxNode } from '@lezer/common';
import type { AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, DurationExpr, Expr, MatrixSelector, SubqueryExpr, VectorMatching, VectorSelector } from './ast.js';
import { typeOf } from './ast.js';
import { convertDuration, literalSeconds } from './convert-durations.js';
import { convertGroupingLabels, convertVectorSelector, stringValue } from './convert-selectors.js';
import { AGGREGATORS_WITH_PARAM, getFunction } from './functions.js';
import { formatGoNumber } from './numbers.js';
import { fail, kids, text, tokenAt, type ParseCtx, type RawModifiers } from './parse-context.js';
import { quoteGoString } from './strings.js';

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gte: '>=',
  Gtr: '>',
  Lte: '<=',
  Lss: '<',
  TrimUpper: '</',
  TrimLower: '>/',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);

const MAX_INT64_SECONDS = 2 ** 63 / 1000;

export function convertExpr(ctx: ParseCtx, node: SyntaxNode): Expr {
  const pos = { start: node.from, end: node.to };
  switch (node.name) {
    case 'PromQL': {
      const c = kids(node)[0];
      if (!c) fail(ctx, 0, 'no expression found in input');
      return convertExpr(ctx, c);
    }
    case 'NumberDurationLiteral':
      return { kind: 'NumberLiteral', value: signedLiteral(ctx, node), pos };
    case 'StringLiteral':
      return { kind: 'StringLiteral', value: stringValue(ctx, node), pos };
    case 'VectorSelector':
      return convertVectorSelector(ctx, node);
    case 'ParenExpr':
      return { kind: 'ParenExpr', expr: convertExpr(ctx, only(ctx, node)), pos };
    case 'UnaryExpr': {
      const [opNode, operand] = kids(node);
      const op = ctx.query[opNode!.from] === '-' ? '-' : '+';
      const expr = convertExpr(ctx, operand!);
      if (expr.kind === 'NumberLiteral') return { kind: 'NumberLiteral', value: op === '-' ? -expr.value : expr.value, pos };
      return { kind: 'UnaryExpr', op, expr, pos };
    }
    case 'FunctionCall':
      return convertCall(ctx, node);
    case 'AggregateExpr':
      return convertAggregate(ctx, node);
    case 'BinaryExpr':
      return convertBinary(ctx, node);
    case 'MatrixSelector':
    case 'SubqueryExpr':
    case 'OffsetExpr':
    case 'StepInvariantExpr':
    case 'AnchoredExpr':
    case 'SmoothedExpr': {
      const ks = kids(node);
      const inner = convertExpr(ctx, ks[0]!);
      return applyPostfix(ctx, inner, node, ks);
    }
  }
  fail(ctx, node.from, `unexpected ${quoteGoString(text(ctx, node))}`);
}

function only(ctx: ParseCtx, node: SyntaxNode): SyntaxNode {
  const c = kids(node)[0];
  if (!c) fail(ctx, node.to, 'unexpected end of input');
  return c;
}

/** `NumberDurationLiteral`, possibly signed (`-1`, `+ 5m`). */
function signedLiteral(ctx: ParseCtx, node: SyntaxNode): number {
  const first = tokenAt(ctx, node.from);
  if (first && first.type === 'OPERATOR' && (first.text === '-' || first.text === '+')) {
    const i = ctx.tokenIndex.get(node.from)!;
    const num = ctx.tokens[i + 1];
    if (!num || typeof num.value !== 'number') fail(ctx, node.from, 'unexpected end of input');
    return first.text === '-' ? -num.value : num.value;
  }
  return literalSeconds(ctx, node);
}

function convertCall(ctx: ParseCtx, node: SyntaxNode): Call {
  const [idNode, body] = kids(node);
  const func = text(ctx, idNode!);
  if (!getFunction(func)) fail(ctx, idNode!.from, `unknown function with name ${quoteGoString(func)}`);
  const args = body ? kids(body).map((a) => convertExpr(ctx, a)) : [];
  return { kind: 'Call', func, args, pos: { start: node.from, end: node.to } };
}

function convertAggregate(ctx: ParseCtx, node: SyntaxNode): AggregateExpr {
  let op: AggregateOp | undefined;
  let grouping: string[] = [];
  let without = false;
  let args: Expr[] = [];
  for (const k of kids(node)) {
    if (k.name === 'AggregateOp') op = text(ctx, k).toLowerCase() as AggregateOp;
    else if (k.name === 'AggregateModifier') {
      const [kw, labels] = kids(k);
      without = kw!.name === 'Without';
      grouping = labels ? convertGroupingLabels(ctx, labels) : [];
    } else if (k.name === 'FunctionCallBody') args = kids(k).map((a) => convertExpr(ctx, a));
  }
  if (!op) fail(ctx, node.from, 'aggregation operator expected in aggregation expression');
  const pos = { start: node.from, end: node.to };
  if (args.length === 0) fail(ctx, node.from, 'no arguments for aggregate expression provided');
  const wanted = AGGREGATORS_WITH_PARAM.has(op) ? 2 : 1;
  if (args.length !== wanted) fail(ctx, node.from, `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`);
  const expr = args[wanted - 1]!;
  return wanted === 2 ? { kind: 'AggregateExpr', op, expr, param: args[0]!, grouping, without, pos } : { kind: 'AggregateExpr', op, expr, grouping, without, pos };
}

function convertBinary(ctx: ParseCtx, node: SyntaxNode): Expr {
  const ks = kids(node);
  const lhsNode = ks[0]!;
  const opNode = ks[1]!;
  const rhsNode = ks[ks.length - 1]!;
  const op = BINARY_OPS[opNode.name];
  if (!op) fail(ctx, opNode.from, `binary expression does not support operator ${quoteGoString(text(ctx, opNode))}`);
  const pos = { start: node.from, end: node.to };
  let returnBool = false;
  let hasMatchingClause = false;
  let on = false;
  let labels: string[] = [];
  let group: 'left' | 'right' | undefined;
  let include: string[] = [];
  let fillLeft: number | undefined;
  let fillRight: number | undefined;
  for (const m of ks.slice(2, -1)) {
    if (m.name === 'BoolModifier') returnBool = true;
    else if (m.name === 'MatchingModifierClause') {
      hasMatchingClause = true;
      const mk = kids(m);
      on = mk[0]!.name === 'On';
      labels = convertGroupingLabels(ctx, mk[1]!);
      if (mk[2]) {
        group = mk[2].name === 'GroupLeft' ? 'left' : 'right';
        include = mk[3] ? convertGroupingLabels(ctx, mk[3]) : [];
      }
    } else if (m.name === 'FillModifier') {
      for (const clause of kids(m)) {
        const [, lit] = kids(clause);
        const v = signedLiteral(ctx, lit!);
        if (clause.name === 'FillClause') fillLeft = fillRight = v;
        else if (clause.name === 'FillLeftClause') fillLeft = v;
        else fillRight = v;
      }
    }
  }
  // Go: `-1 ^ 2` is `-(1 ^ 2)`; Lezer reads a signed literal as the left operand.
  let lhs: Expr;
  let signedPowLhs: '-' | '+' | undefined;
  const first = tokenAt(ctx, lhsNode.from);
  if (op === '^' && lhsNode.name === 'NumberDurationLiteral' && first?.type === 'OPERATOR') {
    signedPowLhs = first.text === '-' ? '-' : '+';
    const v = signedLiteral(ctx, lhsNode);
    const numStart = ctx.tokens[ctx.tokenIndex.get(lhsNode.from)! + 1]!.start;
    lhs = { kind: 'NumberLiteral', value: signedPowLhs === '-' ? -v : v, pos: { start: numStart, end: lhsNode.to } };
  } else lhs = convertExpr(ctx, lhsNode);
  const rhs = convertExpr(ctx, rhsNode);
  const mods: RawModifiers = { returnBool, hasMatchingClause, on, labels, group, include, fillLeft, fillRight };
  const bothVectors = typeOf(lhs) === 'vector' && typeOf(rhs) === 'vector';
  let matching: VectorMatching | undefined;
  if (bothVectors) {
    const card = group === 'left' ? 'many-to-one' : group === 'right' ? 'one-to-many' : SET_OPS.has(op) ? 'many-to-many' : 'one-to-one';
    matching = { card, on, labels, include, ...(fillLeft !== undefined ? { fillLeft } : {}), ...(fillRight !== undefined ? { fillRight } : {}) };
  }
  const bin: BinaryExpr = matching
    ? { kind: 'BinaryExpr', op, lhs, rhs, returnBool, matching, pos: signedPowLhs ? { start: lhs.pos.start, end: node.to } : pos }
    : { kind: 'BinaryExpr', op, lhs, rhs, returnBool, pos: signedPowLhs ? { start: lhs.pos.start, end: node.to } : pos };
  ctx.opPos.set(bin, opNode.from);
  ctx.modifiers.set(bin, mods);
  if (signedPowLhs) return { kind: 'UnaryExpr', op: signedPowLhs, expr: bin, pos };
  return reassociate(ctx, bin);
}

/** Operator precedence as in Prometheus's generated_parser.y (higher binds tighter). */
const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<=': 3,
  '<': 3,
  '>=': 3,
  '>': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '</': 5,
  '>/': 5,
  '^': 6,
};

/**
 * `a + b @ 60 * 0`: Lezer groups it as `((a + b) @ 60) * 0`; once the `@` is pushed down to `b`
 * the `* 0` must bind to `b @ 60` (it binds tighter than `+`): rotate until precedence holds.
 */
function reassociate(ctx: ParseCtx, outer: BinaryExpr): BinaryExpr {
  const l = outer.lhs;
  if (l.kind !== 'BinaryExpr' || !ctx.openRight.has(l)) return outer;
  const po = PRECEDENCE[outer.op];
  const pi = PRECEDENCE[l.op];
  if (!(po > pi || (po === pi && outer.op === '^'))) return outer;
  const lowered = withOperands(ctx, outer, l.rhs, outer.rhs, { start: l.rhs.pos.start, end: outer.pos.end });
  const rhs = reassociate(ctx, lowered);
  const top = withOperands(ctx, l, l.lhs, rhs, { start: l.pos.start, end: outer.pos.end });
  if (ctx.openRight.has(outer)) ctx.openRight.add(top);
  return top;
}

/** A copy of a binary expression with new operands; vector matching re-derived from the new types. */
function withOperands(ctx: ParseCtx, b: BinaryExpr, lhs: Expr, rhs: Expr, pos: { start: number; end: number }): BinaryExpr {
  const mods = ctx.modifiers.get(b)!;
  const bothVectors = typeOf(lhs) === 'vector' && typeOf(rhs) === 'vector';
  let out: BinaryExpr;
  if (bothVectors) {
    const card = mods.group === 'left' ? 'many-to-one' : mods.group === 'right' ? 'one-to-many' : SET_OPS.has(b.op) ? 'many-to-many' : 'one-to-one';
    const matching: VectorMatching = {
      card,
      on: mods.on,
      labels: mods.labels,
      include: mods.include,
      ...(mods.fillLeft !== undefined ? { fillLeft: mods.fillLeft } : {}),
      ...(mods.fillRight !== undefined ? { fillRight: mods.fillRight } : {}),
    };
    out = { kind: 'BinaryExpr', op: b.op, lhs, rhs, returnBool: b.returnBool, matching, pos };
  } else out = { kind: 'BinaryExpr', op: b.op, lhs, rhs, returnBool: b.returnBool, pos };
  ctx.opPos.set(out, ctx.opPos.get(b)!);
  ctx.modifiers.set(out, mods);
  return out;
}

/**
 * Applies a postfix node (range, subquery, offset, @, anchored, smoothed) to `inner`, pushing it
 * down through unparenthesised binary and unary expressions (see file comment).
 */
function applyPostfix(ctx: ParseCtx, inner: Expr, node: SyntaxNode, ks: SyntaxNode[]): Expr {
  const end = node.to;
  if (inner.kind === 'BinaryExpr') {
    const rhs = applyPostfix(ctx, inner.rhs, node, ks);
    const out: BinaryExpr = { ...inner, rhs, pos: { start: inner.pos.start, end } };
    ctx.opPos.set(out, ctx.opPos.get(inner)!);
    ctx.modifiers.set(out, ctx.modifiers.get(inner)!);
    ctx.openRight.add(out);
    return out;
  }
  if (inner.kind === 'UnaryExpr') return { ...inner, expr: applyPostfix(ctx, inner.expr, node, ks), pos: { start: inner.pos.start, end } };
  const pos = { start: inner.pos.start, end };
  switch (node.name) {
    case 'MatrixSelector': {
      const range = positiveDuration(ctx, ks[1]!);
      const bracket = openingBracket(ctx, ks[1]!.from);
      if (inner.kind !== 'VectorSelector') fail(ctx, bracket, 'ranges only allowed for vector selectors');
      if (inner.offset) fail(ctx, bracket, 'no offset modifiers allowed before range');
      if (inner.at) fail(ctx, bracket, 'no @ modifiers allowed before range');
      const m: MatrixSelector = { kind: 'MatrixSelector', vector: { ...inner, pos: inner.pos }, range, pos };
      return m;
    }
    case 'SubqueryExpr': {
      const range = positiveDuration(ctx, ks[1]!);
      const step = ks[2] ? positiveDuration(ctx, ks[2]) : undefined;
      const s: SubqueryExpr = step ? { kind: 'SubqueryExpr', expr: inner, range, step, pos } : { kind: 'SubqueryExpr', expr: inner, range, pos };
      return s;
    }
    case 'OffsetExpr':
      return setOffset(ctx, inner, convertDuration(ctx, ks[2]!), pos);
    case 'StepInvariantExpr':
      return setAt(ctx, inner, atModifier(ctx, ks[2]!, inner), pos);
    case 'AnchoredExpr':
    case 'SmoothedExpr':
      return setExtended(ctx, inner, node.name === 'AnchoredExpr' ? 'anchored' : 'smoothed', pos);
  }
  fail(ctx, node.from, `unexpected ${node.name}`);
}

/** Offset of the `[` that opens the duration starting at `pos`. */
function openingBracket(ctx: ParseCtx, pos: number): number {
  let at = pos - 1;
  for (const t of ctx.tokens) {
    if (t.start >= pos) break;
    if (t.type === 'PUNCT' && t.text === '[') at = t.start;
  }
  return at;
}

/** Range and subquery durations: a plain literal must be > 0 (expressions are checked at evaluation). */
function positiveDuration(ctx: ParseCtx, node: SyntaxNode): DurationExpr {
  const d = convertDuration(ctx, node);
  if (d.kind === 'DurationNumber' && d.seconds <= 0) fail(ctx, node.from, 'duration must be greater than 0');
  return d;
}

function selectorOf(ctx: ParseCtx, e: Expr, what: string): VectorSelector | SubqueryExpr {
  if (e.kind === 'VectorSelector' || e.kind === 'SubqueryExpr') return e;
  if (e.kind === 'MatrixSelector') return e.vector;
  fail(ctx, e.pos.start, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
}

function rebuild(e: Expr, target: VectorSelector | SubqueryExpr, pos: { start: number; end: number }): Expr {
  if (e.kind === 'MatrixSelector') return { ...e, vector: target as VectorSelector, pos };
  return { ...target, pos } as Expr;
}

function setOffset(ctx: ParseCtx, e: Expr, offset: DurationExpr, pos: { start: number; end: number }): Expr {
  const t = selectorOf(ctx, e, 'offset');
  if (t.offset) fail(ctx, e.pos.start, 'offset may not be set multiple times');
  return rebuild(e, { ...t, offset }, pos);
}

function atModifier(ctx: ParseCtx, node: SyntaxNode, e: Expr): AtModifier {
  if (node.name === 'AtModifierPreprocessors') return kids(node)[0]?.name === 'AtEnd' ? { kind: 'end' } : { kind: 'start' };
  const ts = signedLiteral(ctx, node);
  if (!Number.isFinite(ts) || ts >= MAX_INT64_SECONDS || ts <= -MAX_INT64_SECONDS) {
    fail(ctx, e.pos.start, `timestamp out of bounds for @ modifier: ${formatGoFixed6(ts)}`);
  }
  return { kind: 'time', ms: Math.round(ts * 1000) };
}

function formatGoFixed6(v: number): string {
  if (!Number.isFinite(v)) return formatGoNumber(v);
  return v.toFixed(6);
}

function setAt(ctx: ParseCtx, e: Expr, at: AtModifier, pos: { start: number; end: number }): Expr {
  const t = selectorOf(ctx, e, '@');
  if (t.at) fail(ctx, e.pos.start, '@ <timestamp> may not be set multiple times');
  return rebuild(e, { ...t, at }, pos);
}

function setExtended(ctx: ParseCtx, e: Expr, which: 'anchored' | 'smoothed', pos: { start: number; end: number }): Expr {
  if (e.kind === 'SubqueryExpr') fail(ctx, e.pos.start, `${which} modifier is not supported for subqueries`);
  if (e.kind !== 'VectorSelector' && e.kind !== 'MatrixSelector') fail(ctx, e.pos.start, `${which} modifier not implemented`);
  const vs = e.kind === 'MatrixSelector' ? e.vector : e;
  if ((which === 'anchored' && vs.smoothed) || (which === 'smoothed' && vs.anchored)) fail(ctx, e.pos.start, 'anchored and smoothed modifiers cannot be used together');
  const next: VectorSelector = { ...vs, [which]: true };
  return rebuild(e, next, pos);
}
