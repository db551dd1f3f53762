/**
 * A PromQL tokenizer following Prometheus's Go lexer (`promql/parser/lex.go`). The Lezer grammar
 * builds the tree; this scan exists for what Lezer does not do the Go way:
 *  - lexical errors with Prometheus's messages (`unclosed left parenthesis`, `unterminated quoted
 *    string`, `bad number or duration syntax: "1a"`…);
 *  - literal values (Go number rules, string escapes, durations) looked up by start offset;
 *  - which tokens sit in a duration context (`[…]`, after `offset`), so the text handed to Lezer
 *    can be normalised where the official grammar is narrower than Prometheus (see lezer-input.ts);
 *  - describing the token at a syntax error (`unexpected identifier "foo"`).
 */
import { parseGoNumber } from './numbers.js';
import { scanNumberOrDuration } from './lexer-numbers.js';
import { tryParseDuration } from './durations.js';
import { goQuoteRune, quoteGoString, StringSyntaxError, unquoteGoString } from './strings.js';

export type TokenType =
  | 'EOF'
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'KEYWORD'
  | 'AGGREGATOR'
  | 'OPERATOR'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | 'PUNCT';

export interface Token {
  readonly type: TokenType;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** NUMBER: the value; DURATION: seconds; STRING: the unquoted value. */
  value?: number | string;
  /** Inside `[…]` or an offset's duration expression. */
  durationCtx: boolean;
  /** Inside `{…}`. */
  braces: boolean;
}

export interface LexError {
  readonly message: string;
  /** Where Prometheus reports it. */
  readonly pos: number;
  /** Start of the offending token (to order it against syntax errors). */
  readonly at: number;
}

export interface LexResult {
  tokens: Token[];
  error?: LexError;
}

