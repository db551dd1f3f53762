/**
 * A small parser for the Go RE2 syntax PromQL matchers use, producing only what trigram
 * analysis needs: sets of single characters, concatenation, alternation, repetition, and
 * zero-width assertions (folded to the empty string, which over-approximates them).
 *
 * The contract is one-sided: the language of the returned tree must CONTAIN the language of the
 * pattern as `compileAnchoredRegex` (src/model/regex.ts) runs it. Where this parser is unsure it
 * loses precision (`chars: null` = any one character) or throws `UnsupportedRegex`, and the caller
 * then does not prune at all. Case folding (`(?i)`) turns each letter into the set of its case
 * variants, the same variants regex.ts uses.
 */

export type RNode =
  | { op: 'empty' }
  /** One character from `cps`; `null` = any character (set too large or not enumerated). */
  | { op: 'chars'; cps: number[] | null }
  | { op: 'cat'; subs: RNode[] }
  | { op: 'alt'; subs: RNode[] }
  /** `max` -1 = unbounded. */
  | { op: 'rep'; sub: RNode; min: number; max: number };

export class UnsupportedRegex extends Error {}

/** Classes larger than this become "any character". */
const MAX_CLASS = 32;
const MAX_CP = 0x10ffff;

const FOLD_EXTRA: Record<string, string> = { k: '\u212a', s: '\u017f', K: '\u212a', S: '\u017f', '\u212a': 'kK', '\u017f': 'sS' };

/** Case variants of a code point (the orbit regex.ts uses, plus the other case of it). */
function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) if ([...v].length === 1) out.add(v.codePointAt(0)!);
  for (const x of [ch, ch.toLowerCase(), ch.toUpperCase()]) for (const c of FOLD_EXTRA[x] ?? '') out.add(c.codePointAt(0)!);
  // Variants of variants (e.g. K → k → K-sign).
  for (const v of [...out]) for (const c of FOLD_EXTRA[String.fromCodePoint(v)] ?? '') out.add(c.codePointAt(0)!);
  return [...out];
}

const POSIX: Record<string, [number, number][]> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 0x7f]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [97, 122], [95, 95]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
};

/** A class under construction: ranges, or unknown (contains something not enumerated). */
interface ClassAcc {
  ranges: [number, number][];
  unknown: boolean;
}

function finishClass(acc: ClassAcc, negated: boolean, fold: boolean): RNode {
  if (acc.unknown || negated) return { op: 'chars', cps: null };
  let size = 0;
  for (const [a, b] of acc.ranges) size += b - a + 1;
  if (size > MAX_CLASS) return { op: 'chars', cps: null };
  const set = new Set<number>();
  for (const [a, b] of acc.ranges) for (let c = a; c <= b; c++) for (const v of fold ? caseVariants(c) : [c]) set.add(v);
  for (const c of set) if (c >= 0xd800 && c <= 0xdfff) return { op: 'chars', cps: null };
  if (set.size > MAX_CLASS * 3) return { op: 'chars', cps: null };
  return { op: 'chars', cps: [...set].sort((x, y) => x - y) };
}

function charNode(cp: number, fold: boolean): RNode {
  if (cp >= 0xd800 && cp <= 0xdfff) return { op: 'chars', cps: null };
  return { op: 'chars', cps: fold ? caseVariants(cp).sort((x, y) => x - y) : [cp] };
}

type Escape = { kind: 'char'; cp: number; len: number } | { kind: 'class'; acc: ClassAcc; negated: boolean; len: number } | { kind: 'assert'; len: number } | { kind: 'quote'; text: string; len: number };

