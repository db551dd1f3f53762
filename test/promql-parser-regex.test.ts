/**
 * Go RE2 → JavaScript RegExp translation (src/model/regex.ts): anchored matching with Go's
 * semantics for flags, escapes, classes and the constructs RE2 rejects.
 */
import { describe, expect, it } from 'vitest';
import { compileAnchoredRegex, RegexSyntaxError } from '../src/model/index.js';

const m = (re: string, s: string): boolean => compileAnchoredRegex(re).test(s);

describe('Go regex translation', () => {
  it('is fully anchored and `.` matches newlines', () => {
    expect(m('foo', 'foo')).toBe(true);
    expect(m('foo', 'foobar')).toBe(false);
    expect(m('a|b', 'a')).toBe(true);
    expect(m('a|b', 'ab')).toBe(false);
    expect(m('.*', 'a\nb')).toBe(true);
    expect(m('', '')).toBe(true);
    expect(m('', 'x')).toBe(false);
  });
  it('case-insensitive flags, leading and in the middle (selectors.test)', () => {
    expect(m('(?i)foo', 'FoO')).toBe(true);
    expect(m('(?i:PRO).*', 'production')).toBe(true);
    expect(m('((?i)PRO).*', 'production')).toBe(true);
    expect(m('.*((?i)DUC).*', 'production')).toBe(true);
    expect(m('.*(?i:TION)', 'producTion')).toBe(true);
    expect(m('(?i:a)b', 'AB')).toBe(false);
    expect(m('(?i:[a-c]x)', 'BX')).toBe(true);
    expect(m('(?i)[^a]', 'A')).toBe(false);
    expect(m('(?i)(?-i:a)b', 'aB')).toBe(true);
    expect(m('(?i)(?-i:a)b', 'AB')).toBe(false);
  });
  it('escapes of punctuation are literals, including `-`, `]` and `}` outside classes', () => {
    expect(m('a\\-b', 'a-b')).toBe(true);
    expect(m('a\\#b', 'a#b')).toBe(true);
    expect(m('a]', 'a]')).toBe(true);
    expect(m('a}', 'a}')).toBe(true);
    expect(m('x{,3}', 'x{,3}')).toBe(true);
    expect(m('a{2}', 'aa')).toBe(true);
    expect(m('a/b', 'a/b')).toBe(true);
    expect(m('\\Qa.b*\\E', 'a.b*')).toBe(true);
    expect(m('\\Qa.b*\\E', 'axb')).toBe(false);
  });
  it('classes: Perl, POSIX, Unicode, negated, brackets', () => {
    expect(m('\\d+', '123')).toBe(true);
    expect(m('\\d', '٣')).toBe(false);
    expect(m('\\s', '\v')).toBe(false);
    expect(m('\\s', '\t')).toBe(true);
    expect(m('[[:alpha:]]+', 'abcXYZ')).toBe(true);
    expect(m('[[:digit:][:upper:]]+', '1A2B')).toBe(true);
    expect(m('[^[:space:]]+', 'ab')).toBe(true);
    expect(m('\\pL+', 'héllo')).toBe(true);
    expect(m('\\p{Greek}+', 'αβγ')).toBe(true);
    expect(m('\\PL', '1')).toBe(true);
    expect(m('\\p{Any}', 'x')).toBe(true);
    expect(m('[]a]+', ']a')).toBe(true);
    expect(m('[^]a]', 'b')).toBe(true);
    expect(m('[a-]+', 'a-')).toBe(true);
    expect(m('[\\d\\-x]+', '1-x')).toBe(true);
    expect(m('[\\s\\w]+', 'a b')).toBe(true);
  });
  it('hex, octal and special escapes', () => {
    expect(m('\\x41', 'A')).toBe(true);
    expect(m('\\x{1F600}', '😀')).toBe(true);
    expect(m('\\101', 'A')).toBe(true);
    expect(m('\\0', '\0')).toBe(true);
    expect(m('\\012', '\n')).toBe(true);
    expect(m('\\a\\f\\t\\n\\r\\v', '\x07\f\t\n\r\v')).toBe(true);
    expect(m('\\Aab\\z', 'ab')).toBe(true);
  });
  it('named groups and non-greedy repetition', () => {
    expect(m('(?P<x>a+)b', 'aab')).toBe(true);
    expect(m('(?<x>a+)b', 'aab')).toBe(true);
    expect(m('a+?b', 'aab')).toBe(true);
  });
  it('rejects what RE2 rejects', () => {
    for (const re of ['(', 'a)', '[a', 'a**', '\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', 'a{1001}', '\\Z', '\\e', '*a', '(?U)a']) {
      expect(() => compileAnchoredRegex(re), re).toThrow(RegexSyntaxError);
    }
  });
});
