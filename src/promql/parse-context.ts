/**
 * Per-parse state shared by the tree converters and the semantic checks: the query text, the
 * token table (literal values by start offset), and side tables for facts the AST does not keep
 * (the operator position of a binary expression, its modifiers as written).
 */
import type { SyntaxNode } from '@lezer/common';
import { ParseError } from '../model/index.js';
import type { BinaryExpr } from './ast.js';
import type { Token } from './lexer.js';

/** Binary-expression modifiers as written, before types decide what is kept in `matching`. */
export interface RawModifiers {
  readonly returnBool: boolean;
  readonly hasMatchingClause: boolean;
  readonly on: boolean;
  readonly labels: readonly string[];
  readonly group?: 'left' | 'right';
  readonly include: readonly string[];
  readonly fillLeft?: number;
  readonly fillRight?: number;
}

export interface ParseCtx {
  readonly query: string;
  readonly tokens: readonly Token[];
  readonly tokenIndex: ReadonlyMap<number, number>;
  readonly opPos: WeakMap<BinaryExpr, number>;
  readonly modifiers: WeakMap<BinaryExpr, RawModifiers>;
  /**
   * Binary expressions a postfix modifier was pushed into (`a + b @ 60`): their right end is
   * "open", so a following operator of higher precedence must bind to their rightmost operand.
   */
  readonly openRight: WeakSet<BinaryExpr>;
}

export function newParseCtx(query: string, tokens: readonly Token[]): ParseCtx {
  const tokenIndex = new Map<number, number>();
  tokens.forEach((t, i) => tokenIndex.set(t.start, i));
  return { query, tokens, tokenIndex, opPos: new WeakMap(), modifiers: new WeakMap(), openRight: new WeakSet() };
}

/** 1-based line and column of a 0-based offset; the column counts UTF-8 bytes like Prometheus. */
export function lineCol(query: string, pos: number): { line: number; column: number } {
  const p = Math.max(0, Math.min(pos, query.length));
  const before = query.slice(0, p);
  const lastNl = before.lastIndexOf('\n');
  const line = (before.match(/\n/g)?.length ?? 0) + 1;
  const column = Buffer.byteLength(before.slice(lastNl + 1), 'utf8') + 1;
  return { line, column };
}

export function parseErrorAt(query: string, pos: number, message: string): ParseError {
  const { line, column } = lineCol(query, pos);
  return new ParseError(message, line, column);
}

export function fail(ctx: ParseCtx, pos: number, message: string): never {
  throw parseErrorAt(ctx.query, pos, message);
}

/** Named children, without comments. */
export function kids(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

export function tokenAt(ctx: ParseCtx, pos: number): Token | undefined {
  const i = ctx.tokenIndex.get(pos);
  return i === undefined ? undefined : ctx.tokens[i];
}

/** The first token starting at or after `pos` (the EOF token at worst). */
export function tokenFrom(ctx: ParseCtx, pos: number): Token {
  for (const t of ctx.tokens) if (t.start >= pos || t.end > pos) return t;
  return ctx.tokens[ctx.tokens.length - 1]!;
}

export function text(ctx: ParseCtx, node: SyntaxNode): string {
  return ctx.query.slice(node.from, node.to);
}
