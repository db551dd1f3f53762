/**
 * Go RE2 regular expressions (the dialect PromQL uses) translated to JavaScript RegExp, fully
 * anchored as Prometheus does (`^(?s:re)$`: `.` also matches newline). Translation is done on a
 * token stream so that escapes, character classes and flags keep Go's meaning:
 *  - `(?i)`, `(?s)`, `(?m)` flag groups at the start of the pattern become RegExp flags; `(?i:…)`
 *    in the middle is expanded by case-folding literal letters inside it;
 *  - POSIX classes `[[:alpha:]]`, Perl classes, `\pL` / `\p{Greek}`, `\z`, `\A`, `\Q…\E`;
 *  - `(?P<name>…)` named groups.
 * Unsupported constructs raise RegexSyntaxError with the offending position.
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

const SYNTAX = new Set('^$\\.*+?()[]{}|/-'.split(''));

function escapeLiteral(ch: string, inClass: boolean): string {
  if (SYNTAX.has(ch)) return '\\' + ch;
  if (!inClass && ch === '-') return ch;
  return ch;
}

function foldCase(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  if (lo === up || lo.length !== 1 || up.length !== 1) return escapeLiteral(ch, false);
  return `[${lo}${up}]`;
}

interface Out {
  src: string;
  flags: Set<string>;
}

/** Translates a Go RE2 pattern body (unanchored) to a JS pattern body and flags. */
export function translateGoRegex(pattern: string): Out {
  const flags = new Set<string>(['u', 's']);
  let i = 0;
  // Leading flag groups apply to the whole pattern.
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i') flags.add('i');
      else if (f === 'm') flags.add('m');
      else if (f === 's') flags.add('s');
      else throw new RegexSyntaxError('flag U (ungreedy) is not supported');
    }
    i += m[0].length;
  }
  let out = '';
  const foldStack: boolean[] = [];
  let fold = false;
  const n = pattern.length;
  while (i < n) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const [piece, len] = translateEscape(pattern, i, false);
      out += fold && piece.length === 1 ? foldCase(piece) : piece;
      i += len;
      continue;
    }
    if (ch === '[') {
      const [piece, len] = translateClass(pattern, i);
      out += piece;
      i += len;
      continue;
    }
    if (ch === '(') {
      if (pattern.startsWith('(?P<', i)) {
        out += '(?<';
        i += 4;
        foldStack.push(fold);
        continue;
      }
      const fm = /^\(\?([imsU]*)(?:-([imsU]*))?(:|\))/.exec(pattern.slice(i));
      if (fm && pattern[i + 1] === '?' && !pattern.startsWith('(?:', i) && !pattern.startsWith('(?<', i)) {
        const on = fm[1] ?? '';
        const off = fm[2] ?? '';
        if (/[msU]/.test(on + off)) {
          if (/U/.test(on + off)) throw new RegexSyntaxError('flag U (ungreedy) is not supported');
          // s is always on (Prometheus wraps in (?s:)); m in the middle is rare: approximate by ignoring.
        }
        const newFold: boolean = on.includes('i') ? true : off.includes('i') ? false : fold;
        if (fm[3] === ')') {
          fold = newFold; // applies to the rest of the current group
          i += fm[0].length;
          continue;
        }
        foldStack.push(fold);
        fold = newFold;
        out += '(?:';
        i += fm[0].length;
        continue;
      }
      foldStack.push(fold);
      out += ch;
      i++;
      continue;
    }
    if (ch === ')') {
      fold = foldStack.pop() ?? false;
      out += ch;
      i++;
      continue;
    }
    if (ch === '{') {
      // Go treats `{` that does not start a valid repetition as a literal.
      const rm = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (rm) {
        if (Number(rm[1]) > 1000 || (rm[3] && Number(rm[3]) > 1000)) throw new RegexSyntaxError(`invalid repeat count: ${rm[0]}`);
        out += rm[0];
        i += rm[0].length;
      } else {
        out += '\\{';
        i++;
      }
      continue;
    }
    if (ch === '}') {
      out += '\\}';
      i++;
      continue;
    }
    if (ch === '/') {
      out += '\\/';
      i++;
      continue;
    }
    out += fold ? foldCase(ch) : ch;
    i++;
  }
  if (foldStack.length > 0) throw new RegexSyntaxError('missing closing )');
  return { src: out, flags };
}

