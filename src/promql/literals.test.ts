import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../model/index.js';
import {
  evalDuration,
  formatDuration,
  formatGoNumber,
  isValidUtf8String,
  parse,
  parseDuration,
  parseGoNumber,
  quoteGoString,
  tryParseDuration,
  unquoteGoString,
  type DurationExpr,
} from './index.js';

describe('Go number literals', () => {
  it.each([
    ['0', 0],
    ['017', 15],
    ['08', 8],
    ['0x1F', 31],
    ['0X1f', 31],
    ['0x_1F', 31],
    ['1_000', 1000],
    ['1_000.5', 1000.5],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['.5e1', 5],
    ['1.', 1],
    ['1.e2', 100],
    ['Inf', Infinity],
    ['+inf', Infinity],
    ['-Inf', -Infinity],
    ['9223372036854775807', 9223372036854775807],
    ['99999999999999999999', 1e20],
    ['0x1p-2', 0.25],
  ])('%s = %d', (s, v) => {
    expect(parseGoNumber(s)).toBe(v);
  });
  it('rejects malformed underscores and digits', () => {
    for (const s of ['1__0', '_1', '1_', '0x', '1e', '0b2', '1.2.3']) expect(parseGoNumber(s)).toBeUndefined();
    expect(Number.isNaN(parseGoNumber('NaN'))).toBe(true);
  });
  it('formats like strconv.FormatFloat(v, f, -1, 64)', () => {
    expect(formatGoNumber(1e21)).toBe('1000000000000000000000');
    expect(formatGoNumber(1e-7)).toBe('0.0000001');
    expect(formatGoNumber(1.5e-10)).toBe('0.00000000015');
    expect(formatGoNumber(123.456)).toBe('123.456');
    expect(formatGoNumber(Infinity)).toBe('+Inf');
    expect(formatGoNumber(-Infinity)).toBe('-Inf');
    expect(formatGoNumber(NaN)).toBe('NaN');
    expect(formatGoNumber(-0)).toBe('-0');
    expect(formatGoNumber(2.5e25)).toBe('25000000000000000000000000');
  });
  it('in queries', () => {
    expect(parse('1_000 + 0x10')).toMatchObject({ lhs: { value: 1000 }, rhs: { value: 16 } });
    expect(() => parse('1__0')).toThrow('bad number or duration syntax');
    expect(() => parse('9'.repeat(400))).toThrow('value out of range');
  });
});

describe('Go string literals', () => {
  it.each([
    ['"a\\nb"', 'a\nb'],
    ['"\\t\\\\\\""', '\t\\"'],
    ["'\\''", "'"],
    ['"\\x41"', 'A'],
    ['"\\101"', 'A'],
    ['"\\u00e9"', 'é'],
    ['"\\U0001F600"', '😀'],
    ['"\\xc3\\xa9"', 'é'],
    ['"\\a\\b\\f\\r\\v"', '\x07\b\f\r\v'],
    ['`a\\nb`', 'a\\nb'],
    ['"é😀"', 'é😀'],
  ])('%s', (lit, v) => {
    expect(unquoteGoString(lit)).toBe(v);
  });
  it('raw bytes become U+DC00+byte (surrogateescape) and quote back as \\xNN', () => {
    const s = unquoteGoString('"a\\xc5z"');
    expect(s).toBe('a\udcc5z');
    expect(isValidUtf8String(s)).toBe(false);
    expect(quoteGoString(s)).toBe('"a\\xc5z"');
    expect(isValidUtf8String('a😀é')).toBe(true);
    // An incomplete multi-byte sequence escapes each byte.
    expect(unquoteGoString('"\\xe2\\x82"')).toBe('\udce2\udc82');
  });
  it('rejects bad escapes like the Go lexer', () => {
    expect(() => parse('"\\q"')).toThrow("unknown escape sequence U+0071 'q'");
    expect(() => parse('"\\xZZ"')).toThrow("illegal character U+005A 'Z' in escape sequence");
    expect(() => parse('"\\ud800"')).toThrow('escape sequence is an invalid Unicode code point');
    expect(() => parse('"\\400"')).toThrow('escape sequence is an invalid Unicode code point');
    expect(() => parse("'\\\"'")).toThrow('unknown escape sequence');
    expect(() => parse('"a\nb"')).toThrow('unterminated quoted string');
  });
  it('quotes like strconv.Quote', () => {
    expect(quoteGoString('a"b\\c\n\t')).toBe('"a\\"b\\\\c\\n\\t"');
    expect(quoteGoString('é😀')).toBe('"é😀"');
    expect(quoteGoString('\x00\x7f')).toBe('"\\x00\\x7f"');
    expect(quoteGoString('\u200b')).toBe('"\\u200b"');
  });
});

describe('durations', () => {
  it('parses the Prometheus syntax to ms', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('10s53ms')).toBe(10_053);
    expect(parseDuration('1y2w3d')).toBe((365 + 14 + 3) * 86_400_000);
    expect(parseDuration('0s')).toBe(0);
  });
  it('rejects what Prometheus rejects, with its messages', () => {
    expect(tryParseDuration('')).toBe('empty duration string');
    expect(tryParseDuration('1m1h')).toBe('not a valid duration string: "1m1h"');
    expect(tryParseDuration('1m1m')).toBe('not a valid duration string: "1m1m"');
    expect(tryParseDuration('90')).toBe('not a valid duration string: "90"');
    expect(tryParseDuration('-5m')).toBe('not a valid duration string: "-5m"');
    expect(tryParseDuration('1.5m')).toBe('unknown unit "." in duration "1.5m"');
    expect(tryParseDuration('5y1hs')).toBe('unknown unit "hs" in duration "5y1hs"');
    expect(tryParseDuration('300y')).toBe('duration out of range');
    expect(() => parseDuration('x')).toThrow(InvalidArgumentError);
  });
  it('formats like model.Duration.String', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(1_500)).toBe('1s500ms');
    expect(formatDuration(7 * 86_400_000)).toBe('1w');
    expect(formatDuration(8 * 86_400_000)).toBe('8d');
    expect(formatDuration(365 * 86_400_000)).toBe('1y');
    expect(formatDuration(-300_000)).toBe('-5m');
  });
  it('evaluates duration expressions with step and range', () => {
    const range = (q: string): DurationExpr => {
      const e = parse(q);
      if (e.kind === 'MatrixSelector' || e.kind === 'SubqueryExpr') return e.range;
      throw new Error('no range');
    };
    const ctx = { stepMs: 15_000, startMs: 0, endMs: 3_600_000 };
    expect(evalDuration(range('x[5m + 1m]'), ctx)).toBe(360_000);
    expect(evalDuration(range('x[step() * 2]'), ctx)).toBe(30_000);
    expect(evalDuration(range('x[range()]'), ctx)).toBe(3_600_000);
    expect(evalDuration(range('x[min_of(step(), 1s) + max_of(1m, 2m)]'), ctx)).toBe(121_000);
    expect(evalDuration(range('x[1h30m % 1h]'), ctx)).toBe(1_800_000);
    expect(evalDuration(range('x[2 ^ 3]'), ctx)).toBe(8_000);
    expect(evalDuration(range('x[-(5m) + 10m]'), ctx)).toBe(300_000);
    expect(evalDuration(range('x[1.5]'), ctx)).toBe(1_500);
    expect(evalDuration(range('x[range()]'), { stepMs: 0 })).toBe(0);
    expect(() => evalDuration(range('x[1h / (step() - 15s)]'), ctx)).toThrow(InvalidArgumentError);
  });
});
