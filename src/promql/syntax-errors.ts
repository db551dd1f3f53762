/**
 * Turns the first error node of the Lezer tree (Lezer recovers silently) into a ParseError worded
 * like Prometheus's parser (`unexpected <token>[ in <context>][, expected <what>]`,
 * `unknown function with name "foo"`, `trailing commas not allowed in function call args`).
 * The context is inferred from the tokens before the offending one, mirroring the error rules of
 * Prometheus's yacc grammar.
 */
import type { Tree } from '@lezer/common';
import type { ParseError } from '../model/index.js';
import { describeToken, type Token } from './lexer.js';
import { parseErrorAt, tokenFrom, type ParseCtx } from './parse-context.js';
import { quoteGoString } from './strings.js';

/** Offset of the first error node, or undefined when the tree is clean. */
export function firstErrorPos(tree: Tree): number | undefined {
  let pos: number | undefined;
  tree.iterate({
    enter: (n) => {
      if (pos !== undefined) return false;
      if (n.type.isError) {
        pos = n.from;
        return false;
      }
      return undefined;
    },
  });
  return pos;
}

const is = (t: Token | undefined, type: Token['type'], text?: string): boolean =>
  t !== undefined && t.type === type && (text === undefined || t.text.toLowerCase() === text);

/** `" in <context>, expected <what>"` for the token at index i, or '' when no rule applies. */
function context(tokens: readonly Token[], i: number): string {
  const tok = tokens[i]!;
  const prev = tokens[i - 1];
  if (tok.braces || is(prev, 'PUNCT', '{')) {
    if (is(prev, 'PUNCT', '=') || (is(prev, 'OPERATOR') && prev!.braces)) return ' in label matching, expected string';
    if (is(prev, 'IDENTIFIER')) return ' in label matching, expected label matching operator';
    if (is(prev, 'STRING')) return ' in label matching, expected "," or "}"';
    return ' in label matching, expected identifier or "}"';
  }
  if (is(prev, 'KEYWORD', 'offset')) return ' in offset, expected number, duration, step(), or range()';
  if (is(prev, 'OPERATOR', '@')) return ' in @, expected timestamp';
  if (is(prev, 'KEYWORD', 'by') || is(prev, 'KEYWORD', 'without')) return ' in grouping opts, expected "("';
  // Inside the parentheses of by/without/on/ignoring/group_x (…).
  let j = i - 1;
  while (j >= 0 && !is(tokens[j], 'PUNCT', '(') && !is(tokens[j], 'PUNCT', ')')) j--;
  const opener = tokens[j - 1];
  if (j >= 0 && is(tokens[j], 'PUNCT', '(') && opener?.type === 'KEYWORD' && ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(opener.text.toLowerCase())) {
    return is(prev, 'PUNCT', '(') || is(prev, 'PUNCT', ',') ? ' in grouping opts, expected label' : ' in grouping opts, expected "," or ")"';
  }
  if (tok.durationCtx || is(tok, 'PUNCT', ']') || is(prev, 'PUNCT', '[')) {
    if (is(prev, 'PUNCT', '[') || (prev?.type === 'KEYWORD' && !is(tok, 'PUNCT', '('))) return ' in subquery or range selector, expected number, duration, step(), or range()';
    if (is(prev, 'PUNCT', ':')) return ' in subquery selector, expected number, duration, step(), range(), or "]"';
    let k = i - 1;
    let colon = false;
    while (k >= 0 && !is(tokens[k], 'PUNCT', '[')) if (is(tokens[k--], 'PUNCT', ':')) colon = true;
    if (k >= 0) return colon ? ' in subquery selector, expected "]"' : ' in subquery or range, expected ":" or "]"';
  }
  return '';
}

export function syntaxError(ctx: ParseCtx, pos: number): ParseError {
  const tok = tokenFrom(ctx, pos);
  const i = ctx.tokens.indexOf(tok);
  const prev = i > 0 ? ctx.tokens[i - 1] : undefined;
  if (is(tok, 'PUNCT', '(') && prev && (prev.type === 'IDENTIFIER' || prev.type === 'METRIC_IDENTIFIER' || (prev.type === 'KEYWORD' && !tok.durationCtx))) {
    return parseErrorAt(ctx.query, prev.start, `unknown function with name ${quoteGoString(prev.text)}`);
  }
  if (is(tok, 'PUNCT', ')') && is(prev, 'PUNCT', ',') && !tok.braces) {
    return parseErrorAt(ctx.query, prev!.start, 'trailing commas not allowed in function call args');
  }
  return parseErrorAt(ctx.query, tok.start, `unexpected ${describeToken(tok)}${context(ctx.tokens, i)}`);
}
