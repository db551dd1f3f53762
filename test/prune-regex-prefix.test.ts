/**
 * Range pruning by a regex's literal prefix (src/planner/prune-regex-prefix.ts): extraction is
 * conservative, and the resulting key spans contain the key of every value the regex matches
 * (checked on random values).
 */
import { describe, expect, it } from 'vitest';
import { compileMatcher, KeyEncoder, spanContains } from '../src/model/index.js';
import { keySpansFor } from '../src/planner/key-spans.js';
import { literalPrefixSpan, regexLiteralPrefix } from '../src/planner/prune-regex-prefix.js';

describe('regexLiteralPrefix', () => {
  it('extracts only a prefix every match has', () => {
    expect(regexLiteralPrefix('db-.*')).toBe('db-');
    expect(regexLiteralPrefix('api')).toBe('api');
    expect(regexLiteralPrefix('a\\.b[0-9]+')).toBe('a.b');
    expect(regexLiteralPrefix('abc?d')).toBe('ab'); // c is optional
    expect(regexLiteralPrefix('ab*')).toBe('a');
    expect(regexLiteralPrefix('ab{2}')).toBe('a');
    expect(regexLiteralPrefix('api.*|web')).toBeUndefined();
    expect(regexLiteralPrefix('(?i)api.*')).toBeUndefined();
    expect(regexLiteralPrefix('.*api')).toBeUndefined();
    expect(regexLiteralPrefix('\\dabc')).toBeUndefined();
    expect(regexLiteralPrefix('a(b|c)')).toBeUndefined();
    expect(regexLiteralPrefix('x😀?')).toBe('x'); // the whole code point is optional, not half of it
    expect(regexLiteralPrefix('😀y.*')).toBe('😀y');
  });

  it('spans contain every matching key (random values)', () => {
    const enc = new KeyEncoder(['job', 'instance']);
    const alphabet = ['a', 'b', '-', '.', '\u0000', 'é', 'z', '\u00ff'];
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const word = (): string => Array.from({ length: Math.floor(rnd() * 6) }, () => alphabet[Math.floor(rnd() * alphabet.length)]!).join('');
    for (const re of ['a-.*', 'ab.*', 'a\\..+', 'z', '\u00ff.*', 'é-[ab]*']) {
      for (const onJob of [true, false]) {
        const m = { type: '=~' as const, name: onJob ? 'job' : 'instance', value: re };
        const ms = onJob ? [m] : [{ type: '=' as const, name: 'job', value: 'j' }, m];
        const { spans, depth } = keySpansFor('t', ms, enc);
        expect(depth).toBe(onJob ? 1 : 2);
        const cm = compileMatcher(m);
        for (let k = 0; k < 400; k++) {
          const v = rnd() < 0.5 ? re.replace(/[.*+\\[\]-]+.*$/, '') + word() : word();
          const labels = onJob ? [{ name: 'instance', value: word() }, { name: 'job', value: v }] : [{ name: 'instance', value: v }, { name: 'job', value: 'j' }];
          if (!cm.matches(v)) continue;
          const key = enc.keyOf('t', labels);
          expect(spans.some((s) => spanContains(s, key)), `${re} ${JSON.stringify(v)}`).toBe(true);
        }
      }
    }
  });

  it('a span excludes keys of other prefixes', () => {
    const enc = new KeyEncoder(['job']);
    const s = literalPrefixSpan(['t'], 'db-');
    expect(spanContains(s, enc.keyOf('t', [{ name: 'job', value: 'db-1' }]))).toBe(true);
    expect(spanContains(s, enc.keyOf('t', [{ name: 'job', value: 'db' }]))).toBe(false);
    expect(spanContains(s, enc.keyOf('t', [{ name: 'job', value: 'dc-1' }]))).toBe(false);
    expect(spanContains(s, enc.keyOf('u', [{ name: 'job', value: 'db-1' }]))).toBe(false);
  });
});
