/** Unit tests of the promqltest DSL: lexical rules, value expansion, script parsing, loader, comparison. */
import { describe, expect, it } from 'vitest';
import { isStaleNaN, STALE_NAN } from '../../src/model/index.js';
import { checkAnnotations, checkExpectedFailure } from './annotations.js';
import { almostEqual, compareMatrix, compareVector } from './compare.js';
import { parseDslDuration, parseGoNumber, parseSeriesNumber, unquoteGoString } from './dsl-lexical.js';
import { expandValues, FLOAT, HISTOGRAM, OMITTED, parseLabelSet, parseSeriesLine, splitValueItems } from './dsl-series.js';
import { parseHistogramLiteral } from './histogram-literal.js';
import { ScriptStorage } from './loader.js';
import { expandStartOffsets, parseScript, ScriptSyntaxError } from './script-parser.js';
import type { EvalCmd, LoadCmd } from './script-types.js';
import { loadScriptFiles } from './suite.js';

const floats = (items: string): number[] => [...expandValues(splitValueItems(items)).v];
const kinds = (items: string): number[] => [...expandValues(splitValueItems(items)).kinds];

describe('durations', () => {
  it('parses Prometheus durations', () => {
    expect(parseDslDuration('0')).toBe(0);
    expect(parseDslDuration('0s')).toBe(0);
    expect(parseDslDuration('50m')).toBe(3_000_000);
    expect(parseDslDuration('10s53ms')).toBe(10_053);
    expect(parseDslDuration('1h30m')).toBe(5_400_000);
    expect(parseDslDuration('1y')).toBe(365 * 86_400_000);
  });
  it('rejects invalid ones', () => {
    for (const s of ['', '-5m', '1.5m', '90', '1m1h', '1m1m', '5 m']) expect(() => parseDslDuration(s), s).toThrow();
  });
});

describe('numbers', () => {
  it('scalar lines follow Go ParseInt(…, 0) then ParseFloat', () => {
    expect(parseGoNumber('2')).toBe(2);
    expect(parseGoNumber('-5')).toBe(-5);
    expect(parseGoNumber('0x1F')).toBe(31);
    expect(parseGoNumber('0o17')).toBe(15);
    expect(parseGoNumber('0b101')).toBe(5);
    expect(parseGoNumber('010')).toBe(8);
    expect(parseGoNumber('1_000')).toBeUndefined();
    expect(parseGoNumber('0x_1F')).toBe(31);
    expect(parseGoNumber('+Inf')).toBe(Infinity);
    expect(parseGoNumber('-inf')).toBe(-Infinity);
    expect(parseGoNumber('infinity')).toBe(Infinity);
    expect(parseGoNumber('NaN')).toBeNaN();
    expect(parseGoNumber('1.6666666666666675e+09')).toBe(1.6666666666666675e9);
    expect(parseGoNumber('0x1p-2')).toBe(0.25);
    expect(parseGoNumber('12abc')).toBeUndefined();
    expect(parseGoNumber('metric')).toBeUndefined();
    expect(parseGoNumber('{} 1')).toBeUndefined();
  });
  it('series numbers: decimal, Inf/NaN in any case, octal quirk, no hex', () => {
    expect(parseSeriesNumber('.5')).toBe(0.5);
    expect(parseSeriesNumber('2.')).toBe(2);
    expect(parseSeriesNumber('-9.988465674311579e+307')).toBe(-9.988465674311579e307);
    expect(parseSeriesNumber('+Inf')).toBe(Infinity);
    expect(parseSeriesNumber('-inf')).toBe(-Infinity);
    expect(parseSeriesNumber('nan')).toBeNaN();
    expect(parseSeriesNumber('010')).toBe(8);
    expect(() => parseSeriesNumber('0x10')).toThrow();
  });
  it('unquotes Go strings, \\x as raw bytes', () => {
    expect(unquoteGoString('" Foo "')).toBe(' Foo ');
    expect(unquoteGoString('`a\\nb`')).toBe('a\\nb');
    expect(unquoteGoString('"a\\tb\\u00e9\\x41"')).toBe('a\tbéA');
    expect(unquoteGoString("'it\\'s'")).toBe("it's");
    expect(() => unquoteGoString('"abc')).toThrow();
    expect(() => unquoteGoString('"a" x')).toThrow();
  });
});

