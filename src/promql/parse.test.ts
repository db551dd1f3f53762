import { describe, expect, it } from 'vitest';
import { parse, formatExpr, typeOf, type Expr } from './index.js';

/** Drops `pos` (and undefined fields) so shapes compare structurally. */
function shape(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(shape);
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'pos' && v !== undefined) o[k] = shape(v);
    return o;
  }
  return x;
}
const p = (q: string): unknown => shape(parse(q));
const num = (value: number) => ({ kind: 'NumberLiteral', value });
const vs = (name: string, ...rest: { type: string; name: string; value: string }[]) => ({
  kind: 'VectorSelector',
  name,
  matchers: [{ type: '=', name: '__name__', value: name }, ...rest],
});
const eq = (name: string, value: string) => ({ type: '=', name, value });

describe('parse: literals', () => {
  it.each([
    ['1', 1],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['.5', 0.5],
    ['5.', 5],
    ['5e-3', 0.005],
    ['0xc', 12],
    ['0755', 493],
    ['-0755', -493],
    ['1_000', 1000],
    ['0x_1F', 31],
    ['1e1_0', 1e10],
    ['5m', 300],
    ['1h30m', 5400],
    ['-5m', -300],
    ['10ms', 0.01],
    ['iNf', Infinity],
    ['--1', 1],
    ['- - 2', 2],
  ])('%s is the number %d', (q, v) => {
    expect(p(q)).toEqual(num(v));
  });
  it('NaN in any case', () => {
    for (const q of ['NaN', 'nan', 'nAN']) {
      const e = parse(q);
      expect(e.kind === 'NumberLiteral' && Number.isNaN(e.value)).toBe(true);
    }
  });
  it('strings in all three quotings', () => {
    expect(p('"a\\tb"')).toEqual({ kind: 'StringLiteral', value: 'a\tb' });
    expect(p("'it\\'s'")).toEqual({ kind: 'StringLiteral', value: "it's" });
    expect(p('`raw\\n`')).toEqual({ kind: 'StringLiteral', value: 'raw\\n' });
  });
});

describe('parse: selectors', () => {
  it('metric name and matchers (name matcher first)', () => {
    expect(p('foo{a="b", c!="d", e=~"f.*", g!~"h"}')).toEqual(vs('foo', eq('a', 'b'), { type: '!=', name: 'c', value: 'd' }, { type: '=~', name: 'e', value: 'f.*' }, { type: '!~', name: 'g', value: 'h' }));
  });
  it('trailing comma and empty braces after a name', () => {
    expect(p('foo{a="b",}')).toEqual(vs('foo', eq('a', 'b')));
    expect(p('foo{}')).toEqual(vs('foo'));
  });
  it('quoted UTF-8 metric and label names', () => {
    expect(p('{"my.metric", "a.b"="c"}')).toEqual({ kind: 'VectorSelector', matchers: [eq('__name__', 'my.metric'), eq('a.b', 'c')] });
  });
  it('__name__ matchers without a name', () => {
    expect(p('{__name__=~"job:.*"}')).toEqual({ kind: 'VectorSelector', matchers: [{ type: '=~', name: '__name__', value: 'job:.*' }] });
  });
  it('keywords as metric names', () => {
    expect(p('sum')).toEqual(vs('sum'));
    expect(p('by')).toEqual(vs('by'));
    expect(p('offset{step="1s"}[5m]')).toEqual({ kind: 'MatrixSelector', vector: vs('offset', eq('step', '1s')), range: { kind: 'DurationNumber', seconds: 300 } });
    expect(p('min_of + max_of')).toMatchObject({ kind: 'BinaryExpr', lhs: vs('min_of'), rhs: vs('max_of') });
  });
  it('colons in metric names', () => {
    expect(p('job:rate5m')).toEqual(vs('job:rate5m'));
  });
  it('range, offset (negative too), @ and their orders', () => {
    expect(p('foo[5m] offset -1h')).toEqual({ kind: 'MatrixSelector', vector: { ...vs('foo'), offset: { kind: 'DurationNumber', seconds: -3600 } }, range: { kind: 'DurationNumber', seconds: 300 } });
    expect(p('foo @ 100 offset 5m')).toEqual(p('foo offset 5m @ 100'));
    expect(p('foo @ 1.5')).toEqual({ ...vs('foo'), at: { kind: 'time', ms: 1500 } });
    expect(p('foo @ -10')).toEqual({ ...vs('foo'), at: { kind: 'time', ms: -10000 } });
    expect(p('foo[1m] @ start()')).toEqual({ kind: 'MatrixSelector', vector: { ...vs('foo'), at: { kind: 'start' } }, range: { kind: 'DurationNumber', seconds: 60 } });
    expect(p('foo @ END()')).toEqual({ ...vs('foo'), at: { kind: 'end' } });
  });
  it('anchored and smoothed', () => {
    expect(p('rate(foo[5m] anchored)')).toEqual({ kind: 'Call', func: 'rate', args: [{ kind: 'MatrixSelector', vector: { ...vs('foo'), anchored: true }, range: { kind: 'DurationNumber', seconds: 300 } }] });
    expect(p('foo smoothed')).toEqual({ ...vs('foo'), smoothed: true });
  });
});

