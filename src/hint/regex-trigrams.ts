/**
 * Required-trigram queries for PromQL regex matchers, after Russ Cox, "Regular Expression
 * Matching with a Trigram Index" (google/codesearch index/regexp.go).
 *
 * For each node of the regex tree we compute
 *   canEmpty  — may match "";
 *   exact     — the exact set of matched strings, when small (else null);
 *   prefix / suffix — every match starts with one of `prefix` / ends with one of `suffix`;
 *   match     — a trigram query every string containing a match satisfies;
 * and combine them bottom-up (concatenation, alternation, repetition). PromQL regexes are fully
 * anchored and leaf hints are the trigrams of the value padded with two begin and two end
 * sentinels, so the top level analyses `BB · re · EE`: `mon.*` requires `^^m ^mo mon`.
 *
 * Differences from codesearch: exact sets are kept while they have ≤ MAX_EXACT strings whatever
 * their length, so a regex with a small exact language (`a|b|c`, `(?i)up`) becomes an OR of
 * full-value hints, which is sharper than trigrams. Strings are JS strings of whole code points;
 * the sentinels are lone low surrogates, which never occur in label values (valid UTF-8) and which
 * the parser never produces. Whatever the parser cannot analyse yields `all` (no pruning).
 */
import { BEGIN_CP, END_CP } from './hint-derive.js';
import { parseRegex, UnsupportedRegex, type RNode } from './regex-parse.js';

/** A trigram is a 3-code-point string; `B`/`E` stand for the begin/end sentinels. */
export const B = '\udc00';
export const E = '\udc01';

export type TrigramQuery = { op: 'all' } | { op: 'none' } | { op: 'and' | 'or'; trigrams: string[]; subs: TrigramQuery[] };

/** What a regex matcher requires of a leaf's hints for `name`. */
export type RegexPlan =
  /** Cannot prune. */
  | { kind: 'all' }
  /** The value is one of these: OR of full-value hints (empty list = matches nothing). */
  | { kind: 'values'; values: string[] }
  /** The value's padded trigrams satisfy `query`. */
  | { kind: 'trigrams'; query: TrigramQuery };

const ALL: TrigramQuery = { op: 'all' };
const NONE: TrigramQuery = { op: 'none' };
const MAX_EXACT = 16;
const MAX_SET = 20;
/** Bound on the number of trigram leaves in one query (beyond it: that part becomes ALL). */
const MAX_QUERY_TRIGRAMS = 512;

interface Info {
  canEmpty: boolean;
  exact: string[] | null;
  prefix: string[];
  suffix: string[];
  match: TrigramQuery;
}

// ---- string sets (code-point strings) ----

function cps(s: string): string[] {
  return Array.from(s);
}
function cpLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
function clean(s: string[]): string[] {
  return [...new Set(s)].sort();
}
function union(a: string[], b: string[]): string[] {
  return clean([...a, ...b]);
}
function cross(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return clean(out);
}
function minLen(s: string[]): number {
  if (s.length === 0) return 0;
  let m = Infinity;
  for (const x of s) m = Math.min(m, cpLen(x));
  return m;
}

// ---- queries ----

function countTrigrams(q: TrigramQuery): number {
  if (q.op === 'all' || q.op === 'none') return 0;
  let n = q.trigrams.length;
  for (const s of q.subs) n += countTrigrams(s);
  return n;
}

function combine(op: 'and' | 'or', a: TrigramQuery, b: TrigramQuery): TrigramQuery {
  const zero = op === 'and' ? 'none' : 'all'; // absorbing
  const one = op === 'and' ? 'all' : 'none'; // neutral
  if (a.op === zero || b.op === zero) return op === 'and' ? NONE : ALL;
  if (a.op === one) return b;
  if (b.op === one) return a;
  const trigrams: string[] = [];
  const subs: TrigramQuery[] = [];
  for (const q of [a, b]) {
    if (q.op === 'all' || q.op === 'none') continue;
    if (q.op === op || (q.trigrams.length === 1 && q.subs.length === 0)) {
      trigrams.push(...q.trigrams);
      subs.push(...q.subs);
    } else subs.push(q);
  }
  const out: TrigramQuery = { op, trigrams: clean(trigrams), subs };
  // Keep queries bounded: an oversized AND can drop parts (weaker, still sound); an oversized OR
  // cannot, so it gives up.
  if (countTrigrams(out) > MAX_QUERY_TRIGRAMS) return op === 'and' ? (countTrigrams(a) >= countTrigrams(b) ? a : b) : ALL;
  return out;
}
const and = (a: TrigramQuery, b: TrigramQuery): TrigramQuery => combine('and', a, b);
const or = (a: TrigramQuery, b: TrigramQuery): TrigramQuery => combine('or', a, b);

