/**
 * Subqueries: the inner expression is evaluated once over the union of all step-aligned inner
 * grids, then turned into a range vector with one window per outer step.
 */
import { ExecutionError } from '../model/index.js';
import type { SubqueryExpr } from '../promql/index.js';
import { subqueryGrid } from './durations.js';
import { evalExpr } from './eval.js';
import { windows } from './eval-selectors.js';
import { checkSamples } from './limits.js';
import type { EvalContext, MatrixValue, MSeries, VSeries } from './types.js';

export function evalSubquery(ctx: EvalContext, e: SubqueryExpr, ts: Float64Array): MatrixValue {
  const g = subqueryGrid(e, ts, ctx);
  const inner = evalExpr(ctx, e.expr, g.inner);
  let series: VSeries[];
  if (inner.kind === 'vector') series = inner.series;
  else if (inner.kind === 'scalar') series = [{ labels: [], v: inner.v, p: new Uint8Array(g.inner.length).fill(1), dropName: false }];
  else throw new ExecutionError(`subquery is only allowed on instant vector, got ${inner.kind}`);
  const out: MSeries[] = [];
  let points = 0;
  for (const s of series) {
    let cnt = 0;
    for (let i = 0; i < s.p.length; i++) if (s.p[i]) cnt++;
    const t = new Float64Array(cnt);
    const v = new Float64Array(cnt);
    let k = 0;
    for (let i = 0; i < s.p.length; i++) {
      if (!s.p[i]) continue;
      t[k] = g.inner[i]!;
      v[k++] = s.v[i]!;
    }
    const w = windows(t, g.ends, g.rangeMs);
    if (!w.any) continue;
    points += w.points;
    out.push({ labels: s.labels, t, v, lo: w.lo, hi: w.hi, dropName: s.dropName });
  }
  checkSamples(ctx, points);
  return { kind: 'matrix', series: out, ends: g.ends, rangeMs: g.rangeMs };
}