describe('parse: duration expressions', () => {
  it('arithmetic, step(), range(), min_of/max_of in ranges and steps', () => {
    expect(p('foo[5m+1m]')).toMatchObject({ range: { kind: 'DurationBinary', op: '+', lhs: { kind: 'DurationNumber', seconds: 300 }, rhs: { kind: 'DurationNumber', seconds: 60 } } });
    expect(p('foo[step()]')).toMatchObject({ range: { kind: 'DurationStep' } });
    expect(p('foo[1+(STep()-5)*2]')).toMatchObject({ range: { kind: 'DurationBinary', op: '+' } });
    expect(p('foo[range():min_of(step(), 1m)]')).toMatchObject({ kind: 'SubqueryExpr', range: { kind: 'DurationRange' }, step: { kind: 'DurationMinMax', fn: 'min_of' } });
    expect(p('foo[-(5m)+10m]')).toMatchObject({ range: { kind: 'DurationBinary', lhs: { kind: 'DurationUnary', op: '-', expr: { kind: 'DurationNumber', seconds: 300 } } } });
  });
  it('offset expressions bind like Prometheus', () => {
    expect(p('foo offset (1h*2)')).toMatchObject({ offset: { kind: 'DurationBinary', op: '*' } });
    // `offset -2 ^ 2` is `(foo offset -2) ^ 2`.
    expect(p('foo offset -2 ^ 2')).toMatchObject({ kind: 'BinaryExpr', op: '^', lhs: { kind: 'VectorSelector', offset: { kind: 'DurationNumber', seconds: -2 } }, rhs: num(2) });
    expect(p('foo offset 100 + 2')).toMatchObject({ kind: 'BinaryExpr', op: '+', lhs: { offset: { kind: 'DurationNumber', seconds: 100 } } });
    expect(p('foo offset -min_of(step(), 1s)')).toMatchObject({ offset: { kind: 'DurationUnary', op: '-', expr: { kind: 'DurationMinMax', fn: 'min_of' } } });
    expect(p('foo offset step()')).toMatchObject({ offset: { kind: 'DurationStep' } });
  });
});