function parseEscape(p: string, i: number): Escape {
  const c = p[i + 1];
  if (c === undefined) throw new UnsupportedRegex('trailing backslash');
  switch (c) {
    case 'd':
      return { kind: 'class', acc: { ranges: [[48, 57]], unknown: false }, negated: false, len: 2 };
    case 's':
      return { kind: 'class', acc: { ranges: [[9, 10], [12, 13], [32, 32]], unknown: false }, negated: false, len: 2 };
    case 'D':
    case 'S':
    case 'w':
    case 'W':
      return { kind: 'class', acc: { ranges: [], unknown: true }, negated: false, len: 2 };
    case 'p':
    case 'P': {
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        if (end < 0) throw new UnsupportedRegex('bad \\p');
        return { kind: 'class', acc: { ranges: [], unknown: true }, negated: false, len: end - i + 1 };
      }
      return { kind: 'class', acc: { ranges: [], unknown: true }, negated: false, len: 3 };
    }
    case 'b':
    case 'B':
    case 'A':
    case 'z':
      return { kind: 'assert', len: 2 };
    case 'a':
      return { kind: 'char', cp: 7, len: 2 };
    case 'f':
      return { kind: 'char', cp: 12, len: 2 };
    case 't':
      return { kind: 'char', cp: 9, len: 2 };
    case 'n':
      return { kind: 'char', cp: 10, len: 2 };
    case 'r':
      return { kind: 'char', cp: 13, len: 2 };
    case 'v':
      return { kind: 'char', cp: 11, len: 2 };
    case 'x': {
      if (p[i + 2] === '{') {
        const end = p.indexOf('}', i + 3);
        const hex = end < 0 ? '' : p.slice(i + 3, end);
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || parseInt(hex, 16) > MAX_CP) throw new UnsupportedRegex('bad \\x{}');
        return { kind: 'char', cp: parseInt(hex, 16), len: end - i + 1 };
      }
      const hex = p.slice(i + 2, i + 4);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new UnsupportedRegex('bad \\x');
      return { kind: 'char', cp: parseInt(hex, 16), len: 4 };
    }
    case 'Q': {
      const end = p.indexOf('\\E', i + 2);
      const text = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
      return { kind: 'quote', text, len: end < 0 ? p.length - i : end - i + 2 };
    }
  }
  if (c >= '0' && c <= '7') {
    if (c !== '0' && !(p[i + 2]! >= '0' && p[i + 2]! <= '7')) throw new UnsupportedRegex('backreference');
    let j = i + 1;
    let v = 0;
    while (j < i + 4 && p[j]! >= '0' && p[j]! <= '7') v = v * 8 + (p.charCodeAt(j++) - 48);
    return { kind: 'char', cp: v, len: j - i };
  }
  const cp = p.codePointAt(i + 1)!;
  if (/[A-Za-z0-9]/.test(c) || cp >= 0x80) throw new UnsupportedRegex('bad escape');
  return { kind: 'char', cp, len: 2 };
}

interface Flags {
  fold: boolean;
}

class Parser {
  i = 0;
  flags: Flags = { fold: false };
  constructor(readonly p: string) {}

  parseAlt(): RNode {
    const subs: RNode[] = [this.parseCat()];
    while (this.p[this.i] === '|') {
      this.i++;
      subs.push(this.parseCat());
    }
    return subs.length === 1 ? subs[0]! : { op: 'alt', subs };
  }

