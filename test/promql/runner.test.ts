/**
 * The runner's mechanics (loading, `@` variants, range cross-check, expected failures, counting,
 * skips) against a deliberately tiny but real evaluator: bare metric-name selectors with the 5 m
 * left-open lookback, staleness and `@`, over a MemoryQuerier. The full engine is exercised by
 * conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ExecutionError, isStaleNaN, MemoryQuerier, type Series } from '../../src/model/index.js';
import type { Expr, VectorSelector } from '../../src/promql/ast.js';
import { parseEvalIndex } from './classify.js';
import { runScripts } from './runner.js';
import type { QueryTarget, TargetOutput, TargetSample } from './target.js';

const LOOKBACK = 300_000;

function parseSelector(q: string): Expr {
  if (q === 'boom') return { kind: 'VectorSelector', name: q, matchers: [{ type: '=', name: '__name__', value: q }], pos: { start: 0, end: q.length } };
  if (!/^[a-z_]+$/.test(q)) throw new Error(`unsupported query ${q}`);
  return { kind: 'VectorSelector', name: q, matchers: [{ type: '=', name: '__name__', value: q }], pos: { start: 0, end: q.length } };
}

function selectorTarget(): QueryTarget & { calls: string[] } {
  let q = new MemoryQuerier([]);
  const calls: string[] = [];
  const evalAt = async (sel: VectorSelector, t: number): Promise<TargetSample[]> => {
    if (sel.name === 'boom') throw new ExecutionError('boom happened');
    const at = sel.at?.kind === 'time' ? sel.at.ms : t;
    const out: TargetSample[] = [];
    for (const s of await q.select(sel.matchers, { start: at - LOOKBACK + 1, end: at })) {
      const i = s.t.length - 1;
      if (i >= 0 && s.t[i]! > at - LOOKBACK && !isStaleNaN(s.v[i]!)) out.push({ labels: s.labels, t, v: s.v[i]! });
    }
    return out;
  };
  return {
    calls,
    async setData(series: readonly Series[]) {
      q = new MemoryQuerier(series);
    },
    async instant(input, t): Promise<TargetOutput> {
      calls.push(`instant ${input.expr ? 'ast' : input.text} ${t}`);
      return { value: { resultType: 'vector', samples: await evalAt(input.expr as VectorSelector, t) }, warnings: [], infos: [] };
    },
    async range(input, start, end, step): Promise<TargetOutput> {
      calls.push(`range ${start} ${end} ${step}`);
      const by = new Map<string, { labels: TargetSample['labels']; t: number[]; v: number[] }>();
      for (let t = start; t <= end; t += step) {
        for (const s of await evalAt(input.expr as VectorSelector, t)) {
          const k = JSON.stringify(s.labels);
          const e = by.get(k) ?? { labels: s.labels, t: [], v: [] };
          e.t.push(t);
          e.v.push(s.v);
          by.set(k, e);
        }
      }
      const series = [...by.values()].map((e) => ({ labels: e.labels, t: Float64Array.from(e.t), v: Float64Array.from(e.v) }));
      series.sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
      return { value: { resultType: 'matrix', series }, warnings: ['PromQL warning: always'], infos: [] };
    },
  };
}

const SCRIPT = `
load 1m
  m{a="1"} 0+1x10
  m{a="2"} 5 stale
  h {{count:1}}

eval instant at 3m m
  m{a="1"} 3

eval range from 0 to 2m step 1m m
  m{a="1"} 0 1 2
  m{a="2"} 5

eval instant at 3m m
  m{a="1"} 4

eval instant at 0 boom
  expect fail msg: boom happened

eval instant at 0 boom
  expect fail msg: something else

eval range from 0 to 1m step 1m m
  expect no_warn
  m{a="1"} 0 1
  m{a="2"} 5

eval instant at 1m h
  {} 1

eval instant at 1m not(valid
`;

describe('runner', () => {
  it('runs evals with @ variants and range cross-checks, and counts outcomes', async () => {
    const target = selectorTarget();
    const index = parseEvalIndex('file\tline\tkind\tneeds\tfeatures\nt.test\t31\tinstant\tnative_histogram\t\n');
    const res = await runScripts([{ name: 't.test', text: SCRIPT }], { target, parse: parseSelector, index });
    const by = Object.fromEntries(res.cases.map((c) => [c.line, c]));
    expect(by[7]!.status).toBe('passed');
    expect(by[10]!.status).toBe('passed');
    expect(by[14]!.status).toBe('failed');
    expect(by[14]!.failure!.message).toMatch(/expected 4 for m\{a="1"\} but got 3/);
    expect(by[17]!.status).toBe('passed');
    expect(by[20]!.status).toBe('failed');
    expect(by[20]!.failure!.message).toMatch(/expected error "something else", got "boom happened"/);
    expect(by[23]!.status).toBe('failed'); // the range target always warns
    expect(by[23]!.failure!.message).toMatch(/unexpected warning/);
    expect(by[28]).toMatchObject({ status: 'skipped', skipReason: 'native_histogram_runtime' });
    expect(by[31]).toMatchObject({ status: 'skipped', skipReason: 'native_histogram' });
    expect(res.counts).toEqual({ cases: 8, passed: 3, failed: 3, skipped: 2, skipped_reasons: { native_histogram_runtime: 1, native_histogram: 1 } });
    // Instant eval at 3m: main query + 5 variants (−30m, 0, 36s, 3m, 30m), each with a range check.
    const first = target.calls.slice(0, 12);
    expect(first.filter((c) => c.startsWith('instant')).map((c) => c.split(' ')[2])).toEqual(['180000', '-1800000', '0', '36000', '180000', '1800000']);
    expect(first[1]).toBe('range 120000 240000 60000');
  });

  it('fails every eval of a file that does not parse, with the reason', async () => {
    const res = await runScripts([{ name: 'bad.test', text: 'load 1m\n m 1\n\neval instant at 0 m\n  m 1\n\nbogus\n' }], {
      target: selectorTarget(),
      parse: parseSelector,
    });
    expect(res.counts.failed).toBe(1);
    expect(res.cases[0]!.failure!.message).toMatch(/bad.test:7: invalid command/);
  });
});
