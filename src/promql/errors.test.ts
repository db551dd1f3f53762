import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../model/index.js';
import { parse, parseSeriesSelector } from './index.js';

function err(q: string): { msg: string; line: number; column: number } {
  try {
    parse(q);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { msg: e.message.replace(/^parse error at line \d+, column \d+: /, ''), line: e.line, column: e.column };
  }
  throw new Error(`expected ${JSON.stringify(q)} to fail`);
}

describe('syntax errors (Prometheus wording, 1-based line:column)', () => {
  it.each([
    ['', 1, 1, 'no expression found in input'],
    ['# only a comment\n', 1, 1, 'no expression found in input'],
    ['sum(', 1, 5, 'unclosed left parenthesis'],
    ['(1', 1, 3, 'unclosed left parenthesis'],
    ['1 +', 1, 4, 'unexpected end of input'],
    ['x}', 1, 2, "unexpected character: '}'"],
    ['foo{a="b"', 1, 10, 'unexpected end of input inside braces'],
    ['foo[5m', 1, 7, 'unclosed left bracket'],
    ['foo[', 1, 5, 'unexpected end of input in duration expression'],
    ['foo(1)', 1, 1, 'unknown function with name "foo"'],
    ['RATE(x[5m])', 1, 1, 'unknown function with name "RATE"'],
    ['rate(x[5m],)', 1, 11, 'trailing commas not allowed in function call args'],
    ['"abc', 1, 1, 'unterminated quoted string'],
    ['`abc', 1, 1, 'unterminated raw string'],
    ['"\\q"', 1, 1, "unknown escape sequence U+0071 'q'"],
    ['1a', 1, 1, 'bad number or duration syntax: "1"'],
    ['0deadbeef', 1, 1, 'bad number or duration syntax: "0de"'],
    ['foo[5m1h]', 1, 5, 'not a valid duration string: "5m1h"'],
    ['foo{a=b}', 1, 7, 'unexpected identifier "b" in label matching, expected string'],
    ['foo offset', 1, 11, 'unexpected end of input in offset, expected number, duration, step(), or range()'],
    ['foo @', 1, 6, 'unexpected end of input in @, expected timestamp'],
    ['sum(x) by foo', 1, 11, 'unexpected identifier "foo" in grouping opts, expected "("'],
    ['foo[]', 1, 5, 'unexpected "]" in subquery or range selector, expected number, duration, step(), or range()'],
    ['a +\n  b +\n  }', 3, 3, "unexpected character: '}'"],
  ])('%j → %i:%i %s', (q, line, column, msg) => {
    expect(err(q)).toEqual({ msg, line, column });
  });
  it('columns count UTF-8 bytes like Prometheus', () => {
    expect(err('{"é"="a"} +')).toEqual({ msg: 'unexpected end of input', line: 1, column: 13 });
  });
});

