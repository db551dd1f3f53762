/**
 * Go RE2 regular expressions (the dialect PromQL uses) translated to JavaScript RegExp, fully
 * anchored as Prometheus does (`^(?s:re)$`: `.` also matches newline). The translation walks the
 * pattern once, keeping Go's meaning:
 *  - flags `i`, `s`, `m` (set with `(?flags)` or scoped with `(?flags:…)`, also `(?-i)`) are
 *    applied during translation, never as RegExp flags: case-insensitivity folds literal letters
 *    and class members (`[aA]`, `a-z` → `a-zA-Z`), `.` becomes `[^\n]` outside `s`, and `^`/`$`
 *    become explicit text or line assertions, so scopes nest exactly as in Go;
 *  - escapes: Perl classes (`\s` is ASCII space only), `\pL`, `\p{Greek}`, `\x41`, `\x{1F600}`,
 *    octal `\101`, `\a`, `\Q…\E`, `\A`, `\z`; any escaped punctuation is a literal;
 *  - POSIX classes `[[:alpha:]]` (and `[[:^alpha:]]` as a whole class);
 *  - `(?P<name>…)` named groups; a literal `{`, `}` or `]` where Go reads one.
 * Constructs RE2 rejects (look-around, backreferences, `\Z`, possessive or nested repetition,
 * ungreedy mode) raise RegexSyntaxError. The result uses only non-capturing groups of its own, so
 * group numbers (label_replace's `$1`) are the pattern's.
 */
export class RegexSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexSyntaxError';
  }
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Characters to escape in a JS pattern (outside / inside a class) under the `u` flag. */
const SYNTAX_OUT = new Set('^$\\.*+?()[]{}|/'.split(''));
const SYNTAX_IN = new Set('\\]['.split('').concat(['^', '-']));

/** Extra members of Go's simple case-folding orbits beyond toLowerCase/toUpperCase. */
const FOLD_EXTRA: Record<string, string> = { k: '\u212a', s: '\u017f', K: '\u212a', S: '\u017f', '\u212a': 'kK', '\u017f': 'sS' };

interface Flags {
  fold: boolean;
  dotNL: boolean;
  multiLine: boolean;
}

function caseVariants(ch: string): string[] {
  const out = new Set<string>([ch]);
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  if ([...lo].length === 1) out.add(lo);
  if ([...up].length === 1) out.add(up);
  for (const c of FOLD_EXTRA[ch] ?? '') out.add(c);
  for (const c of FOLD_EXTRA[lo] ?? '') out.add(c);
  return [...out];
}

function escOut(ch: string): string {
  return SYNTAX_OUT.has(ch) ? '\\' + ch : ch;
}

function escIn(ch: string): string {
  return SYNTAX_IN.has(ch) ? '\\' + ch : ch;
}

/** A literal character outside a class. */
function literal(ch: string, f: Flags): string {
  if (f.fold) {
    const vs = caseVariants(ch);
    if (vs.length > 1) return '[' + vs.map(escIn).join('') + ']';
  }
  return escOut(ch);
}

/** Parsed escape: a literal code point, or a class piece usable inside `[...]` and outside. */
type Esc = { kind: 'char'; ch: string; len: number } | { kind: 'class'; inClass: string; outClass: string; len: number } | { kind: 'assert'; src: string; len: number } | { kind: 'quote'; text: string; len: number };

function unicodeClass(name: string): string {
  if (name === 'Any') return 'Any';
  if (/^[A-Z][a-z]?$/.test(name)) return name;
  if (/^[A-Z][A-Za-z_]+$/.test(name)) return `Script=${name}`;
  throw new RegexSyntaxError(`invalid character class range: \`\\p{${name}}\``);
}

