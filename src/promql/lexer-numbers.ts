/**
 * Go's `lexNumberOrDuration` (promql/parser/lex.go), cursor-exact: on failure the message quotes
 * the text the Go lexer had consumed (`bad number or duration syntax: "0de"`), so the scanning
 * below mirrors Go's accept/peek/next steps one for one.
 */

export type NumberScan = { kind: 'NUMBER' | 'DURATION'; end: number } | { kind: 'ERROR'; end: number };

const isAlnum = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

class Cursor {
  constructor(
    readonly s: string,
    public pos: number,
  ) {}
  peek(): string | undefined {
    return this.s[this.pos];
  }
  /** Consumes the next char if it is in `valid`. */
  accept(valid: string): boolean {
    const c = this.s[this.pos];
    if (c !== undefined && valid.includes(c)) {
      this.pos++;
      return true;
    }
    return false;
  }
  is(valid: string): boolean {
    const c = this.s[this.pos];
    return c !== undefined && valid.includes(c);
  }
}

function scanNumber(l: Cursor): boolean {
  const initial = l.pos;
  let digits = '0123456789';
  if (l.accept('0') && l.accept('xX')) {
    l.accept('_');
    digits = '0123456789abcdefABCDEF';
  }
  l.accept('.');
  l.accept(digits);
  let dot = false;
  let exp = false;
  while (l.is(digits + '._eE')) {
    if (l.is('.') && dot) {
      l.accept('.');
      return false;
    }
    if (l.is('eE') && exp) {
      l.accept('eE');
      return false;
    }
    if (l.accept('.')) {
      dot = true;
      if (l.accept('_.')) return false;
      if (digits.length > 10) return false;
      continue;
    }
    if (l.accept('eE')) {
      exp = true;
      l.accept('+-');
      if (l.accept('._eE') || l.peek() === undefined) return false;
      continue;
    }
    if (l.accept('_')) {
      if (l.accept('._eE') || l.peek() === undefined) return false;
      continue;
    }
    while (l.accept(digits));
  }
  if (l.pos === initial) return false;
  return !isAlnum(l.peek());
}

function acceptRemainingDuration(l: Cursor): boolean {
  if (!l.accept('smhdwy')) return false;
  l.accept('s');
  while (l.accept('0123456789')) {
    while (l.accept('0123456789'));
    if (!l.accept('smhdw')) return false;
    l.accept('s');
  }
  const c = l.peek();
  if (c !== undefined) l.pos++;
  if (isAlnum(c)) return false;
  if (c !== undefined) l.pos--;
  return true;
}

/** Scans a number or duration token at `start` (a digit or `.digit`). */
export function scanNumberOrDuration(s: string, start: number): NumberScan {
  const l = new Cursor(s, start);
  if (scanNumber(l)) return { kind: 'NUMBER', end: l.pos };
  if (acceptRemainingDuration(l)) return { kind: 'DURATION', end: l.pos };
  return { kind: 'ERROR', end: l.pos };
}