describe('parse: operators and precedence', () => {
  it('unary minus on a literal folds, but -1 ^ 2 is -(1 ^ 2)', () => {
    expect(p('-1 ^ 2')).toEqual({ kind: 'UnaryExpr', op: '-', expr: { kind: 'BinaryExpr', op: '^', lhs: num(1), rhs: num(2), returnBool: false } });
    expect(p('2 * -1 ^ 2')).toMatchObject({ op: '*', rhs: { kind: 'UnaryExpr', op: '-' } });
    expect(p('-(1)')).toEqual({ kind: 'UnaryExpr', op: '-', expr: { kind: 'ParenExpr', expr: num(1) } });
  });
  it('postfix modifiers bind tighter than binary and unary operators', () => {
    expect(p('a + b offset 5m')).toMatchObject({ kind: 'BinaryExpr', op: '+', lhs: vs('a') });
    expect(() => parse('a + b[5m:]')).toThrow('binary expression must contain only scalar and instant vector types');
    expect(p('a + b offset 5m')).toMatchObject({ kind: 'BinaryExpr', rhs: { kind: 'VectorSelector', offset: { seconds: 300 } } });
    expect(p('-x offset 5m')).toMatchObject({ kind: 'UnaryExpr', expr: { kind: 'VectorSelector', offset: { seconds: 300 } } });
    expect(p('a * b @ 10')).toMatchObject({ rhs: { at: { kind: 'time', ms: 10000 } } });
  });
  it('precedence and associativity', () => {
    expect(formatExpr(parse('a + b * c ^ d ^ e - f'))).toBe('a + b * c ^ d ^ e - f');
    expect(p('a or b and c unless d')).toMatchObject({ op: 'or', rhs: { op: 'unless', lhs: { op: 'and' } } });
    expect(p('a - b - c')).toMatchObject({ op: '-', lhs: { op: '-' } });
    expect(p('a ^ b ^ c')).toMatchObject({ op: '^', rhs: { op: '^' } });
    expect(p('a == b > c')).toMatchObject({ op: '>', lhs: { op: '==' } });
    expect(p('a atan2 b * c')).toMatchObject({ op: '*', lhs: { op: 'atan2' } });
  });
  it('bool and vector matching', () => {
    expect(p('a > bool 1')).toEqual({ kind: 'BinaryExpr', op: '>', lhs: vs('a'), rhs: num(1), returnBool: true });
    expect(p('a + on(b, "c.d") group_left(e) x')).toMatchObject({ matching: { card: 'many-to-one', on: true, labels: ['b', 'c.d'], include: ['e'] } });
    expect(p('a / ignoring(b) group_right x')).toMatchObject({ matching: { card: 'one-to-many', on: false, labels: ['b'], include: [] } });
    expect(p('a - b')).toMatchObject({ matching: { card: 'one-to-one', on: false, labels: [], include: [] } });
    expect(p('a and on() b')).toMatchObject({ matching: { card: 'many-to-many', on: true, labels: [] } });
    expect(p('a + 1')).not.toHaveProperty('matching');
  });
  it('fill modifiers', () => {
    expect(p('a + fill(0) b')).toMatchObject({ matching: { fillLeft: 0, fillRight: 0 } });
    expect(p('a + on(x) fill_left(1) fill_right(-2) b')).toMatchObject({ matching: { on: true, labels: ['x'], fillLeft: 1, fillRight: -2 } });
    expect(p('a + fill_right(NaN) b')).toMatchObject({ matching: { fillRight: NaN } });
    expect(p('fill + fill')).toMatchObject({ lhs: vs('fill'), rhs: vs('fill') });
  });
  it('trim operators', () => {
    expect(p('a </ 2')).toMatchObject({ op: '</' });
    expect(p('a >/ 2')).toMatchObject({ op: '>/' });
  });
});

