/**
 * The text handed to the official Lezer grammar. Prometheus's own (yacc) parser accepts a few
 * things the Lezer grammar does not; each is rewritten here to a token of the same length, so every
 * offset in the Lezer tree still points into the original query (values and names are always read
 * from the original text or the token table, never from the rewritten text):
 *  - number literals Lezer cannot tokenize (`1.`, `1.e5`, `0X1F`) become `0` padded with spaces;
 *  - `STEP()`, `Range()`, `MIN_OF(…)` in a duration context are lower-cased (Go's keywords are
 *    case-insensitive, Lezer's duration keywords are not);
 *  - `min_of(…)`/`max_of(…)` outside durations (scalar functions in Prometheus 3) become
 *    `minute(…)`, a function of the same length that the grammar knows; the converter reads the
 *    real name back from the query.
 */
import { DURATION_KEYWORDS, type Token } from './lexer.js';

const LEZER_NUMBER = /^(?:(?:\d+(?:_?\d)*(?:\.\d+(?:_?\d)*)?|\.\d+(?:_?\d)*)(?:[eE][+-]?\d+(?:_?\d)*)?|0x[0-9a-fA-F]+)$/;

export function lezerInput(query: string, tokens: readonly Token[]): string {
  let out = '';
  let last = 0;
  const replace = (t: Token, text: string): void => {
    out += query.slice(last, t.start) + text;
    last = t.end;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'NUMBER') {
      const lw = t.text.toLowerCase();
      if (lw !== 'inf' && lw !== 'nan' && !LEZER_NUMBER.test(t.text)) replace(t, '0'.padEnd(t.text.length, ' '));
      continue;
    }
    if (t.type !== 'KEYWORD') continue;
    const lw = t.text.toLowerCase();
    // `offset` where an expression starts is a metric name in Prometheus; Lezer always reads it as
    // the keyword, so hand it an identifier of the same length.
    if (lw === 'offset' && startsExpression(tokens[i - 1])) {
      replace(t, 'offse_');
      continue;
    }
    if (!DURATION_KEYWORDS.has(lw)) continue;
    const next = tokens[i + 1];
    const call = next !== undefined && next.type === 'PUNCT' && next.text === '(';
    if (t.durationCtx) {
      if (lw !== t.text) replace(t, lw);
    } else if (call && (lw === 'min_of' || lw === 'max_of')) {
      replace(t, 'minute');
    }
  }
  return out + query.slice(last);
}

/** Whether an expression may start after `prev` (so an identifier there is a metric name). */
function startsExpression(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.type === 'OPERATOR' || prev.type === 'AGGREGATOR') return prev.text !== '@';
  if (prev.type === 'PUNCT') return prev.text === '(' || prev.text === ',';
  return prev.type === 'KEYWORD' && prev.text.toLowerCase() === 'bool';
}
