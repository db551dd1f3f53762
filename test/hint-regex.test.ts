import { describe, expect, it } from 'vitest';
import { formatPlan, regexPlan } from '../src/hint/index.js';

const plan = (re: string): string => formatPlan(regexPlan(re));

describe('regex → required trigrams', () => {
  it('turns small exact languages into full-value hints', () => {
    expect(plan('monarch')).toBe('value in {"monarch"}');
    expect(plan('a|b|c')).toBe('value in {"a", "b", "c"}');
    expect(plan('(?i)up')).toBe('value in {"UP", "Up", "uP", "up"}');
    expect(plan('f[oO]{2}')).toBe('value in {"fOO", "fOo", "foO", "foo"}');
    expect(plan('api-(1|2)')).toBe('value in {"api-1", "api-2"}');
    expect(plan('a^b')).toBe('value in {"ab"}'); // inner anchors over-approximated as empty
  });

  it('uses anchored trigrams at the pattern ends (PromQL regexes are fully anchored)', () => {
    expect(plan('mon.*')).toBe('"mon" AND "^mo" AND "^^m"');
    expect(plan('.*arch')).toBe('"arc" AND "ch$" AND "h$$" AND "rch"');
    expect(plan('.*nar.*')).toBe('"nar"');
    expect(plan('a.b')).toBe('"b$$" AND "^^a"');
    expect(plan('foo.*bar')).toBe('"ar$" AND "bar" AND "foo" AND "r$$" AND "^fo" AND "^^f"');
    expect(plan('foo|bar.*')).toBe('("bar" OR "foo") AND (("^ba" AND "^^b") OR ("^fo" AND "^^f"))');
  });

  it('handles repetition', () => {
    expect(plan('x{3,}')).toBe('"xxx" AND "x$$" AND "^xx" AND "^^x"');
    expect(plan('(ab)+')).toContain('"^^a"');
    expect(plan('(abc)?')).toBe('value in {"", "abc"}'.replace(/.*/, 'ALL')); // matches "": no pruning
  });

  it('does not prune what it cannot analyse', () => {
    for (const re of ['.*', '.+', '[a-z]+', '\\w+', '\\pL+', '[^a]*', 'a*', '(a|b)*', '(?P<x>.*)', '(?=a)', 'x\\1']) expect(plan(re), re).toBe('ALL');
  });

  it('works over code points', () => {
    expect(plan('😀.*')).toBe('"^^😀"');
    expect(plan('.*é日本')).toBe('"é日本" AND "日本$" AND "本$$"');
  });
});

// ---- direct soundness: every string the regex matches satisfies its plan ----
import { compileAnchoredRegex } from '../src/model/index.js';
import type { RegexPlan, TrigramQuery } from '../src/hint/index.js';
import { rng } from '../bench/lib-prng.js';

function paddedTrigrams(v: string): Set<string> {
  const c = ['\udc00', '\udc00', ...Array.from(v), '\udc01', '\udc01'];
  const out = new Set<string>();
  for (let i = 0; i + 3 <= c.length; i++) out.add(c[i]! + c[i + 1]! + c[i + 2]!);
  return out;
}
function satisfies(q: TrigramQuery, tri: Set<string>): boolean {
  if (q.op === 'all') return true;
  if (q.op === 'none') return false;
  if (q.op === 'and') return q.trigrams.every((t) => tri.has(t)) && q.subs.every((s) => satisfies(s, tri));
  return q.trigrams.some((t) => tri.has(t)) || q.subs.some((s) => satisfies(s, tri));
}
function admits(p: RegexPlan, v: string): boolean {
  if (p.kind === 'all') return true;
  if (p.kind === 'values') return p.values.includes(v);
  return satisfies(p.query, paddedTrigrams(v));
}

