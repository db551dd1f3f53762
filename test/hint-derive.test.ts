import { describe, expect, it } from 'vitest';
import { decodeFingerprints, deriveHints, describeTrigrams, encodeFingerprints, hintSeed, trigramHint, valueHint, BEGIN_CP, END_CP } from '../src/hint/index.js';

describe('hint derivation', () => {
  it('cuts anchored trigrams as Monarch does', () => {
    expect(describeTrigrams('monarch').join(' ')).toBe('^^m ^mo mon ona nar arc rch ch$ h$$');
    expect(describeTrigrams('a')).toEqual(['^^a', '^a$', 'a$$']);
  });

  it('works over code points, not UTF-16 units', () => {
    expect(describeTrigrams('😀é')).toEqual(['^^😀', '^😀é', '😀é$', 'é$$']);
  });

  it('gives the value hint plus deduplicated trigrams; none for the empty value', () => {
    const seed = hintSeed('t', 'job');
    const hs = deriveHints(seed, 'monarch');
    expect(hs.length).toBe(1 + 9);
    expect(hs[0]).toBe(valueHint(seed, 'monarch'));
    expect(new Set(hs).size).toBe(hs.length);
    expect(deriveHints(seed, '')).toEqual([]);
    // 'aaaa' → ^^a ^aa aaa aaa aa$ a$$: the repeated trigram appears once.
    expect(deriveHints(seed, 'aaaa').length).toBe(1 + 5);
  });

  it('separates tenants, fields, kinds and sentinels from real characters', () => {
    const fps = new Set<number>([
      valueHint(hintSeed('a', 'job'), 'x'),
      valueHint(hintSeed('b', 'job'), 'x'),
      valueHint(hintSeed('a', 'jo'), 'bx'),
      valueHint(hintSeed('', 'ajob'), 'x'),
      trigramHint(hintSeed('a', 'job'), BEGIN_CP, BEGIN_CP, 'x'.codePointAt(0)!),
      trigramHint(hintSeed('a', 'job'), '^'.codePointAt(0)!, '^'.codePointAt(0)!, 'x'.codePointAt(0)!),
      trigramHint(hintSeed('a', 'job'), 'x'.codePointAt(0)!, END_CP, END_CP),
    ]);
    expect(fps.size).toBe(7);
    for (const fp of fps) expect(Number.isSafeInteger(fp) && fp >= 0).toBe(true);
  });

  it('round-trips fingerprints through the wire encoding', () => {
    const fps = deriveHints(hintSeed('t', '__name__'), 'http_requests_total');
    const back = decodeFingerprints(encodeFingerprints(fps));
    expect([...back]).toEqual(fps);
  });
});