describe('parse: calls and aggregations', () => {
  it('aggregation with grouping before or after the body', () => {
    const want = { kind: 'AggregateExpr', op: 'sum', expr: vs('x'), grouping: ['job'], without: false };
    expect(p('sum by (job) (x)')).toEqual(want);
    expect(p('sum(x) by (job)')).toEqual(want);
    expect(p('SUM BY (job) (x)')).toEqual(want);
    expect(p('avg without (a, "b.c",) (x)')).toEqual({ kind: 'AggregateExpr', op: 'avg', expr: vs('x'), grouping: ['a', 'b.c'], without: true });
    expect(p('sum by (on, bool, offset) (x)')).toMatchObject({ grouping: ['on', 'bool', 'offset'] });
  });
  it('parameters', () => {
    expect(p('topk(3, x)')).toEqual({ kind: 'AggregateExpr', op: 'topk', param: num(3), expr: vs('x'), grouping: [], without: false });
    expect(p('count_values("v", x)')).toMatchObject({ op: 'count_values', param: { kind: 'StringLiteral', value: 'v' } });
    expect(p('quantile(0.9, x)')).toMatchObject({ op: 'quantile' });
    expect(p('limitk(2, x)')).toMatchObject({ op: 'limitk' });
    expect(p('limit_ratio(0.5, x)')).toMatchObject({ op: 'limit_ratio' });
  });
  it('function calls, nested, variadic, experimental', () => {
    expect(p('rate(x[5m])')).toEqual({ kind: 'Call', func: 'rate', args: [{ kind: 'MatrixSelector', vector: vs('x'), range: { kind: 'DurationNumber', seconds: 300 } }] });
    expect(p('label_join(x, "a", ",", "b", "c", "d")')).toMatchObject({ func: 'label_join' });
    expect(p('round(x)')).toMatchObject({ args: [vs('x')] });
    expect(p('time()')).toEqual({ kind: 'Call', func: 'time', args: [] });
    expect(p('min_of(3, 5)')).toEqual({ kind: 'Call', func: 'min_of', args: [num(3), num(5)] });
    expect(p('max_of(step(), 1)')).toMatchObject({ func: 'max_of', args: [{ kind: 'Call', func: 'step' }, num(1)] });
    expect(p('info(x, {job="a"})')).toMatchObject({ func: 'info' });
    expect(p('info(x, {__name__=~"foo.*"})')).toMatchObject({ func: 'info' });
    expect(p('histogram_quantile(1./6., x)')).toMatchObject({ args: [{ kind: 'BinaryExpr', lhs: num(1), rhs: num(6) }, vs('x')] });
  });
  it('subqueries with and without step, modifiers on them', () => {
    expect(p('rate(x[5m])[30m:1m]')).toMatchObject({ kind: 'SubqueryExpr', range: { seconds: 1800 }, step: { seconds: 60 } });
    expect(p('x[5m:]')).not.toHaveProperty('step');
    expect(p('sum(x)[5m:] offset 1m @ end()')).toMatchObject({ kind: 'SubqueryExpr', offset: { seconds: 60 }, at: { kind: 'end' } });
    expect(p('(a + b)[5m:]')).toMatchObject({ kind: 'SubqueryExpr', expr: { kind: 'ParenExpr' } });
  });
  it('comments and newlines', () => {
    expect(p('sum( # total\n  x\n)')).toMatchObject({ op: 'sum', expr: vs('x') });
  });
});

describe('parse: types and positions', () => {
  it('typeOf', () => {
    const t = (q: string) => typeOf(parse(q));
    expect(t('1 + 1')).toBe('scalar');
    expect(t('x[5m]')).toBe('matrix');
    expect(t('x[5m:]')).toBe('matrix');
    expect(t('"s"')).toBe('string');
    expect(t('step()')).toBe('scalar');
    expect(t('min_of(1, 2)')).toBe('scalar');
    expect(t('scalar(x) * 2')).toBe('scalar');
    expect(t('x * 2')).toBe('vector');
  });
  it('positions are 0-based [start, end) offsets', () => {
    const e = parse('sum(rate(foo[5m]))') as Extract<Expr, { kind: 'AggregateExpr' }>;
    expect(e.pos).toEqual({ start: 0, end: 18 });
    expect(e.expr.pos).toEqual({ start: 4, end: 17 });
    const neg = parse('1 + -2') as Extract<Expr, { kind: 'BinaryExpr' }>;
    expect(neg.rhs.pos).toEqual({ start: 4, end: 6 });
  });
});

describe('parse: long and deep queries', () => {
  it('parses long left-associative chains that Lezer alone would cut off', () => {
    const q = Array.from({ length: 800 }, (_, i) => `m${i}`).join(' or ');
    const e = parse(q);
    expect(e.kind).toBe('BinaryExpr');
    expect(formatExpr(e)).toBe(q);
  });
  it('reports absurd depth as a ParseError, never a crash', () => {
    const q = Array.from({ length: 20_000 }, () => 'x').join(' + ');
    expect(() => parse(q)).toThrow(/parse error/);
    expect(() => parse('('.repeat(5000) + 'x' + ')'.repeat(5000))).toThrow(/parse error/);
  });
});