describe('series values', () => {
  it('expands the notation of FORMAT.md §4.2', () => {
    expect(floats('0+10x3')).toEqual([0, 10, 20, 30]);
    expect(floats('1-1x5')).toEqual([1, 0, -1, -2, -3, -4]);
    expect(floats('-2-1x3')).toEqual([-2, -3, -4, -5]);
    expect(floats('1x5')).toEqual([1, 1, 1, 1, 1, 1]);
    expect(floats('-1x2')).toEqual([-1, -1, -1]);
    expect(kinds('_ _x3 1')).toEqual([OMITTED, OMITTED, OMITTED, OMITTED, FLOAT]);
    expect(floats('NaN+0x2').every(Number.isNaN)).toBe(true);
    expect(floats('1e3 .5 Inf -Inf')).toEqual([1000, 0.5, Infinity, -Infinity]);
    const v = expandValues(splitValueItems('5 2+3x2 _ stale'));
    expect([...v.kinds]).toEqual([FLOAT, FLOAT, FLOAT, FLOAT, OMITTED, FLOAT]);
    expect([...v.v].slice(0, 4)).toEqual([5, 2, 5, 8]);
    expect(isStaleNaN(v.v[5]!)).toBe(true);
  });
  it('uses repeated addition (bit-exact with upstream)', () => {
    const got = floats('0+0.1x10');
    let acc = 0;
    const want = [0];
    for (let i = 0; i < 10; i++) want.push((acc += 0.1));
    expect(got).toEqual(want);
    expect(got[10]).toBe(0.9999999999999999);
  });
  it('rejects malformed items', () => {
    for (const s of ['1+2', 'abc', '1x', 'stalex3', '1++2x3']) expect(() => expandValues(splitValueItems(s)), s).toThrow();
  });
  it('parses histogram literals and their sequences', () => {
    const v = expandValues(splitValueItems('{{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2 {{}}+{{count:1}}x1 _'));
    expect([...v.kinds]).toEqual([HISTOGRAM, HISTOGRAM, HISTOGRAM, HISTOGRAM, HISTOGRAM, OMITTED]);
    const h = parseHistogramLiteral('schema:-53 custom_values:[1 5] buckets:[1 2] counter_reset_hint:gauge z_bucket_w:0.001 n_buckets:[-1 2] n_offset:-2 sum:NaN');
    expect(h.schema).toBe(-53);
    expect(h.customValues).toEqual([1, 5]);
    expect(h.hint).toBe('gauge');
    expect(h.nOffset).toBe(-2);
    expect(h.sum).toBeNaN();
    expect(() => parseHistogramLiteral('count:1 count:2')).toThrow();
    expect(() => parseHistogramLiteral('bogus:1')).toThrow();
  });
  it('parses label sets, keeping empty values', () => {
    expect(parseLabelSet('m{b="2", a=\'1\', __unit__="",} 1').labels).toEqual([
      { name: '__name__', value: 'm' }, { name: '__unit__', value: '' }, { name: 'a', value: '1' }, { name: 'b', value: '2' },
    ]);
    expect(parseLabelSet('{"my.metric", a="b"}').labels).toEqual([{ name: '__name__', value: 'my.metric' }, { name: 'a', value: 'b' }]);
    expect(parseLabelSet('{}').labels).toEqual([]);
    expect(parseLabelSet('{__name__="x"}').labels).toEqual([{ name: '__name__', value: 'x' }]);
    expect(parseSeriesLine('sum{job="a"} 1 2').labels[0]).toEqual({ name: '__name__', value: 'sum' });
    expect(() => parseSeriesLine('m {a="b"} 1')).toThrow();
    expect(() => parseSeriesLine('m{a=b} 1')).toThrow();
  });
  it('expands @st start-timestamp items', () => {
    const o = [...expandStartOffsets(['_', '_x2', '0-1mx2', '-30s', '1ms'])];
    expect(o.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(o.slice(3)).toEqual([0, -60_000, -120_000, -30_000, 1]);
  });
});

describe('script parser', () => {
  const script = [
    'load 5m',
    '  m{a="1"} 0+10x2',
    '  m{a="1"} 7',
    '  # comment ends the block',
    'load_with_nhcb 1m',
    '  h_bucket{le="1"} 1 2',
    '',
    'eval instant at 5m m',
    '  expect no_warn',
    '  expect fail msg: something bad',
    '  m{a="1"} 3',
    '  m{a="1"} 4',
    '',
    'eval range from 0 to 10m step 5m sum(m) by (a)',
    '  {a="1"} 1 _ 3',
    '',
    'eval instant at 1m 1 + 1',
    '  2',
    'eval instant at 0m "Foo"',
    '  expect string " Foo "',
    '',
    'eval instant at 1m m[1m]',
    '  expect range vector from 10s to 1m step 10s',
    '  m 1 2 3',
    '',
    'clear',
    'EVAL_FAIL instant at 1m x',
  ].join('\n');
  it('parses commands, blocks and expectations', () => {
    const s = parseScript('t.test', script.replace('EVAL_FAIL', 'eval_fail'));
    const kinds = s.commands.map((c) => c.kind);
    expect(kinds).toEqual(['load', 'load', 'eval', 'eval', 'eval', 'eval', 'eval', 'clear', 'eval']);
    const load = s.commands[0] as LoadCmd;
    expect(load.stepMs).toBe(300_000);
    expect(load.series).toHaveLength(1); // same label set twice: the later line wins
    expect([...load.series[0]!.values.v]).toEqual([7]);
    expect((s.commands[1] as LoadCmd).withNhcb).toBe(true);
    const e1 = s.commands[2] as EvalCmd;
    expect(e1).toMatchObject({ mode: 'instant', atMs: 300_000, expr: 'm', line: 8 });
    expect(e1.expects.map((x) => x.type)).toEqual(['no_warn', 'fail']);
    expect(e1.expects[1]!.match).toEqual({ kind: 'msg', text: 'something bad' });
    expect(e1.rows.size).toBe(1);
    expect([...e1.rows.values()][0]!.pos).toBe(2);
    const e2 = s.commands[3] as EvalCmd;
    expect(e2).toMatchObject({ mode: 'range', startMs: 0, endMs: 600_000, stepMs: 300_000, expr: 'sum(m) by (a)' });
    const e3 = s.commands[4] as EvalCmd;
    expect(e3.scalar).toBe(2); // and the scalar ends the block: the next line is a new command
    expect((s.commands[5] as EvalCmd).expectedString).toBe(' Foo ');
    const e5 = s.commands[6] as EvalCmd;
    expect(e5.rangeVector).toEqual({ startMs: 10_000, endMs: 60_000, stepMs: 10_000 });
    expect(e5.atMs).toBe(60_000);
    expect((s.commands[8] as EvalCmd).legacy).toBe('fail');
  });
  it('rejects invalid files with the line number', () => {
    const bad = (text: string, line: number): void => {
      try {
        parseScript('bad.test', text);
        expect.unreachable(`should fail: ${text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ScriptSyntaxError);
        expect((e as ScriptSyntaxError).line).toBe(line);
      }
    };
    bad('bogus command', 1);
    bad('eval instant at 1m m\n  expect warn\n  expect no_warn', 1);
    bad('eval instant at 1m m\n  expect warn foo', 1);
    bad('eval instant at 1m m\n  m 1 2', 1);
    bad('eval instant at 1m 1\n  1\n  2', 3);
    bad('load 5m\n m 1\n\nload 1.5m\n m 1', 4);
    bad('eval range from 10m to 5m step 1m m', 1);
  });
  it('parses every upstream file of the committed copy', () => {
    let evals = 0;
    for (const f of loadScriptFiles()) evals += parseScript(f.name, f.text).commands.filter((c) => c.kind === 'eval').length;
    expect(evals).toBe(2195);
  });
});

describe('loader', () => {
  it('accumulates blocks, keeps stale markers bit-exact, drops histogram samples', () => {
    const s = parseScript('t', 'load 1m\n m{a="x"} 1 stale _ 4\n h {{count:1}} 2\n\nload 1m\n m{a="x"} _ _ _ _ 5\n');
    const st = new ScriptStorage();
    for (const c of s.commands) if (c.kind === 'load') st.load(c);
    const snap = st.snapshot();
    const m = snap.find((x) => x.labels.some((l) => l.value === 'm'))!;
    expect([...m.t]).toEqual([0, 60_000, 180_000, 240_000]);
    expect(isStaleNaN(m.v[1]!)).toBe(true);
    expect(m.v[3]).toBe(5);
    const h = snap.find((x) => x.labels.some((l) => l.value === 'h'))!;
    expect([...h.t]).toEqual([60_000]);
    expect(st.histogramSeries()).toEqual([[{ name: '__name__', value: 'h' }]]);
    st.clear();
    expect(st.snapshot()).toEqual([]);
  });
  it('remembers the NHCB series load_with_nhcb would synthesise', () => {
    const s = parseScript('t', 'load_with_nhcb 1m\n x_bucket{le="1",j="a"} 1\n x_bucket{le="+Inf",j="a"} 2\n x_count{j="a"} 2\n y_total 1\n');
    const st = new ScriptStorage();
    st.load(s.commands[0] as LoadCmd);
    expect(st.histogramSeries()).toEqual([[{ name: '__name__', value: 'x' }, { name: 'j', value: 'a' }]]);
  });
});

describe('comparison', () => {
  it('almostEqual follows util/almost', () => {
    expect(almostEqual(1.833333333, 11 / 6)).toBe(true);
    expect(almostEqual(0, 1e-17)).toBe(false);
    expect(almostEqual(0, -0)).toBe(true);
    expect(almostEqual(NaN, NaN)).toBe(true);
    expect(almostEqual(STALE_NAN, NaN)).toBe(false);
    expect(almostEqual(STALE_NAN, STALE_NAN)).toBe(true);
    expect(almostEqual(Infinity, Infinity)).toBe(true);
    expect(almostEqual(Infinity, -Infinity)).toBe(false);
    expect(almostEqual(1e308, Infinity)).toBe(false);
    expect(almostEqual(1, 1.000001)).toBe(true);
    expect(almostEqual(1, 1.00001)).toBe(false);
  });
  const ev = (text: string): EvalCmd => parseScript('t', text).commands[0] as EvalCmd;
  const L = (v: string) => [{ name: '__name__', value: v }];
  it('instant vectors: labels, values, order', () => {
    const e = ev('eval instant at 0 x\n  a 1\n  b 2');
    expect(compareVector(e, [{ labels: L('b'), t: 0, v: 2 }, { labels: L('a'), t: 0, v: 1 }], false)).toBeNull();
    expect(compareVector(e, [{ labels: L('b'), t: 0, v: 2 }, { labels: L('a'), t: 0, v: 1 }], true)).toMatch(/position/);
    expect(compareVector(e, [{ labels: L('a'), t: 0, v: 1 }], false)).toMatch(/not found/);
    expect(compareVector(e, [{ labels: L('a'), t: 0, v: 1.1 }, { labels: L('b'), t: 0, v: 2 }], false)).toMatch(/expected 1/);
    expect(compareVector(e, [{ labels: L('c'), t: 0, v: 1 }], false)).toMatch(/unexpected metric/);
    expect(compareVector(ev('eval instant at 0 x'), [], false)).toBeNull();
  });
  it('matrices: grid timestamps, omitted points, sortedness', () => {
    const e = ev('eval range from 0 to 2m step 1m x\n  a 1 _ 3\n  b 1');
    const s = (n: string, t: number[], v: number[]) => ({ labels: L(n), t: Float64Array.from(t), v: Float64Array.from(v) });
    expect(compareMatrix(e, [s('a', [0, 120_000], [1, 3]), s('b', [0], [1])], false)).toBeNull();
    expect(compareMatrix(e, [s('b', [0], [1]), s('a', [0, 120_000], [1, 3])], false)).toMatch(/not sorted/);
    expect(compareMatrix(e, [s('a', [0, 60_000], [1, 3]), s('b', [0], [1])], false)).toMatch(/timestamp/);
    expect(compareMatrix(e, [s('a', [0, 60_000, 120_000], [1, 2, 3]), s('b', [0], [1])], false)).toMatch(/float points/);
  });
  it('annotations and expected failures', () => {
    const e = ev('eval instant at 0 x\n  expect warn msg: PromQL warning: boom\n  expect no_info');
    expect(checkAnnotations(e, ['PromQL warning: boom'], [])).toBeNull();
    expect(checkAnnotations(e, ['boom'], [])).toBeNull(); // prefix tolerated
    expect(checkAnnotations(e, ['PromQL warning: boom (1:5)'], [])).toBeNull(); // position tolerated
    expect(checkAnnotations(e, [], [])).toMatch(/none were found/);
    expect(checkAnnotations(e, ['PromQL warning: boom', 'PromQL warning: other'], [])).toMatch(/unexpected warning/);
    expect(checkAnnotations(e, ['PromQL warning: boom'], ['PromQL info: x'])).toMatch(/unexpected info/);
    expect(checkAnnotations(ev('eval instant at 0 x'), ['w'], ['i'])).toBeNull();
    const f = ev('eval instant at 0 x\n  expect fail regex: conflicting (?i)LABEL');
    expect(checkExpectedFailure(f, 'found conflicting label set')).toBeNull();
    expect(checkExpectedFailure(f, 'other')).toMatch(/expected error/);
  });
});