const PERL_CLASSES = new Set(['d', 'D', 's', 'S', 'w', 'W']);

function translateEscape(p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i + 1];
  if (c === undefined) throw new RegexSyntaxError('trailing backslash at end of expression');
  if (PERL_CLASSES.has(c)) {
    if (c === 's') return ['[\\t\\n\\f\\r ]', 2];
    if (c === 'S') return ['[^\\t\\n\\f\\r ]', 2];
    return ['\\' + c, 2];
  }
  if (c === 'z') return ['(?![\\s\\S])', 2];
  if (c === 'A') return ['(?<![\\s\\S])', 2];
  if (c === 'b' || c === 'B') return ['\\' + c, 2];
  if ('tnrfv'.includes(c)) return ['\\' + c, 2];
  if (c === 'a') return ['\\x07', 2];
  if (c === 'x') {
    if (p[i + 2] === '{') {
      const end = p.indexOf('}', i);
      if (end < 0) throw new RegexSyntaxError('invalid escape sequence: \\x{');
      return ['\\u{' + p.slice(i + 3, end) + '}', end - i + 1];
    }
    return ['\\x' + p.slice(i + 2, i + 4), 4];
  }
  if (c === 'p' || c === 'P') {
    if (p[i + 2] === '{') {
      const end = p.indexOf('}', i);
      if (end < 0) throw new RegexSyntaxError('invalid character class range');
      const name = p.slice(i + 3, end);
      return [`\\${c}{${unicodeClass(name)}}`, end - i + 1];
    }
    return [`\\${c}{${unicodeClass(p[i + 2] ?? '')}}`, 3];
  }
  if (c === 'Q') {
    const end = p.indexOf('\\E', i + 2);
    const lit = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
    const len = end < 0 ? p.length - i : end - i + 2;
    return [[...lit].map((x) => escapeLiteral(x, inClass)).join(''), len];
  }
  if (/[0-9]/.test(c)) {
    if (c === '0') return ['\\x00', 2];
    throw new RegexSyntaxError(`invalid escape sequence: \\${c}`);
  }
  if (/[A-Za-z]/.test(c)) throw new RegexSyntaxError(`invalid escape sequence: \\${c}`);
  return [escapeLiteral(c, inClass), 2];
}

function unicodeClass(name: string): string {
  const map: Record<string, string> = { L: 'L', Lu: 'Lu', Ll: 'Ll', N: 'N', Nd: 'Nd', P: 'P', S: 'S', Z: 'Z', M: 'M', C: 'C' };
  if (map[name]) return map[name]!;
  if (/^[A-Z][a-z_]+$/.test(name)) return `Script=${name}`;
  throw new RegexSyntaxError(`invalid character class range: \\p{${name}}`);
}

function translateClass(p: string, start: number): [string, number] {
  let i = start + 1;
  let out = '[';
  if (p[i] === '^') {
    out += '^';
    i++;
  }
  let first = true;
  while (i < p.length) {
    const ch = p[i]!;
    if (ch === ']' && !first) {
      return [out + ']', i - start + 1];
    }
    first = false;
    if (ch === '[' && p[i + 1] === ':') {
      const end = p.indexOf(':]', i + 2);
      if (end < 0) throw new RegexSyntaxError('missing closing ]');
      let name = p.slice(i + 2, end);
      const neg = name.startsWith('^');
      if (neg) name = name.slice(1);
      const cls = POSIX[name];
      if (!cls) throw new RegexSyntaxError(`invalid character class range: [:${name}:]`);
      if (neg) throw new RegexSyntaxError('negated POSIX classes are not supported');
      out += cls;
      i = end + 2;
      continue;
    }
    if (ch === '\\') {
      const [piece, len] = translateEscape(p, i, true);
      out += piece.startsWith('[') && piece.endsWith(']') && piece.length > 2 ? piece.slice(1, -1).replace(/^\^/, '') : piece;
      i += len;
      continue;
    }
    if (ch === '[') {
      out += '\\[';
      i++;
      continue;
    }
    out += ch === '-' || ch === '^' ? ch : escapeLiteral(ch, true);
    i++;
  }
  throw new RegexSyntaxError('missing closing ]');
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
