/**
 * `parse(query)`: Go-style tokenizer (lexical errors, literal values) → official Lezer PromQL
 * grammar (structure) → typed AST (convert*.ts) → semantic checks (check.ts). All syntax of
 * Prometheus 3 including experimental features (duration expressions, fill modifiers,
 * anchored/smoothed, info(), limitk/limit_ratio) is accepted. Errors are ParseError with 1-based
 * line:column (column in UTF-8 bytes, like Prometheus) and Prometheus's wording.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { Tree } from '@lezer/common';
import type { Matcher } from '../model/index.js';
import type { Expr } from './ast.js';
import { check } from './check.js';
import { convertExpr } from './convert.js';
import { tokenize } from './lexer.js';
import { lezerInput } from './lezer-input.js';
import { kids, newParseCtx, parseErrorAt } from './parse-context.js';
import { firstErrorPos, syntaxError } from './syntax-errors.js';

/**
 * Runs the Lezer parse to completion. Lezer deliberately breaks very long left-associative chains
 * (> 300 reductions, e.g. `a or b or …` with hundreds of terms) to keep editor trees shallow;
 * a query engine needs the real tree, so that counter (an internal of @lezer/lr's Parse) is reset
 * before every step. Absent the field, this is a plain parse.
 */
function lezerParse(text: string): Tree {
  const p = parser.startParse(text) as ReturnType<typeof parser.startParse> & { bigReductionCount?: number };
  for (;;) {
    if (p.bigReductionCount !== undefined) p.bigReductionCount = 0;
    const tree = p.advance();
    if (tree) return tree;
  }
}

/** Stack exhaustion on absurdly deep or long queries becomes a ParseError, not a crash. */
function guardDepth<T>(query: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw parseErrorAt(query, 0, 'expression is too deeply nested or too long');
    throw e;
  }
}

export function parse(query: string): Expr {
  return guardDepth(query, () => parseUnguarded(query));
}

function parseUnguarded(query: string): Expr {
  const lex = tokenize(query);
  const ctx = newParseCtx(query, lex.tokens);
  if (!lex.error && lex.tokens.length === 1) throw parseErrorAt(query, 0, 'no expression found in input');
  const tree = lezerParse(lezerInput(query, lex.tokens));
  const synPos = firstErrorPos(tree);
  if (lex.error && (synPos === undefined || lex.error.at <= synPos)) throw parseErrorAt(query, lex.error.pos, lex.error.message);
  if (synPos !== undefined) throw syntaxError(ctx, synPos);
  const expr = convertExpr(ctx, tree.topNode);
  check(ctx, expr);
  return expr;
}

/**
 * A series selector (`match[]` of the series/labels APIs): a vector selector without offset, `@`
 * or range. Returns its matchers (the metric name as a `__name__` matcher). Does not require a
 * non-empty matcher: the API layer words that check itself.
 */
export function parseSeriesSelector(s: string): Matcher[] {
  const lex = tokenize(s);
  const ctx = newParseCtx(s, lex.tokens);
  if (!lex.error && lex.tokens.length === 1) throw parseErrorAt(s, 0, 'no expression found in input');
  const tree = lezerParse(lezerInput(s, lex.tokens));
  const synPos = firstErrorPos(tree);
  if (lex.error && (synPos === undefined || lex.error.at <= synPos)) throw parseErrorAt(s, lex.error.pos, lex.error.message);
  if (synPos !== undefined) throw syntaxError(ctx, synPos);
  const top = kids(tree.topNode)[0];
  if (!top || top.name !== 'VectorSelector') {
    throw parseErrorAt(s, top?.from ?? 0, 'expected a series selector such as `metric{label="value"}`');
  }
  const e = convertExpr(ctx, top);
  if (e.kind !== 'VectorSelector') throw parseErrorAt(s, 0, 'expected a series selector');
  return [...e.matchers];
}