/** q AND (OR over s in t of (AND of the trigrams of s)); no-op if some string is shorter than 3. */
function andTrigrams(q: TrigramQuery, t: string[]): TrigramQuery {
  if (minLen(t) < 3) return q;
  let acc: TrigramQuery = NONE;
  for (const s of t) {
    const c = cps(s);
    const tri: string[] = [];
    for (let i = 0; i + 3 <= c.length; i++) tri.push(c[i]! + c[i + 1]! + c[i + 2]!);
    acc = or(acc, { op: 'and', trigrams: clean(tri), subs: [] });
  }
  return and(q, acc);
}

// ---- infos ----

const emptyString = (): Info => ({ canEmpty: true, exact: [''], prefix: [], suffix: [], match: ALL });
const anyChar = (): Info => ({ canEmpty: false, exact: null, prefix: [''], suffix: [''], match: ALL });
const anyMatch = (): Info => ({ canEmpty: true, exact: null, prefix: [''], suffix: [''], match: ALL });

function addExact(info: Info): void {
  if (info.exact) info.match = andTrigrams(info.match, info.exact);
}

function simplifySet(info: Info, which: 'prefix' | 'suffix'): void {
  let t = clean(info[which]);
  info.match = andTrigrams(info.match, t);
  const isSuffix = which === 'suffix';
  for (let n = 3; n === 3 || t.length > MAX_SET; n--) {
    t = clean(
      t.map((s) => {
        const c = cps(s);
        if (c.length < n) return s;
        return (isSuffix ? c.slice(c.length - n + 1) : c.slice(0, n - 1)).join('');
      }),
    );
    if (n <= 0) break;
  }
  info[which] = t;
}

function simplify(info: Info, force: boolean): Info {
  if (info.exact) {
    info.exact = clean(info.exact);
    if (info.exact.length > MAX_EXACT || (force && minLen(info.exact) >= 3)) {
      addExact(info);
      info.prefix = [...info.prefix];
      info.suffix = [...info.suffix];
      for (const s of info.exact) {
        const c = cps(s);
        if (c.length < 3) {
          info.prefix.push(s);
          info.suffix.push(s);
        } else {
          info.prefix.push(c.slice(0, 2).join(''));
          info.suffix.push(c.slice(c.length - 2).join(''));
        }
      }
      info.exact = null;
    }
  }
  if (!info.exact) {
    simplifySet(info, 'prefix');
    simplifySet(info, 'suffix');
  }
  return info;
}

function concat(x: Info, y: Info): Info {
  const xy: Info = { canEmpty: x.canEmpty && y.canEmpty, exact: null, prefix: [], suffix: [], match: and(x.match, y.match) };
  if (x.exact && y.exact) xy.exact = cross(x.exact, y.exact);
  else {
    if (x.exact) xy.prefix = cross(x.exact, y.prefix);
    else {
      xy.prefix = x.prefix;
      if (x.canEmpty) xy.prefix = union(xy.prefix, y.prefix);
    }
    if (y.exact) xy.suffix = cross(x.suffix, y.exact);
    else {
      xy.suffix = y.suffix;
      if (y.canEmpty) xy.suffix = union(xy.suffix, x.suffix);
    }
  }
  // A trigram spanning the boundary: some string of x.suffix × y.prefix occurs in every match.
  if (!x.exact && !y.exact && x.suffix.length <= MAX_SET && y.prefix.length <= MAX_SET && minLen(x.suffix) + minLen(y.prefix) >= 3) {
    xy.match = andTrigrams(xy.match, cross(x.suffix, y.prefix));
  }
  return simplify(xy, false);
}

