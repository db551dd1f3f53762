/**
 * Lexical pieces of the promqltest DSL (FORMAT.md §2, §4.2, §5.2): durations, Go number
 * parsing, Go-quoted string literals. Pure functions; errors are thrown as `DslError` and the
 * script parser attaches the file line.
 */

export class DslError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DslError';
  }
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
/** About 292 years: Go's time.Duration limit. */
const MAX_DURATION_MS = 9_223_372_036_854;

/** Prometheus duration (`0`, `5m`, `1h30m`, `10s53ms`) → ms. FORMAT.md §2. */
export function parseDslDuration(s: string): number {
  if (s === '0') return 0;
  const m = s === '' ? null : DURATION_RE.exec(s);
  if (!m) throw new DslError(`not a valid duration string: "${s}"`);
  let ms = 0;
  for (let i = 1; i <= 7; i++) if (m[i] !== undefined) ms += Number(m[i]) * UNIT_MS[i - 1]!;
  if (ms > MAX_DURATION_MS) throw new DslError(`duration out of range: "${s}"`);
  return ms;
}

/**
 * Go's `strconv.ParseInt(s, 0, 64)` then `strconv.ParseFloat(s, 64)` (FORMAT.md §5.2 scalar
 * lines). Returns undefined when the text is not a number.
 */
export function parseGoNumber(s: string): number | undefined {
  const i = parseGoInt(s);
  if (i !== undefined) return i;
  return parseGoFloat(s);
}

function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(.*)$/.exec(s)!;
  const sign = m[1] === '-' ? -1 : 1;
  let body = m[2]!;
  let base = 10;
  let prefixed = false;
  if (/^0[xX]/.test(body)) (base = 16), (body = body.slice(2)), (prefixed = true);
  else if (/^0[oO]/.test(body)) (base = 8), (body = body.slice(2)), (prefixed = true);
  else if (/^0[bB]/.test(body)) (base = 2), (body = body.slice(2)), (prefixed = true);
  else if (/^0\d/.test(body) || /^0_/.test(body)) (base = 8), (body = body.slice(1)), (prefixed = true);
  if (prefixed) {
    // Underscores are allowed only with a base prefix, between digits (or after the prefix).
    if (/__|_$/.test(body)) return undefined;
    body = body.replace(/^_/, '').replace(/_/g, '');
  }
  const digits = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (body === '' || !digits.test(body)) return undefined;
  const n = sign * parseInt(body, base);
  // ParseInt fails outside int64; ParseFloat then handles decimal input.
  if (Math.abs(n) > 9.223372036854776e18) return undefined;
  return n;
}

function parseGoFloat(s: string): number | undefined {
  const m = /^([+-]?)(.*)$/.exec(s)!;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  const low = body.toLowerCase();
  if (low === 'inf' || low === 'infinity') return sign * Infinity;
  if (low === 'nan') return NaN;
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(body)) return sign * Number(body);
  const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(body);
  if (hex && (hex[1]! + (hex[2] ?? '')).length > 0) {
    const int = hex[1]!;
    const frac = hex[2] ?? '';
    const mant = parseInt(int + frac || '0', 16);
    return sign * mant * Math.pow(2, Number(hex[3]) - 4 * frac.length);
  }
  return undefined;
}

export const NUM_BODY_SRC = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN]`;
/** A series value number (FORMAT.md §4.2): optional sign, decimal, Inf or NaN; no hex. */
export const SERIES_NUMBER_SRC = `[+-]?(?:${NUM_BODY_SRC})`;
const SERIES_NUMBER_RE = new RegExp(`^${SERIES_NUMBER_SRC}$`);

export function parseSeriesNumber(s: string): number {
  if (!SERIES_NUMBER_RE.test(s)) throw new DslError(`invalid number "${s}"`);
  const neg = s.startsWith('-');
  const body = s.replace(/^[+-]/, '');
  const low = body.toLowerCase();
  let v: number;
  if (low === 'inf') v = Infinity;
  else if (low === 'nan') v = NaN;
  else if (/^0[0-9]+$/.test(body)) {
    // Quirk (FORMAT.md §4.2): a leading-zero integer is octal upstream.
    if (/[89]/.test(body)) throw new DslError(`invalid octal number "${s}"`);
    v = parseInt(body, 8);
  } else v = Number(body);
  return neg ? -v : v;
}

/**
 * Unquotes a Go/PromQL string literal starting at `src[pos]` (`"…"`, `'…'` or `` `…` ``).
 * `\xNN` and octal escapes are raw bytes (FORMAT.md §8.1 quirk): the byte sequence is decoded as
 * UTF-8 at the end, so invalid sequences become U+FFFD. Returns the value and the index after the
 * closing quote.
 */
export function readQuoted(src: string, pos: number): { value: string; end: number } {
  const q = src[pos];
  if (q === '`') {
    const close = src.indexOf('`', pos + 1);
    if (close < 0) throw new DslError('unterminated raw string');
    return { value: src.slice(pos + 1, close), end: close + 1 };
  }
  if (q !== '"' && q !== "'") throw new DslError(`expected a quoted string at "${src.slice(pos, pos + 10)}"`);
  const bytes: number[] = [];
  const pushCodePoint = (cp: number): void => {
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
  };
  let i = pos + 1;
  for (;;) {
    if (i >= src.length) throw new DslError('unterminated quoted string');
    const c = src[i]!;
    if (c === q) break;
    if (c === '\n') throw new DslError('newline in string');
    if (c !== '\\') {
      const cp = src.codePointAt(i)!;
      pushCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = src[i + 1];
    i += 2;
    switch (e) {
      case 'a': bytes.push(7); break;
      case 'b': bytes.push(8); break;
      case 'f': bytes.push(12); break;
      case 'n': bytes.push(10); break;
      case 'r': bytes.push(13); break;
      case 't': bytes.push(9); break;
      case 'v': bytes.push(11); break;
      case '\\': bytes.push(92); break;
      case '"': bytes.push(34); break;
      case "'": bytes.push(39); break;
      case 'x': {
        const h = src.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new DslError(`invalid \\x escape in string`);
        bytes.push(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = src.slice(i, i + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new DslError(`invalid \\${e} escape in string`);
        pushCodePoint(parseInt(h, 16));
        i += n;
        break;
      }
      default: {
        const o = src.slice(i - 1, i + 2);
        if (!/^[0-7]{3}$/.test(o)) throw new DslError(`unknown escape sequence \\${e ?? ''}`);
        bytes.push(parseInt(o, 8) & 0xff);
        i += 2;
      }
    }
  }
  return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 };
}

/** Unquotes a whole Go string literal (for `expect string`); the text must be exactly one literal. */
export function unquoteGoString(s: string): string {
  const { value, end } = readQuoted(s, 0);
  if (end !== s.length) throw new DslError(`invalid string literal ${s}`);
  return value;
}