function parseEscape(p: string, i: number, inClass: boolean): Esc {
  const c = p[i + 1];
  if (c === undefined) throw new RegexSyntaxError('trailing backslash at end of expression: ``');
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
      return { kind: 'class', inClass: '\\' + c, outClass: '\\' + c, len: 2 };
    case 's':
      return { kind: 'class', inClass: '\\t\\n\\f\\r ', outClass: '[\\t\\n\\f\\r ]', len: 2 };
    case 'S':
      return { kind: 'class', inClass: '\\S', outClass: '[^\\t\\n\\f\\r ]', len: 2 };
    case 'b':
    case 'B':
      if (inClass) throw new RegexSyntaxError(`invalid escape sequence: \`\\${c}\``);
      return { kind: 'assert', src: '\\' + c, len: 2 };
    case 'A':
      if (inClass) throw new RegexSyntaxError('invalid escape sequence: `\\A`');
      return { kind: 'assert', src: '(?<![\\s\\S])', len: 2 };
    case 'z':
      if (inClass) throw new RegexSyntaxError('invalid escape sequence: `\\z`');
      return { kind: 'assert', src: '(?![\\s\\S])', len: 2 };
    case 'a':
      return { kind: 'char', ch: '\x07', len: 2 };
    case 'f':
      return { kind: 'char', ch: '\f', len: 2 };
    case 't':
      return { kind: 'char', ch: '\t', len: 2 };
    case 'n':
      return { kind: 'char', ch: '\n', len: 2 };
    case 'r':
      return { kind: 'char', ch: '\r', len: 2 };
    case 'v':
      return { kind: 'char', ch: '\v', len: 2 };
    case 'x': {
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        const hex = end < 0 ? '' : p.slice(i + 3, end);
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) throw new RegexSyntaxError(`invalid escape sequence: \`${p.slice(i, end < 0 ? p.length : end + 1)}\``);
        return { kind: 'char', ch: String.fromCodePoint(parseInt(hex, 16)), len: end - i + 1 };
      }
      const hex = p.slice(i + 2, i + 4);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new RegexSyntaxError(`invalid escape sequence: \`${p.slice(i, i + 4)}\``);
      return { kind: 'char', ch: String.fromCodePoint(parseInt(hex, 16)), len: 4 };
    }
    case 'p':
    case 'P': {
      let name: string;
      let len: number;
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        if (end < 0) throw new RegexSyntaxError(`invalid character class range: \`${p.slice(i)}\``);
        name = p.slice(i + 3, end);
        len = end - i + 1;
      } else {
        name = p[i + 2] ?? '';
        len = 3;
      }
      let neg = c === 'P';
      if (name.startsWith('^')) {
        neg = !neg;
        name = name.slice(1);
      }
      const piece = `\\${neg ? 'P' : 'p'}{${unicodeClass(name)}}`;
      return { kind: 'class', inClass: piece, outClass: piece, len };
    }
    case 'Q': {
      const end = p.indexOf('\\E', i + 2);
      const text = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
      return { kind: 'quote', text, len: end < 0 ? p.length - i : end - i + 2 };
    }
  }
  if (c >= '0' && c <= '7') {
    // Go: `\0`, or `\1`-`\7` followed by another octal digit, start an octal escape (≤ 3 digits);
    // a single `\1`-`\9` is a backreference, which RE2 does not support.
    if (c !== '0' && !(p[i + 2]! >= '0' && p[i + 2]! <= '7')) throw new RegexSyntaxError(`invalid escape sequence: \`\\${c}\``);
    let j = i + 1;
    let v = 0;
    while (j < i + 4 && p[j]! >= '0' && p[j]! <= '7') v = v * 8 + (p.charCodeAt(j++) - 48);
    return { kind: 'char', ch: String.fromCodePoint(v), len: j - i };
  }
  const cp = p.codePointAt(i + 1)!;
  if (/[A-Za-z0-9]/.test(c) || cp >= 0x80) throw new RegexSyntaxError(`invalid escape sequence: \`\\${String.fromCodePoint(cp)}\``);
  return { kind: 'char', ch: c, len: 2 };
}

