import { describe, expect, it } from 'vitest';
import { formatExpr, parse, type BinaryExpr, type Expr } from './index.js';

/** Prints with explicit parentheses around every binary expression, to see the grouping. */
function grouping(e: Expr): string {
  if (e.kind === 'BinaryExpr') return `(${grouping(e.lhs)} ${e.op} ${grouping(e.rhs)})`;
  return formatExpr(e);
}

describe('postfix modifiers inside binary expressions keep operator precedence', () => {
  it.each([
    ['a + b @ 60 * 0', '(a + (b @ 60.000 * 0))'],
    ['a offset 5m + b offset 1m * 2', '(a offset 5m + (b offset 1m * 2))'],
    ['a + b @ 60 ^ 2 ^ 3', '(a + (b @ 60.000 ^ (2 ^ 3)))'],
    ['a or b @ 10 and c + d', '(a or (b @ 10.000 and (c + d)))'],
    ['a * b @ 10 + c', '((a * b @ 10.000) + c)'],
    ['a - b @ 10 % 3', '(a - (b @ 10.000 % 3))'],
    ['a == b offset 1m + 1', '(a == (b offset 1m + 1))'],
  ])('%s', (q, want) => {
    expect(grouping(parse(q))).toBe(want);
  });

  it('re-derives vector matching for the rotated operands', () => {
    const e = parse('a @ 60 + on(dummy) group_left(foo) b @ 60 * 0') as BinaryExpr;
    expect(e.op).toBe('+');
    expect(e.matching).toMatchObject({ card: 'many-to-one', on: true, labels: ['dummy'], include: ['foo'] });
    const r = e.rhs as BinaryExpr;
    expect(r.op).toBe('*');
    expect(r.matching).toBeUndefined();
  });
});
