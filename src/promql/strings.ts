/**
 * PromQL string literals with Go semantics.
 *
 * Go strings are byte strings: `"\xc5"` is the single byte 0xC5, which is not valid UTF-8 on its
 * own. JavaScript strings are UTF-16, so Canopy represents such bytes the way Python's
 * "surrogateescape" does:
 *
 *   **every byte that is not part of a valid UTF-8 sequence (always ≥ 0x80) becomes the lone low
 *   surrogate U+DC00 + byte (U+DC80…U+DCFF).**
 *
 * Bytes that do form valid UTF-8 (`"\xc3\xa9"`) decode to the character (`é`), exactly as Go would
 * print them. Lone surrogates can never come from a valid PromQL literal otherwise (`\ud800` is
 * rejected as an invalid code point), so the mapping is unambiguous and reversible:
 * `isValidUtf8String(s)` is false exactly when Go's `utf8.ValidString` would be false, and
 * `quoteGoString` renders escaped bytes back as `\xNN` like Go's `%q` (`"a\xc5z"`).
 */

export const BYTE_ESCAPE_BASE = 0xdc00;

export class StringSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StringSyntaxError';
  }
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

function hexVal(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Unquotes a PromQL string literal including its quotes (`"…"`, `'…'` or raw `` `…` ``).
 * Throws StringSyntaxError (message like Go's lexer) on a bad escape.
 */
export function unquoteGoString(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new StringSyntaxError('unterminated quoted string');
  const body = lit.slice(1, -1);
  if (q === '`') return body;
  if (q !== '"' && q !== "'") throw new StringSyntaxError('invalid syntax');
  if (!body.includes('\\')) return body;
  // Collect UTF-8 bytes, then decode once (so \xNN sequences may combine into characters).
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      for (const b of enc.encode(body.slice(i, i + len))) bytes.push(b);
      i += len;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new StringSyntaxError('escape sequence not terminated');
    if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      i += 2;
      continue;
    }
    if (e === q) {
      bytes.push(q.charCodeAt(0));
      i += 2;
      continue;
    }
    if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      let v = 0;
      for (let j = 0; j < n; j++) {
        const ch = body[i + 2 + j];
        if (ch === undefined) throw new StringSyntaxError('escape sequence not terminated');
        const d = hexVal(ch);
        if (d < 0) throw new StringSyntaxError(`illegal character ${goRuneDesc(ch)} in escape sequence`);
        v = v * 16 + d;
      }
      i += 2 + n;
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) throw new StringSyntaxError('escape sequence is an invalid Unicode code point');
        for (const b of enc.encode(String.fromCodePoint(v))) bytes.push(b);
      }
      continue;
    }
    if (e >= '0' && e <= '7') {
      let v = 0;
      for (let j = 0; j < 3; j++) {
        const ch = body[i + 1 + j];
        if (ch === undefined) throw new StringSyntaxError('escape sequence not terminated');
        if (ch < '0' || ch > '7') throw new StringSyntaxError(`illegal character ${goRuneDesc(ch)} in escape sequence`);
        v = v * 8 + (ch.charCodeAt(0) - 48);
      }
      if (v > 255) throw new StringSyntaxError('escape sequence is an invalid Unicode code point');
      bytes.push(v);
      i += 4;
      continue;
    }
    throw new StringSyntaxError(`unknown escape sequence ${goRuneDesc(e)}`);
  }
  return decodeUtf8Escaping(Uint8Array.from(bytes));
}

/** Decodes UTF-8 bytes; each byte of an invalid sequence becomes U+DC00+byte (see file comment). */
export function decodeUtf8Escaping(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      min = 0x10000;
    }
    let ok = need > 0 && i + need < n;
    if (ok) {
      for (let j = 1; j <= need; j++) {
        const b = bytes[i + j];
        if (b === undefined || (b & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (b & 0x3f);
      }
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))) ok = false;
    if (!ok) {
      out += String.fromCharCode(BYTE_ESCAPE_BASE + b0);
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Whether `s` is valid UTF-8 in Go's sense (no escaped raw bytes, no lone surrogates). */
export function isValidUtf8String(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return false;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** Go's `%q` for a rune in error messages, e.g. `'}'`, `'\n'`. */
export function goQuoteRune(ch: string): string {
  if (ch === "'") return "'\\''";
  return `'${escapeChar(ch, "'")}'`;
}

/** Go's `%#U` (used in escape errors): `U+0071 'q'`. */
function goRuneDesc(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`;
}

function isPrintable(cp: number): boolean {
  if (cp < 0x20 || cp === 0x7f) return false;
  if (cp >= 0x80 && cp < 0xa0) return false;
  if (cp === 0xad) return false;
  if (cp >= 0xd800 && cp < 0xe000) return false;
  // Approximation of Go's unicode.IsPrint for the remaining planes: unassigned/format chars.
  return !/[\p{Cf}\p{Cn}\p{Zl}\p{Zp}\p{Co}]/u.test(String.fromCodePoint(cp)) || cp === 0x20;
}

function escapeChar(ch: string, quote: string): string {
  const cp = ch.codePointAt(0)!;
  if (ch === quote || ch === '\\') return '\\' + ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (cp >= BYTE_ESCAPE_BASE + 0x80 && cp <= BYTE_ESCAPE_BASE + 0xff && ch.length === 1) {
    return '\\x' + (cp - BYTE_ESCAPE_BASE).toString(16).padStart(2, '0');
  }
  if (isPrintable(cp)) return ch;
  if (cp < 0x80) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp <= 0xffff) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** Go's `strconv.Quote` (what Prometheus prints for strings and quoted label names). */
export function quoteGoString(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeChar(ch, '"');
  return out + '"';
}
