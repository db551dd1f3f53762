/**
 * Turns the first error node of the Lezer tree (Lezer recovers silently) into a ParseError worded
 * like Prometheus's parser: `unexpected end of input`, `unexpected identifier "foo"`,
 * `unknown function with name "foo"`, `trailing commas not allowed in function call args`.
 */
import type { Tree } from '@lezer/common';
import type { ParseError } from '../model/index.js';
import { describeToken } from './lexer.js';
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

export function syntaxError(ctx: ParseCtx, pos: number): ParseError {
  const tok = tokenFrom(ctx, pos);
  const i = ctx.tokens.indexOf(tok);
  const prev = i > 0 ? ctx.tokens[i - 1] : undefined;
  if (tok.type === 'PUNCT' && tok.text === '(' && prev && (prev.type === 'IDENTIFIER' || prev.type === 'METRIC_IDENTIFIER' || prev.type === 'KEYWORD')) {
    return parseErrorAt(ctx.query, prev.start, `unknown function with name ${quoteGoString(prev.text)}`);
  }
  if (tok.type === 'PUNCT' && tok.text === ')' && prev?.type === 'PUNCT' && prev.text === ',') {
    return parseErrorAt(ctx.query, prev.start, 'trailing commas not allowed in function call args');
  }
  if (tok.type === 'EOF') return parseErrorAt(ctx.query, tok.start, 'unexpected end of input');
  let context = '';
  if (tok.braces) context = ' in label matching';
  else if (tok.durationCtx) context = ' in duration expression';
  return parseErrorAt(ctx.query, tok.start, `unexpected ${describeToken(tok)}${context}`);
}
