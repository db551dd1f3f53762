/** The `@` step-invariance variants (FORMAT.md §6.3 step 2), printed with the real parser/printer. */
import { describe, expect, it } from 'vitest';
import { formatExpr, parse } from '../../src/promql/index.js';
import { atVariants } from './at-variants.js';

const pinned = (q: string, t: number): string | null => {
  const v = atVariants(parse(q), t);
  return v.length ? formatExpr(v[0]!.expr) : null;
};

describe('atVariants', () => {
  it('evaluates at −10T, 0, T/5 (truncated), T, 10T; or ±1 s around 0', () => {
    expect(atVariants(parse('m'), 100_003).map((v) => v.timeMs)).toEqual([-1_000_030, 0, 20_000, 100_003, 1_000_030]);
    expect(atVariants(parse('m'), 0).map((v) => v.timeMs)).toEqual([-1000, 0, 1000]);
  });
  it('pins selectors and subqueries outside subqueries, keeps numeric @, replaces start()/end()', () => {
    const a = pinned('rate(m[5m]) + n', 100_000)!;
    expect(parse(a)).toMatchObject({ lhs: { args: [{ vector: { at: { kind: 'time', ms: 100_000 } } }] }, rhs: { at: { kind: 'time', ms: 100_000 } } });
    const b = parse(pinned('m @ 50 + n @ start()', 100_000)!);
    expect(b).toMatchObject({ lhs: { at: { kind: 'time', ms: 50_000 } }, rhs: { at: { kind: 'time', ms: 100_000 } } });
    const c = parse(pinned('sum_over_time(m[5m:1m])', 100_000)!);
    expect(c).toMatchObject({ args: [{ kind: 'SubqueryExpr', at: { kind: 'time', ms: 100_000 }, expr: { kind: 'VectorSelector' } }] });
    expect((c as unknown as { args: { expr: { at?: unknown } }[] }).args[0]!.expr.at).toBeUndefined();
  });
  it('makes no variants for time-dependent functions outside subqueries', () => {
    expect(pinned('time()', 60_000)).toBeNull();
    expect(pinned('timestamp(m)', 60_000)).toBeNull();
    expect(pinned('predict_linear(m[5m], 60)', 60_000)).toBeNull();
    expect(pinned('max_over_time(timestamp(m)[5m:1m])', 60_000)).not.toBeNull();
  });
});