describe('semantic errors', () => {
  it.each([
    ['{}', 'vector selector must contain at least one non-empty matcher'],
    ['{a=""}', 'vector selector must contain at least one non-empty matcher'],
    ['{a=~".*"}', 'vector selector must contain at least one non-empty matcher'],
    ['foo{__name__="bar"}', 'metric name must not be set twice: "foo" or "bar"'],
    ['rate(x)', 'expected type range vector in call to function "rate", got instant vector'],
    ['abs(x[5m])', 'expected type instant vector in call to function "abs", got range vector'],
    ['rate()', 'expected 1 argument(s) in call to "rate", got 0'],
    ['round(x, 1, 2)', 'expected at most 2 argument(s) in call to "round", got 3'],
    ['label_join(x)', 'expected at least 3 argument(s) in call to "label_join", got 1'],
    ['sum()', 'no arguments for aggregate expression provided'],
    ['topk(x)', 'wrong number of arguments for aggregate expression provided, expected 2, got 1'],
    ['topk("a", x)', 'expected type scalar in aggregation parameter, got string'],
    ['count_values(1, x)', 'expected type string in aggregation parameter, got scalar'],
    ['sum(1)', 'expected type instant vector in aggregation expression, got scalar'],
    ['1 == 1', 'comparisons between scalars must use BOOL modifier'],
    ['a + bool b', 'bool modifier can only be used on comparison operators'],
    ['1 and 2', 'set operator "and" not allowed in binary scalar expression'],
    ['a and 1', 'set operator "and" not allowed in binary scalar expression'],
    ['a + on(b) 1', 'vector matching only allowed between instant vectors'],
    ['a and on(b) group_left c', 'no grouping allowed for "and" operation'],
    ['a + on(b) group_left(b) c', 'label "b" must not occur in ON and GROUP clause at once'],
    ['a and fill(0) b', 'filling in missing series not allowed for set operators'],
    ['a + fill(0) 1', 'filling in missing series only allowed between instant vectors'],
    ['x[5m] + 1', 'binary expression must contain only scalar and instant vector types'],
    ['-x[5m]', 'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"'],
    ['x[5m][1m:]', 'subquery is only allowed on instant vector, got matrix instead'],
    ['rate(x[5m])[5m]', 'ranges only allowed for vector selectors'],
    ['x offset 5m [5m]', 'no offset modifiers allowed before range'],
    ['x @ 5 [5m]', 'no @ modifiers allowed before range'],
    ['sum(x) offset 5m', 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['(x) @ 5', '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
    ['x offset 1m offset 2m', 'offset may not be set multiple times'],
    ['x @ 1 @ 2', '@ <timestamp> may not be set multiple times'],
    ['x @ Inf', 'timestamp out of bounds for @ modifier: +Inf'],
    ['x[0s]', 'duration must be greater than 0'],
    ['x[-5m]', 'duration must be greater than 0'],
    ['x[5m:0s]', 'duration must be greater than 0'],
    ['x[1h/0]', 'division by zero'],
    ['x[1h%0]', 'modulo by zero'],
    ['x[5m] anchored smoothed', 'anchored and smoothed modifiers cannot be used together'],
    ['x[5m:] anchored', 'anchored modifier is not supported for subqueries'],
    ['x{a=~"("}', 'error parsing regexp: missing closing )'],
    ['sum by ("") (x)', 'invalid label name for grouping: ""'],
    ['info(x, y)', 'expected label selectors only, got vector selector instead'],
    ['info(x, 1)', 'expected type instant vector in call to function "info", got scalar'],
  ])('%j → %s', (q, msg) => {
    expect(err(q).msg.startsWith(msg)).toBe(true);
  });
});

/**
 * Every `testExpr` case of Prometheus's own parser test (promql/parser/parse_test.go, extracted
 * to testdata/): valid inputs parse, invalid ones fail with the same first message at the same
 * offset.
 */
describe('upstream parse_test.go cases', () => {
  const data = JSON.parse(readFileSync(new URL('./testdata/upstream-parse-cases.json', import.meta.url), 'utf8')) as {
    cases: { input: string; fail: boolean; error?: string; start?: number }[];
  };
  it('has the extracted cases', () => {
    expect(data.cases.length).toBeGreaterThan(300);
  });
  for (const c of data.cases) {
    it(`${c.fail ? 'rejects' : 'accepts'} ${JSON.stringify(c.input).slice(0, 80)}`, () => {
      if (!c.fail) {
        expect(() => parse(c.input)).not.toThrow();
        return;
      }
      const e = err(c.input);
      if (c.error !== undefined) expect(e.msg).toBe(c.error);
      if (c.start !== undefined && !c.input.includes('\n')) expect(e.column).toBe(Buffer.byteLength(c.input.slice(0, c.start)) + 1);
    });
  }
});

describe('parseSeriesSelector', () => {
  it('returns matchers with the name first', () => {
    expect(parseSeriesSelector('up{job="a"}')).toEqual([
      { type: '=', name: '__name__', value: 'up' },
      { type: '=', name: 'job', value: 'a' },
    ]);
    expect(parseSeriesSelector('{"my.metric"}')).toEqual([{ type: '=', name: '__name__', value: 'my.metric' }]);
  });
  it('rejects anything but a plain selector', () => {
    for (const q of ['up offset 5m', 'up[5m]', 'sum(up)', 'up @ 10', 'up +', '']) expect(() => parseSeriesSelector(q)).toThrow(ParseError);
  });
});
