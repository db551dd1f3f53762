import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadComplianceCases, type ComplianceCase } from '../../test/promql/compliance-queries.js';
import { formatExpr, parse, type Expr } from './index.js';

/** Drops positions and sorts keys, NaN-safe, so ASTs compare structurally. */
function canon(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canon);
  if (typeof x === 'number' && Number.isNaN(x)) return 'NaN';
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) {
      const v = (x as Record<string, unknown>)[k];
      if (k !== 'pos' && v !== undefined) o[k] = canon(v);
    }
    return o;
  }
  return x;
}

function roundTrip(q: string): string {
  const e = parse(q);
  const s = formatExpr(e);
  expect(canon(parse(s)), `${q}\n -> ${s}`).toEqual(canon(e));
  return s;
}

const UPSTREAM = '/work/shared/promql-testdata/upstream';
const EVAL_RE = [/^eval(?:_fail|_warn|_info|_ordered)?\s+instant\s+at\s+\S+\s+(.*)$/, /^eval(?:_fail|_warn|_info|_ordered)?\s+range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+\s+(.*)$/];

function upstreamEvals(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(UPSTREAM).filter((f) => f.endsWith('.test'));
  } catch {
    return out;
  }
  for (const f of files) {
    readFileSync(`${UPSTREAM}/${f}`, 'utf8')
      .split('\n')
      .forEach((raw, i) => {
        const line = raw.trim();
        for (const re of EVAL_RE) {
          const m = re.exec(line);
          if (m) out.push({ where: `${f}:${i + 1}`, expr: m[1]! });
        }
      });
  }
  return out;
}

describe('formatExpr: canonical Prometheus style', () => {
  it.each([
    ['sum by(job)(rate(x[5m]))', 'sum by (job) (rate(x[5m]))'],
    ['sum(rate(x[5m])) without(a,b)', 'sum without (a, b) (rate(x[5m]))'],
    ['sum by () (x)', 'sum(x)'],
    ['topk(5,x)', 'topk(5, x)'],
    ['a+on(b)group_left(c)d', 'a + on (b) group_left (c) d'],
    ['a / ignoring(b) group_right x', 'a / ignoring (b) group_right () x'],
    ['a > bool 1', 'a > bool 1'],
    ['a + fill_left(1) fill_right(2) b', 'a + fill_left (1) fill_right (2) b'],
    ['a + fill(NaN) b', 'a + fill (NaN) b'],
    ['x[90s] offset -1h @ 100', 'x[1m30s] @ 100.000 offset -1h'],
    ['x @ start()', 'x @ start()'],
    ['rate(x[5m])[30m:]', 'rate(x[5m])[30m:]'],
    ['x[5m+step():1m]', 'x[5m + step():1m]'],
    ['x offset (1h*2)', 'x offset (1h * 2)'],
    ['x[1h / 4 + 2 ^ 3]', 'x[1h / 4 + 2s ^ 3]'],
    ['x offset -(5m)', 'x offset -(5m)'],
    ['x[5m] anchored', 'x[5m] anchored'],
    ['{"my.metric", "a.b"="c"}', '{__name__="my.metric","a.b"="c"}'],
    ['foo{a="b", c=~"d"}', 'foo{a="b",c=~"d"}'],
    ['x offset +min_of(10s, 20s)', 'x offset min_of(10s, 20s)'],
    ['"a\\xc5z"', '"a\\xc5z"'],
    ['1e21', '1000000000000000000000'],
    ['-1 ^ 2', '-1 ^ 2'],
    ['(-1) ^ 2', '(-1) ^ 2'],
    ['-(a + b)', '-(a + b)'],
    ['Inf', '+Inf'],
  ])('%s → %s', (q, want) => {
    expect(roundTrip(q)).toBe(want);
  });

  it('adds parentheses that precedence needs in trees built by code', () => {
    const v = (name: string): Expr => ({ kind: 'VectorSelector', name, matchers: [{ type: '=', name: '__name__', value: name }], pos: { start: 0, end: 0 } });
    const pos = { start: 0, end: 0 };
    const bin = (op: '+' | '*' | '^' | '-', lhs: Expr, rhs: Expr): Expr => ({ kind: 'BinaryExpr', op, lhs, rhs, returnBool: false, pos });
    expect(formatExpr(bin('*', bin('+', v('a'), v('b')), v('c')))).toBe('(a + b) * c');
    expect(formatExpr(bin('-', v('a'), bin('-', v('b'), v('c'))))).toBe('a - (b - c)');
    expect(formatExpr(bin('^', bin('^', v('a'), v('b')), v('c')))).toBe('(a ^ b) ^ c');
    expect(formatExpr(bin('^', { kind: 'UnaryExpr', op: '-', expr: v('a'), pos }, v('b')))).toBe('(-a) ^ b');
    expect(formatExpr({ kind: 'SubqueryExpr', expr: bin('+', v('a'), v('b')), range: { kind: 'DurationNumber', seconds: 60 }, pos })).toBe('(a + b)[1m:]');
    expect(formatExpr({ ...(v('offset') as object), pos } as Expr)).toBe('{__name__="offset"}');
  });
});

describe('round trip parse → formatExpr → parse', () => {
  const evals = upstreamEvals();
  it('covers every eval expression of the upstream PromQL tests', () => {
    expect(evals.length).toBeGreaterThan(2000);
    const failures: string[] = [];
    for (const { where, expr } of evals) {
      try {
        const e = parse(expr);
        const s = formatExpr(e);
        if (JSON.stringify(canon(parse(s))) !== JSON.stringify(canon(e))) failures.push(`${where}: ${expr} -> ${s}`);
      } catch (err) {
        failures.push(`${where}: ${expr}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
  it.each([
    'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{job="api",code=~"5.."}[5m])))',
    'count_values("value", x) > bool on() group_left() vector(1)',
    'label_replace(up, "dst", "$1", "src", "(.*)")',
    'max_over_time(deriv(rate(x[1m])[5m:1m])[10m:])',
    'x unless on(a, b) y or z and w',
    'absent_over_time(nonexistent{job="x"}[1h] offset 1d)',
    '1 - -1 + +2 * -(3)',
    'sort_by_label(x, "a", "b")',
    'quantile_over_time(0.5, x[5m] @ end())',
    'limitk(2, x) or limit_ratio(-0.5, y)',
    'x[step() * 2:range() / 10] offset -min_of(step(), 1s)',
    'a atan2 b',
    '`raw string\\d`',
    '{__name__=~"a|b", job!~"c"}',
  ])('%s', (q) => {
    roundTrip(q);
  });
});

/** The PromQL compliance tester's query list (templated), all 539 expansions. */
describe('compliance query list', () => {
  let cases: ComplianceCase[] = [];
  try {
    cases = loadComplianceCases();
  } catch {
    cases = [];
  }
  it('every query that should succeed parses and round-trips', () => {
    let n = 0;
    const failures: string[] = [];
    for (const { query: q, shouldFail } of cases) {
      n++;
      if (shouldFail) continue;
      try {
        const e = parse(q);
        if (JSON.stringify(canon(parse(formatExpr(e)))) !== JSON.stringify(canon(e))) failures.push(`round trip: ${q}`);
      } catch (err) {
        failures.push(`${q}: ${(err as Error).message}`);
      }
    }
    expect(n).toBe(539);
    expect(failures).toEqual([]);
  });
});
