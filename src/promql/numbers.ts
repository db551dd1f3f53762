/**
 * PromQL number literals with Go's rules (`strconv.ParseInt(s, 0, 64)`, then `ParseFloat`):
 * decimal, `0x` hex, leading-zero octal (`017` = 15), `.5`, `1.`, exponents, `_` between digits
 * (`1_000`), `Inf`/`NaN` in any case. Formatting follows `strconv.FormatFloat(v, 'f', -1, 64)`:
 * the shortest round-trip digits, never an exponent, `+Inf`/`-Inf`/`NaN`.
 */

function lowerAt(s: string, i: number): string {
  return (s[i] ?? '').toLowerCase();
}

/** Go's strconv underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lowerAt(s, 1))) {
    i = 2;
    saw = '0';
    hex = lowerAt(s, 1) === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const lc = c.toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && lc >= 'a' && lc <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

const INT64_MAX = 2n ** 63n - 1n;

/** Parses a PromQL number token; undefined if Go would reject it ("error parsing number"). */
export function parseGoNumber(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  let t = text;
  if (t.includes('_')) {
    if (!underscoreOK(t)) return undefined;
    t = t.replace(/_/g, '');
  }
  let m = /^0[xX]([0-9a-fA-F]+)$/.exec(t);
  if (m) {
    const big = BigInt('0x' + m[1]);
    return big > INT64_MAX ? undefined : Number(big);
  }
  m = /^0[oO]?([0-7]+)$/.exec(t);
  if (m) {
    const big = BigInt('0o' + m[1]);
    return big > INT64_MAX ? undefined : Number(big);
  }
  m = /^0[bB]([01]+)$/.exec(t);
  if (m) {
    const big = BigInt('0b' + m[1]);
    return big > INT64_MAX ? undefined : Number(big);
  }
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return Number(t);
  m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(t);
  if (m && (m[1] || m[2])) {
    const intPart = m[1] ?? '';
    const frac = m[2] ?? '';
    const mant = BigInt('0x' + (intPart + frac || '0'));
    return Number(mant) * Math.pow(2, Number(m[3]) - 4 * frac.length);
  }
  return undefined;
}

/** Go `strconv.FormatFloat(v, 'f', -1, 64)`. */
export function formatGoNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= 0) {
    const intLen = 1 + exp;
    if (digits.length <= intLen) return sign + digits + '0'.repeat(intLen - digits.length);
    return sign + digits.slice(0, intLen) + '.' + digits.slice(intLen);
  }
  return sign + '0.' + '0'.repeat(-exp - 1) + digits;
}
