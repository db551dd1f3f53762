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