const KEYWORDS = new Set(['offset', 'smoothed', 'anchored', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'fill', 'fill_left', 'fill_right', 'bool', 'start', 'end', 'step', 'range', 'max_of', 'min_of']);
const OPERATOR_WORDS = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATORS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);
export const DURATION_KEYWORDS = new Set(['step', 'range', 'max_of', 'min_of']);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && (c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlnum = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

class LexFail extends Error {
  constructor(
    readonly msg: string,
    readonly pos: number,
    readonly at: number = pos,
  ) {
    super(msg);
  }
}

export function tokenize(input: string): LexResult {
  const tokens: Token[] = [];
  let parenDepth = 0;
  let braces = false;
  let bracket = false;
  let gotColon = false;
  /** Inside `[…]` after the first number Go lexes in statement mode (see lexNumberOrDuration). */
  let bracketStatements = false;
  let i = 0;
  const n = input.length;
  const push = (type: TokenType, start: number, end: number, value?: number | string): Token => {
    const t: Token = { type, start, end, text: input.slice(start, end), durationCtx: bracket, braces, value };
    tokens.push(t);
    return t;
  };
  try {
    while (i <= n) {
      const c = input[i];
      if (c === '#') {
        while (i < n && input[i] !== '\n' && input[i] !== '\r') i++;
        continue;
      }
      if (c === undefined) {
        if (braces) throw new LexFail('unexpected end of input inside braces', i);
        if (bracket && !bracketStatements) throw new LexFail('unexpected end of input in duration expression', i);
        if (parenDepth > 0) throw new LexFail('unclosed left parenthesis', i);
        if (bracket) throw new LexFail('unclosed left bracket', i);
        push('EOF', i, i);
        break;
      }
      if (isSpace(c)) {
        i++;
        continue;
      }
      const start = i;
      if (bracket && !bracketStatements && !'+-*/%^,():]'.includes(c) && !isDigit(c) && !(c === '.' && isDigit(input[i + 1])) && !isAlpha(c)) {
        throw new LexFail(`unexpected character in duration expression: ${goQuoteRune(c)}`, i);
      }
      if (c === '"' || c === "'" || c === '`') {
        i = scanString(input, i);
        let value: string;
        try {
          value = unquoteGoString(input.slice(start, i));
        } catch (e) {
          if (e instanceof StringSyntaxError) throw new LexFail(e.message, start);
          throw e;
        }
        push('STRING', start, i, value);
        continue;
      }
      if (braces) {
        i = lexInBraces(input, i, push, () => {
          braces = false;
        });
        continue;
      }
      if (isDigit(c) || (c === '.' && isDigit(input[i + 1]))) {
        const scan = scanNumberOrDuration(input, i);
        const text = input.slice(start, scan.end);
        if (scan.kind === 'ERROR') throw new LexFail(`bad number or duration syntax: ${quoteGoString(text)}`, start);
        if (scan.kind === 'NUMBER') {
          const v = parseGoNumber(text);
          if (v === undefined) throw new LexFail(`error parsing number: strconv.ParseFloat: parsing ${quoteGoString(text)}: invalid syntax`, start);
          if (!Number.isFinite(v) && !/inf|nan/i.test(text)) throw new LexFail(`error parsing number: strconv.ParseFloat: parsing ${quoteGoString(text)}: value out of range`, start);
          push('NUMBER', start, scan.end, v);
        } else {
          const ms = tryParseDuration(text);
          if (typeof ms === 'string') throw new LexFail(ms, start);
          push('DURATION', start, scan.end, ms / 1000);
        }
        if (bracket) bracketStatements = true;
        i = scan.end;
        continue;
      }
      if (isAlpha(c) || c === ':') {
        if (bracket) {
          if (c === ':') {
            const prev = tokens[tokens.length - 1];
            if (!bracketStatements && prev?.text === '[') throw new LexFail('unexpected colon before duration in duration expression', i);
            if (gotColon) throw new LexFail(bracketStatements ? `unexpected colon ${goQuoteRune(':')}` : 'unexpected repeated colon in duration expression', i);
            gotColon = true;
            push('PUNCT', i, i + 1);
            i++;
            continue;
          }
          let j = i;
          while (isAlpha(input[j])) j++;
          const word = input.slice(i, j);
          if (!DURATION_KEYWORDS.has(word.toLowerCase())) {
            throw new LexFail(bracketStatements ? `unexpected character: ${goQuoteRune(c)}, expected ${goQuoteRune(':')}` : `unexpected character in duration expression: ${goQuoteRune(c)}`, i);
          }
          push('KEYWORD', i, j);
          i = j;
          continue;
        }
        let j = i;
        while (isAlnum(input[j]) || input[j] === ':') j++;
        const word = input.slice(i, j);
        const lw = word.toLowerCase();
        if (lw === 'inf' || lw === 'nan') push('NUMBER', i, j, lw === 'inf' ? Infinity : NaN);
        else if (AGGREGATORS.has(lw)) push('AGGREGATOR', i, j);
        else if (OPERATOR_WORDS.has(lw)) push('OPERATOR', i, j);
        else if (KEYWORDS.has(lw) && !(lw.startsWith('fill') && !followedByParen(input, j))) push('KEYWORD', i, j);
        else push(word.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER', i, j);
        i = j;
        continue;
      }
      const two = input.slice(i, i + 2);
      switch (c) {
        case '(':
          parenDepth++;
          push('PUNCT', i, i + 1);
          i++;
          continue;
        case ')':
          parenDepth--;
          if (parenDepth < 0) throw new LexFail(`unexpected right parenthesis ${goQuoteRune(')')}`, i + 1, i);
          push('PUNCT', i, i + 1);
          i++;
          continue;
        case '{':
          push('PUNCT', i, i + 1);
          braces = true;
          i++;
          continue;
        case '[':
          if (bracket) throw new LexFail(`unexpected left bracket ${goQuoteRune('[')}`, i);
          push('PUNCT', i, i + 1);
          bracket = true;
          bracketStatements = false;
          gotColon = false;
          i++;
          continue;
        case ']':
          if (!bracket) throw new LexFail(`unexpected right bracket ${goQuoteRune(']')}`, i);
          bracket = false;
          push('PUNCT', i, i + 1);
          i++;
          continue;
        case ',':
        case '@':
          push(c === '@' ? 'OPERATOR' : 'PUNCT', i, i + 1);
          i++;
          continue;
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
        case '^':
          push('OPERATOR', i, i + 1);
          i++;
          continue;
        case '=':
          if (two === '==') {
            push('OPERATOR', i, i + 2);
            i += 2;
            continue;
          }
          if (two === '=~') throw new LexFail(`unexpected character after '=': ${goQuoteRune('~')}`, i);
          push('PUNCT', i, i + 1);
          i++;
          continue;
        case '!':
          if (two !== '!=') throw new LexFail(`unexpected character after '!': ${goQuoteRune(input[i + 1] ?? '')}`, i);
          push('OPERATOR', i, i + 2);
          i += 2;
          continue;
        case '<':
        case '>':
          if (input[i + 1] === '=' || input[i + 1] === '/') {
            push('OPERATOR', i, i + 2);
            i += 2;
          } else {
            push('OPERATOR', i, i + 1);
            i++;
          }
          continue;
      }
      throw new LexFail(`unexpected character: ${goQuoteRune(String.fromCodePoint(input.codePointAt(i)!))}`, i);
    }
  } catch (e) {
    if (e instanceof LexFail) {
      markOffsetDurations(tokens);
      return { tokens, error: { message: e.msg, pos: e.pos, at: e.at } };
    }
    throw e;
  }
  markOffsetDurations(tokens);
  return { tokens };
}

function followedByParen(s: string, i: number): boolean {
  while (isSpace(s[i])) i++;
  return s[i] === '(';
}

/** Width (1 or 2) of the UTF-16 character at j, or 0 for a lone surrogate (invalid UTF-8 in Go). */
function charWidth(s: string, j: number): number {
  const code = s.charCodeAt(j);
  if (code < 0xd800 || code > 0xdfff) return 1;
  const lo = s.charCodeAt(j + 1);
  return code <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff ? 2 : 0;
}

function scanString(s: string, i: number): number {
  const q = s[i]!;
  let j = i + 1;
  if (q === '`') {
    while (j < s.length && s[j] !== '`') {
      const w = charWidth(s, j);
      if (w === 0) throw new LexFail('invalid UTF-8 rune', i);
      j += w;
    }
    if (j >= s.length) throw new LexFail('unterminated raw string', i);
    return j + 1;
  }
  while (j < s.length) {
    const c = s[j]!;
    const w = charWidth(s, j);
    if (w === 0) throw new LexFail('invalid UTF-8 rune', i);
    if (c === '\\') {
      if (j + 1 >= s.length) throw new LexFail('escape sequence not terminated', i);
      j += 2;
      continue;
    }
    if (c === '\n') break;
    if (c === q) return j + 1;
    j += w;
  }
  throw new LexFail('unterminated quoted string', i);
}

function lexInBraces(s: string, i: number, push: (t: TokenType, a: number, b: number) => Token, close: () => void): number {
  const c = s[i]!;
  if (isAlpha(c)) {
    let j = i;
    while (isAlnum(s[j])) j++;
    push('IDENTIFIER', i, j);
    return j;
  }
  switch (c) {
    case ',':
      push('PUNCT', i, i + 1);
      return i + 1;
    case '=':
      if (s[i + 1] === '~') {
        push('OPERATOR', i, i + 2);
        return i + 2;
      }
      push('PUNCT', i, i + 1);
      return i + 1;
    case '!':
      if (s[i + 1] === '~' || s[i + 1] === '=') {
        push('OPERATOR', i, i + 2);
        return i + 2;
      }
      throw new LexFail(`unexpected character after '!' inside braces: ${goQuoteRune(s[i + 1] ?? '')}`, i);
    case '{':
      throw new LexFail(`unexpected left brace ${goQuoteRune('{')}`, i);
    case '}':
      push('PUNCT', i, i + 1);
      close();
      return i + 1;
  }
  throw new LexFail(`unexpected character inside braces: ${goQuoteRune(String.fromCodePoint(s.codePointAt(i)!))}`, i);
}

function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.type === 'PUNCT' && t.text === text;
}

/**
 * Marks the duration expression after `offset` as duration context: optional unary signs, then
 * a parenthesised expression or `min_of(…)`/`max_of(…)` up to the matching parenthesis, or a
 * single `step()`/`range()`/literal.
 */
function markOffsetDurations(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'KEYWORD' || t.text.toLowerCase() !== 'offset') continue;
    let j = i + 1;
    while (tokens[j]?.type === 'OPERATOR' && (tokens[j]!.text === '+' || tokens[j]!.text === '-')) tokens[j++]!.durationCtx = true;
    const head = tokens[j];
    if (!head) continue;
    const lw = head.text.toLowerCase();
    if (head.type === 'KEYWORD' && DURATION_KEYWORDS.has(lw)) {
      head.durationCtx = true;
      j++;
    }
    if (!isPunct(tokens[j], '(')) continue;
    let depth = 0;
    for (; j < tokens.length; j++) {
      const x = tokens[j]!;
      x.durationCtx = true;
      if (isPunct(x, '(')) depth++;
      else if (isPunct(x, ')') && --depth === 0) break;
    }
  }
}

/** Go's Item.desc() for "unexpected …" messages. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case 'EOF':
      return 'end of input';
    case 'IDENTIFIER':
      return `identifier ${quoteGoString(t.text)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${quoteGoString(t.text)}`;
    case 'KEYWORD':
      return `<${t.text.toLowerCase()}>`;
    case 'AGGREGATOR':
      return `<aggr:${t.text.toLowerCase()}>`;
    case 'OPERATOR':
      return `<op:${t.text.toLowerCase()}>`;
    case 'NUMBER':
      return `number ${quoteGoString(t.text)}`;
    case 'DURATION':
      return `duration ${quoteGoString(t.text)}`;
    case 'STRING':
      return `string ${quoteGoString(t.text.length > 10 ? t.text.slice(0, 10) : t.text)}${t.text.length > 10 ? '...' : ''}`;
    case 'PUNCT':
      return quoteGoString(t.text);
  }
}
