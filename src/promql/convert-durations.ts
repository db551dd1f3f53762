/**
 * Lezer duration nodes (`DurationExpr`, `OffsetDurationExpr`, literals in duration context) →
 * `DurationExpr` of the AST, with Prometheus's parse-time rules: a sign on a literal folds into
 * it, division/modulo by a literal zero and out-of-range literals are errors.
 */
import type { SyntaxNode } from '@lezer/common';
import type { DurationExpr } from './ast.js';
import { fail, kids, tokenAt, type ParseCtx } from './parse-context.js';

/** Largest |seconds| a Go time.Duration can hold. */
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

const DURATION_OPS: Record<string, '+' | '-' | '*' | '/' | '%' | '^'> = { Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^' };

export function literalSeconds(ctx: ParseCtx, node: SyntaxNode): number {
  const t = tokenAt(ctx, node.from);
  if (!t || typeof t.value !== 'number') fail(ctx, node.from, `unexpected ${JSON.stringify(ctx.query.slice(node.from, node.to))}`);
  return t.value;
}

function checkRange(ctx: ParseCtx, pos: number, seconds: number): void {
  if (seconds > MAX_DURATION_SECONDS || seconds < -MAX_DURATION_SECONDS) fail(ctx, pos, 'duration out of range');
}

export function convertDuration(ctx: ParseCtx, node: SyntaxNode): DurationExpr {
  if (node.name === 'NumberDurationLiteralInDurationContext') {
    const seconds = literalSeconds(ctx, node);
    checkRange(ctx, node.from, seconds);
    return { kind: 'DurationNumber', seconds };
  }
  if (node.name !== 'DurationExpr' && node.name !== 'OffsetDurationExpr') fail(ctx, node.from, `unexpected ${node.name} in duration expression`);
  const ks = kids(node);
  const first = ks[0];
  if (!first) fail(ctx, node.from, 'unexpected end of input in duration expression');
  switch (first.name) {
    case 'DurationStep':
      return { kind: 'DurationStep' };
    case 'DurationRange':
      return { kind: 'DurationRange' };
    case 'DurationMinOf':
    case 'DurationMaxOf':
      return { kind: 'DurationMinMax', fn: first.name === 'DurationMinOf' ? 'min_of' : 'max_of', args: [convertDuration(ctx, ks[1]!), convertDuration(ctx, ks[2]!)] };
    case 'UnaryOp': {
      const op = ctx.query[first.from] === '-' ? '-' : '+';
      const inner = convertDuration(ctx, ks[1]!);
      // A sign on a literal folds into it (Go: `-5m` is the number -300, `- -5m` is 300), but
      // not on a parenthesised one: `-(5m)` stays a unary expression.
      if (inner.kind === 'DurationNumber' && ctx.query[ks[1]!.from] !== '(') {
        const seconds = op === '-' ? -inner.seconds : inner.seconds;
        checkRange(ctx, first.from, seconds);
        return { kind: 'DurationNumber', seconds };
      }
      // Go drops a unary plus on an expression (`+min_of(…)` is `min_of(…)`).
      if (op === '+') return inner;
      return { kind: 'DurationUnary', op, expr: inner };
    }
  }
  if (ks.length === 1) return convertDuration(ctx, first);
  const opNode = ks[1]!;
  const op = DURATION_OPS[opNode.name];
  if (!op) fail(ctx, opNode.from, `unexpected ${JSON.stringify(ctx.query.slice(opNode.from, opNode.to))} in duration expression`);
  const lhs = convertDuration(ctx, first);
  const rhs = convertDuration(ctx, ks[2]!);
  if ((op === '/' || op === '%') && rhs.kind === 'DurationNumber' && rhs.seconds === 0 && ctx.query[ks[2]!.from] !== '(') {
    fail(ctx, opNode.from, op === '/' ? 'division by zero' : 'modulo by zero');
  }
  return { kind: 'DurationBinary', op, lhs, rhs };
}