function alternate(x: Info, y: Info): Info {
  const xy: Info = { canEmpty: x.canEmpty || y.canEmpty, exact: null, prefix: [], suffix: [], match: ALL };
  if (x.exact && y.exact) xy.exact = union(x.exact, y.exact);
  else if (x.exact) {
    xy.prefix = union(x.exact, y.prefix);
    xy.suffix = union(x.exact, y.suffix);
    addExact(x);
  } else if (y.exact) {
    xy.prefix = union(x.prefix, y.exact);
    xy.suffix = union(x.suffix, y.exact);
    addExact(y);
  } else {
    xy.prefix = union(x.prefix, y.prefix);
    xy.suffix = union(x.suffix, y.suffix);
  }
  xy.match = or(x.match, y.match);
  return simplify(xy, false);
}

function plus(x: Info): Info {
  if (x.exact) {
    x.prefix = x.exact;
    x.suffix = [...x.exact];
    x.exact = null;
  }
  return simplify(x, false);
}

function analyze(n: RNode): Info {
  switch (n.op) {
    case 'empty':
      return emptyString();
    case 'chars':
      if (n.cps === null) return anyChar();
      return simplify({ canEmpty: false, exact: n.cps.map((c) => String.fromCodePoint(c)), prefix: [], suffix: [], match: ALL }, false);
    case 'cat': {
      let info = emptyString();
      for (const s of n.subs) info = concat(info, analyze(s));
      return info;
    }
    case 'alt': {
      let info = analyze(n.subs[0]!);
      for (const s of n.subs.slice(1)) info = alternate(info, analyze(s));
      return info;
    }
    case 'rep': {
      const { min, max } = n;
      if (max === 0) return emptyString();
      if (min === 0) return max === 1 ? alternate(analyze(n.sub), emptyString()) : anyMatch();
      if (max === min && min <= 8) {
        let info = analyze(n.sub);
        for (let i = 1; i < min; i++) info = concat(info, analyze(n.sub));
        return info;
      }
      // x{m,n} ⊆ x^c · x+ for any c ≤ m-1.
      let info = emptyString();
      for (let i = 0; i < Math.min(min - 1, 3); i++) info = concat(info, analyze(n.sub));
      return concat(info, plus(analyze(n.sub)));
    }
  }
}

/** The plan for regex matcher value `pattern` (fully anchored, Go RE2 syntax). Never throws. */
export function regexPlan(pattern: string): RegexPlan {
  let node: RNode;
  try {
    node = parseRegex(pattern);
  } catch (e) {
    if (e instanceof UnsupportedRegex) return { kind: 'all' };
    throw e;
  }
  const info = analyze(node);
  if (info.exact) {
    const values = clean(info.exact);
    return values.includes('') ? { kind: 'all' } : { kind: 'values', values };
  }
  let padded = concat({ canEmpty: false, exact: [B + B], prefix: [], suffix: [], match: ALL }, info);
  padded = concat(padded, { canEmpty: false, exact: [E + E], prefix: [], suffix: [], match: ALL });
  simplify(padded, true);
  addExact(padded);
  const q = padded.match;
  if (q.op === 'all') return { kind: 'all' };
  if (q.op === 'none') return { kind: 'values', values: [] };
  return { kind: 'trigrams', query: q };
}

/** A trigram string → its three code points (sentinels mapped to BEGIN_CP / END_CP). */
export function trigramCodePoints(t: string): [number, number, number] {
  const c = cps(t).map((ch) => (ch === B ? BEGIN_CP : ch === E ? END_CP : ch.codePointAt(0)!));
  return [c[0]!, c[1]!, c[2]!];
}

/** Readable form: `^^m ^mo mon`, `(a|b)`, `ALL`, `values{x,y}`. */
export function formatTrigram(t: string): string {
  return cps(t)
    .map((ch) => (ch === B ? '^' : ch === E ? '$' : ch))
    .join('');
}

export function formatQuery(q: TrigramQuery): string {
  if (q.op === 'all') return 'ALL';
  if (q.op === 'none') return 'NONE';
  const parts = [...q.trigrams.map((t) => JSON.stringify(formatTrigram(t))), ...q.subs.map((s) => `(${formatQuery(s)})`)];
  return parts.join(q.op === 'and' ? ' AND ' : ' OR ');
}

export function formatPlan(p: RegexPlan): string {
  if (p.kind === 'all') return 'ALL';
  if (p.kind === 'values') return `value in {${p.values.map((v) => JSON.stringify(v)).join(', ')}}`;
  return formatQuery(p.query);
}