/** Translates a Go class `[...]` at `start`; returns the JS class and the consumed length. */
function translateClass(p: string, start: number, f: Flags): [string, number] {
  let i = start + 1;
  let neg = false;
  if (p[i] === '^') {
    neg = true;
    i++;
  }
  const items: string[] = [];
  let posixNegated: string | undefined;
  let first = true;
  const addChar = (ch: string): void => {
    for (const v of f.fold ? caseVariants(ch) : [ch]) items.push(escIn(v));
  };
  const readChar = (): string | undefined => {
    // A single class member usable as a range endpoint, or undefined if the next item is not one.
    if (p[i] === '\\') {
      const e = parseEscape(p, i, true);
      if (e.kind !== 'char') return undefined;
      i += e.len;
      return e.ch;
    }
    const ch = String.fromCodePoint(p.codePointAt(i)!);
    i += ch.length;
    return ch;
  };
  while (i < p.length) {
    const ch = p[i]!;
    if (ch === ']' && !first) {
      let body = items.join('');
      if (posixNegated !== undefined) {
        if (items.length > 0) throw new RegexSyntaxError('negated POSIX classes are only supported alone in a class');
        body = posixNegated;
        neg = !neg;
      }
      return [`[${neg ? '^' : ''}${body}]`, i - start + 1];
    }
    first = false;
    if (ch === '[' && p[i + 1] === ':') {
      const end = p.indexOf(':]', i + 2);
      if (end < 0) throw new RegexSyntaxError('missing closing ]');
      let name = p.slice(i + 2, end);
      const negated = name.startsWith('^');
      if (negated) name = name.slice(1);
      const cls = POSIX[name];
      if (!cls) throw new RegexSyntaxError(`invalid character class range: \`[:${name}:]\``);
      const withFold = f.fold && (name === 'lower' || name === 'upper') ? 'A-Za-z' : cls;
      if (negated) posixNegated = withFold;
      else items.push(withFold);
      i = end + 2;
      continue;
    }
    if (ch === '\\') {
      const e = parseEscape(p, i, true);
      if (e.kind === 'class') {
        items.push(e.inClass);
        i += e.len;
        continue;
      }
      if (e.kind === 'quote') {
        for (const c of e.text) addChar(c);
        i += e.len;
        continue;
      }
    }
    const lo = readChar();
    if (lo === undefined) throw new RegexSyntaxError('invalid character class');
    if (p[i] === '-' && p[i + 1] !== ']' && i + 1 < p.length) {
      i++;
      const hi = readChar();
      if (hi === undefined) throw new RegexSyntaxError('invalid character class range');
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw new RegexSyntaxError(`invalid character class range: \`${lo}-${hi}\``);
      items.push(`${escIn(lo)}-${escIn(hi)}`);
      if (f.fold) {
        const a = lo.codePointAt(0)!;
        const b = hi.codePointAt(0)!;
        // ASCII letter parts of the range gain their other case.
        const addRange = (from: number, to: number, delta: number): void => {
          const s = Math.max(a, from);
          const t = Math.min(b, to);
          if (s <= t) items.push(`${String.fromCharCode(s + delta)}-${String.fromCharCode(t + delta)}`);
        };
        addRange(97, 122, -32);
        addRange(65, 90, 32);
        if (a <= 107 && b >= 107) items.push('\\u212a');
        if (a <= 115 && b >= 115) items.push('\\u017f');
      }
      continue;
    }
    addChar(lo);
  }
  throw new RegexSyntaxError(`missing closing ]: \`${p.slice(start)}\``);
}

interface Out {
  src: string;
  flags: Set<string>;
}