describe('regex plans are sound', () => {
  const tricky: [string, string[]][] = [
    ['[]a]b', [']b', 'ab']],
    ['[a-]x', ['-x', 'ax']],
    ['a{,2}', ['a{,2}']],
    ['x{2}y', ['xxy']],
    ['\\Q.*\\E', ['.*']],
    ['(?i)ſ', ['s', 'S', 'ſ']],
    ['(?i)k', ['k', 'K', '\u212a']],
    ['a(?i)b|c', ['ab', 'aB', 'c', 'C']],
    ['(?i:a)b', ['Ab', 'ab']],
    ['\\x41\\x{1F600}', ['A😀']],
    ['\\101', ['A']],
    ['[[:digit:]]x', ['1x']],
    ['(?s:.)', ['\n']],
    ['a\\.b', ['a.b']],
    ['(a|)b', ['b', 'ab']],
    ['a$|b', ['a', 'b']],
    ['(?P<n>ab)+', ['ab', 'abab']],
    ['\\d\\s\\d', ['1 2', '1\t2']],
    ['(?i)é', ['é', 'É']],
    ['a{2,4}', ['aa', 'aaa', 'aaaa']],
    ['(ab){2,}c', ['ababc', 'abababc']],
  ];
  for (const [re, values] of tricky) {
    it(`${re}`, () => {
      const p = regexPlan(re);
      const compiled = compileAnchoredRegex(re);
      for (const v of values) {
        expect(compiled.test(v), `${re} should match ${JSON.stringify(v)}`).toBe(true);
        expect(admits(p, v), `${re} plan ${formatPlan(p)} must admit ${JSON.stringify(v)}`).toBe(true);
      }
    });
  }

  it('random regexes × random strings (seeded)', () => {
    const r = rng(7);
    const alpha = ['a', 'b', 'A', 'k', 'K', 's', 'ſ', '1', '-', '.', 'é', '😀'];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const word = (n: number): string => Array.from({ length: n }, () => pick(alpha)).join('');
    const esc = (s: string): string => s.replace(/[.+*?()[\]{}|\\^$]/g, '\\$&');
    const flip = (s: string): string => Array.from(s, (c) => (r() < 0.5 ? c : r() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
    // Each generator returns a regex and a function sampling strings it (probably) matches.
    type G = { re: string; gen: () => string };
    const rep = (g: G, lo: number, hi: number): string => Array.from({ length: lo + Math.floor(r() * (hi - lo + 1)) }, g.gen).join('');
    const atom = (d: number): G => {
      const x = r();
      if (d > 2 || x < 0.35) {
        const w = word(1 + Math.floor(r() * 3));
        return { re: esc(w), gen: () => w };
      }
      if (x < 0.45) {
        const [re, gen] = pick<[string, () => string]>([
          ['.', () => word(1)],
          ['.*', () => word(Math.floor(r() * 4))],
          ['.+', () => word(1 + Math.floor(r() * 3))],
          ['\\d', () => String(Math.floor(r() * 10))],
          ['[ab]', () => pick(['a', 'b'])],
          ['[a-c1]', () => pick(['a', 'b', 'c', '1'])],
          ['[^a]', () => pick(['b', 'K', '😀', '-'])],
          ['^', () => ''],
          ['$', () => ''],
          ['\\b', () => ''],
          ['[[:alpha:]]', () => pick(['a', 'Z'])],
        ]);
        return { re, gen };
      }
      if (x < 0.6) {
        const a = expr(d + 1);
        const b = expr(d + 1);
        return { re: `(${a.re}|${b.re})`, gen: () => (r() < 0.5 ? a.gen() : b.gen()) };
      }
      if (x < 0.7) {
        const a = expr(d + 1);
        const [op, lo, hi] = pick<[string, number, number]>([['?', 0, 1], ['*', 0, 3], ['+', 1, 3], ['{2}', 2, 2], ['{1,3}', 1, 3], ['{2,}', 2, 4]]);
        return { re: `(${a.re})${op}`, gen: () => rep(a, lo, hi) };
      }
      if (x < 0.8) {
        const a = expr(d + 1);
        return { re: `(?i:${a.re})`, gen: () => flip(a.gen()) };
      }
      const w = word(1);
      return { re: esc(w), gen: () => w };
    };
    const expr = (d: number): G => {
      const parts = Array.from({ length: 1 + Math.floor(r() * 3) }, () => atom(d));
      return { re: parts.map((p) => p.re).join(''), gen: () => parts.map((p) => p.gen()).join('') };
    };
    let matched = 0;
    let pruning = 0;
    for (let i = 0; i < 1500; i++) {
      const fold = r() < 0.1;
      const g = expr(0);
      const re = (fold ? '(?i)' : '') + g.re;
      const compiled = compileAnchoredRegex(re);
      const p = regexPlan(re);
      if (p.kind !== 'all') pruning++;
      for (let j = 0; j < 30; j++) {
        const v = j < 20 ? (fold ? flip(g.gen()) : g.gen()) : word(Math.floor(r() * 7));
        if (!compiled.test(v)) continue;
        matched++;
        expect(admits(p, v), `${re} plan ${formatPlan(p)} must admit ${JSON.stringify(v)}`).toBe(true);
      }
    }
    expect(pruning).toBeGreaterThan(500);
    expect(matched).toBeGreaterThan(10_000);
  });
});