  parseCat(): RNode {
    const subs: RNode[] = [];
    const p = this.p;
    while (this.i < p.length && p[this.i] !== '|' && p[this.i] !== ')') {
      let atom = this.parseAtom();
      if (atom === undefined) continue; // a flag group `(?i)`
      for (;;) {
        const ch = p[this.i];
        let min: number;
        let max: number;
        if (ch === '*') [min, max] = [0, -1];
        else if (ch === '+') [min, max] = [1, -1];
        else if (ch === '?') [min, max] = [0, 1];
        else if (ch === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(this.i));
          if (!m) break;
          min = Number(m[1]);
          max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
          this.i += m[0].length - 1;
        } else break;
        this.i++;
        if (p[this.i] === '?') this.i++; // non-greedy: same language
        atom = { op: 'rep', sub: atom, min, max };
      }
      subs.push(atom);
    }
    return subs.length === 1 ? subs[0]! : subs.length === 0 ? { op: 'empty' } : { op: 'cat', subs };
  }

  /** One atom, or undefined for a flag-setting group. */
  parseAtom(): RNode | undefined {
    const p = this.p;
    const ch = p[this.i]!;
    switch (ch) {
      case '(': {
        const saved = { ...this.flags };
        if (p[this.i + 1] === '?') {
          const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(p.slice(this.i));
          if (named) this.i += named[0].length;
          else {
            const fm = /^\(\?([imsU]*)(?:-([imsU]*))?(:|\))/.exec(p.slice(this.i));
            if (!fm) throw new UnsupportedRegex('group syntax');
            if ((fm[1] ?? '').includes('U') || (fm[2] ?? '').includes('U')) throw new UnsupportedRegex('ungreedy');
            if ((fm[1] ?? '').includes('i')) this.flags.fold = true;
            if ((fm[2] ?? '').includes('i')) this.flags.fold = false;
            this.i += fm[0].length;
            if (fm[3] === ')') return undefined; // flags apply to the rest of the enclosing group
          }
        } else this.i++;
        const inner = this.parseAlt();
        if (p[this.i] !== ')') throw new UnsupportedRegex('missing )');
        this.i++;
        this.flags = saved;
        return inner;
      }
      case '[':
        return this.parseClass();
      case '.':
        this.i++;
        return { op: 'chars', cps: null };
      case '^':
      case '$':
        this.i++;
        return { op: 'empty' };
      case '\\': {
        const e = parseEscape(p, this.i);
        this.i += e.len;
        if (e.kind === 'char') return charNode(e.cp, this.flags.fold);
        if (e.kind === 'assert') return { op: 'empty' };
        if (e.kind === 'class') return finishClass(e.acc, e.negated, this.flags.fold);
        const subs = [...e.text].map((c) => charNode(c.codePointAt(0)!, this.flags.fold));
        return subs.length === 0 ? { op: 'empty' } : { op: 'cat', subs };
      }
      case '*':
      case '+':
      case '?':
        throw new UnsupportedRegex('missing argument to repetition');
      case '{':
        if (/^\{(\d+)(,(\d*))?\}/.test(p.slice(this.i))) throw new UnsupportedRegex('missing argument to repetition');
        this.i++;
        return charNode(123, this.flags.fold);
    }
    const cp = p.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return charNode(cp, this.flags.fold);
  }

  parseClass(): RNode {
    const p = this.p;
    const start = this.i;
    let i = start + 1;
    let negated = false;
    if (p[i] === '^') {
      negated = true;
      i++;
    }
    const acc: ClassAcc = { ranges: [], unknown: false };
    let first = true;
    const readChar = (): number | undefined => {
      if (p[i] === '\\') {
        const e = parseEscape(p, i);
        if (e.kind !== 'char') return undefined;
        i += e.len;
        return e.cp;
      }
      const cp = p.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      return cp;
    };
    while (i < p.length) {
      const ch = p[i]!;
      if (ch === ']' && !first) {
        this.i = i + 1;
        return finishClass(acc, negated, this.flags.fold);
      }
      first = false;
      if (ch === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        if (end < 0) throw new UnsupportedRegex('bad POSIX class');
        let name = p.slice(i + 2, end);
        const neg = name.startsWith('^');
        if (neg) name = name.slice(1);
        const r = POSIX[name];
        if (!r) throw new UnsupportedRegex('bad POSIX class');
        if (neg) acc.unknown = true;
        else acc.ranges.push(...r);
        i = end + 2;
        continue;
      }
      if (ch === '\\') {
        const e = parseEscape(p, i);
        if (e.kind === 'class') {
          if (e.acc.unknown || e.negated) acc.unknown = true;
          else acc.ranges.push(...e.acc.ranges);
          i += e.len;
          continue;
        }
        if (e.kind === 'quote') {
          for (const c of e.text) acc.ranges.push([c.codePointAt(0)!, c.codePointAt(0)!]);
          i += e.len;
          continue;
        }
        if (e.kind === 'assert') throw new UnsupportedRegex('assertion in class');
      }
      const lo = readChar();
      if (lo === undefined) throw new UnsupportedRegex('bad class');
      if (p[i] === '-' && p[i + 1] !== ']' && i + 1 < p.length) {
        i++;
        const hi = readChar();
        if (hi === undefined || hi < lo) throw new UnsupportedRegex('bad class range');
        acc.ranges.push([lo, hi]);
        continue;
      }
      acc.ranges.push([lo, lo]);
    }
    throw new UnsupportedRegex('missing ]');
  }
}

/** Parses a PromQL regex body (anchoring is implied by the caller). Throws UnsupportedRegex. */
export function parseRegex(pattern: string): RNode {
  const ps = new Parser(pattern);
  const node = ps.parseAlt();
  if (ps.i !== pattern.length) throw new UnsupportedRegex('unexpected )');
  return node;
}
