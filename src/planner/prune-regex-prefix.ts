/**
 * Range pruning by a regex's literal prefix: `instance=~"db-.*"` can only match values starting
 * with `db-`, so only keys whose field starts with those bytes can hold a match. The span is a
 * superset: every key whose (escaped) field bytes begin with the prefix's escaped bytes.
 *
 * Extraction is deliberately conservative (undefined = no narrowing): any unescaped `|` anywhere,
 * flags or a group at the start, an escape class (`\d`, `\w` …) ends the prefix; a literal directly
 * followed by a quantifier (`?`, `*`, `+`, `{`) is optional and is dropped.
 */
import { encodeTuple, prefixEnd, type KeySpan } from '../model/index.js';

const META = new Set(['.', '+', '*', '?', '(', ')', '[', ']', '{', '}', '^', '$', '|', '\\']);
const QUANT = new Set(['?', '*', '+', '{']);

/** The literal every match of the fully anchored RE2 `re` starts with, or undefined (none / unsure). */
export function regexLiteralPrefix(re: string): string | undefined {
  for (let i = 0; i < re.length; i++) {
    if (re[i] === '\\') i++;
    else if (re[i] === '|') return undefined;
  }
  const chars: string[] = [];
  let i = 0;
  while (i < re.length) {
    const c = re[i]!;
    let lit: string | undefined;
    let next = i + 1;
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) break; // \d, \Q, \x… : stop
      lit = n;
      next = i + 2;
    } else if (!META.has(c)) {
      // One code point (a surrogate pair stays whole: half of one would encode as U+FFFD).
      const cp = re.codePointAt(i)!;
      lit = String.fromCodePoint(cp);
      next = i + lit.length;
    }
    if (lit === undefined) break;
    if (next < re.length && QUANT.has(re[next]!)) break; // optional/repeated: not part of the prefix
    chars.push(lit);
    i = next;
  }
  const p = chars.join('');
  return p === '' ? undefined : p;
}

/** Keys whose tuple starts with `fields` and then a field beginning with `prefix`. */
export function literalPrefixSpan(fields: readonly string[], prefix: string): KeySpan {
  const head = encodeTuple(fields);
  const tail = encodeTuple([prefix]);
  const start = new Uint8Array(head.length + tail.length - 1); // without the field terminator
  start.set(head);
  start.set(tail.subarray(0, tail.length - 1), head.length);
  return { start, end: prefixEnd(start) };
}