/** Translates a Go RE2 pattern body (unanchored) to a JS pattern body and RegExp flags. */
export function translateGoRegex(pattern: string): Out {
  let f: Flags = { fold: false, dotNL: true, multiLine: false };
  const stack: Flags[] = [];
  let out = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const ch = pattern[i]!;
    switch (ch) {
      case '\\': {
        const e = parseEscape(pattern, i, false);
        if (e.kind === 'char') out += literal(e.ch, f);
        else if (e.kind === 'class') out += e.outClass;
        else if (e.kind === 'assert') out += e.src;
        else for (const c of e.text) out += literal(c, f);
        i += e.len;
        continue;
      }
      case '[': {
        const [cls, len] = translateClass(pattern, i, f);
        out += cls;
        i += len;
        continue;
      }
      case '(': {
        if (pattern[i + 1] !== '?') {
          stack.push({ ...f });
          out += '(';
          i++;
          continue;
        }
        const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
        if (named) {
          stack.push({ ...f });
          out += `(?<${named[1]}>`;
          i += named[0].length;
          continue;
        }
        const fm = /^\(\?([imsU]*)(?:-([imsU]*))?(:|\))/.exec(pattern.slice(i));
        if (!fm || (fm[1] === '' && fm[2] === '' && fm[3] === ')')) {
          throw new RegexSyntaxError(`invalid or unsupported Perl syntax: \`${pattern.slice(i, i + 3)}\``);
        }
        const on = fm[1] ?? '';
        const off = fm[2] ?? '';
        if ((on + off).includes('U')) throw new RegexSyntaxError('invalid or unsupported Perl syntax: ungreedy flag `U`');
        const next: Flags = { ...f };
        for (const [set, v] of [
          [on, true],
          [off, false],
        ] as const) {
          if (set.includes('i')) next.fold = v;
          if (set.includes('s')) next.dotNL = v;
          if (set.includes('m')) next.multiLine = v;
        }
        if (fm[3] === ')') f = next;
        else {
          stack.push({ ...f });
          f = next;
          out += '(?:';
        }
        i += fm[0].length;
        continue;
      }
      case ')': {
        const prev = stack.pop();
        if (!prev) throw new RegexSyntaxError(`unexpected ): \`${pattern}\``);
        f = prev;
        out += ')';
        i++;
        continue;
      }
      case '.':
        out += f.dotNL ? '[\\s\\S]' : '[^\\n]';
        i++;
        continue;
      case '^':
        out += f.multiLine ? '(?<![^\\n])' : '(?<![\\s\\S])';
        i++;
        continue;
      case '$':
        out += f.multiLine ? '(?![^\\n])' : '(?![\\s\\S])';
        i++;
        continue;
      case '{': {
        // Go reads `{` as a literal unless it starts a valid repetition.
        const rm = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (rm) {
          if (Number(rm[1]) > 1000 || (rm[3] && Number(rm[3]) > 1000)) throw new RegexSyntaxError(`invalid repeat count: \`${rm[0]}\``);
          out += rm[0];
          i += rm[0].length;
        } else {
          out += '\\{';
          i++;
        }
        continue;
      }
      case '}':
      case ']':
      case '/':
        out += '\\' + ch;
        i++;
        continue;
      case '*':
      case '+':
      case '?':
      case '|':
        out += ch;
        i++;
        continue;
    }
    const c = String.fromCodePoint(pattern.codePointAt(i)!);
    out += literal(c, f);
    i += c.length;
  }
  if (stack.length > 0) throw new RegexSyntaxError(`missing closing ): \`${pattern}\``);
  return { src: out, flags: new Set(['u']) };
}

const cache = new Map<string, RegExp>();

/** Compiles a PromQL regex matcher value: fully anchored, Go semantics. Cached. */
export function compileAnchoredRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const { src, flags } = translateGoRegex(pattern);
  try {
    re = new RegExp(`^(?:${src})$`, [...flags].join(''));
  } catch (e) {
    throw new RegexSyntaxError(`error parsing regexp: ${(e as Error).message}`);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, re);
  return re;
}
