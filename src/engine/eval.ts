/** The evaluator's dispatch: every node is evaluated once over a whole time grid. */
import { ExecutionError } from '../model/index.js';
import type { Expr } from '../promql/index.js';
import { evalAggregate } from './eval-aggregate.js';
import { evalBinary } from './eval-binary.js';
import { evalCall } from './eval-functions.js';
import { evalMatrixSelector, evalVectorSelector } from './eval-selectors.js';
import { evalSubquery } from './eval-subquery.js';
import { checkVectorPoints } from './limits.js';
import { dropNames } from './series-ops.js';
import type { EvalContext, ScalarValue, StringValue, Value, VectorValue } from './types.js';

export function evalExpr(ctx: EvalContext, e: Expr, ts: Float64Array): Value {
  const v = evalNode(ctx, e, ts);
  if (v.kind === 'vector') checkVectorPoints(ctx, v.series, ts.length);
  return v;
}

function evalNode(ctx: EvalContext, e: Expr, ts: Float64Array): Value {
  const n = ts.length;
  switch (e.kind) {
    case 'NumberLiteral':
      return { kind: 'scalar', v: new Float64Array(n).fill(e.value) };
    case 'StringLiteral':
      return { kind: 'string', s: e.value };
    case 'VectorSelector':
      return evalVectorSelector(ctx, e, ts);
    case 'MatrixSelector':
      return evalMatrixSelector(ctx, e, ts);
    case 'SubqueryExpr':
      return evalSubquery(ctx, e, ts);
    case 'ParenExpr':
      return evalExpr(ctx, e.expr, ts);
    case 'UnaryExpr': {
      const v = evalExpr(ctx, e.expr, ts);
      if (e.op === '+') return v;
      if (v.kind === 'scalar') return { kind: 'scalar', v: v.v.map((x) => -x) };
      if (v.kind === 'vector') {
        return { kind: 'vector', series: dropNames(ctx, v.series.map((s) => ({ ...s, v: s.v.map((x) => -x) }))) };
      }
      throw new ExecutionError(`unary expression only allowed on expressions of type scalar or instant vector, got ${v.kind}`);
    }
    case 'BinaryExpr': {
      const lhs = evalExpr(ctx, e.lhs, ts);
      const rhs = evalExpr(ctx, e.rhs, ts);
      return evalBinary(ctx, e, lhs, rhs, n);
    }
    case 'AggregateExpr': {
      let param: ScalarValue | StringValue | undefined;
      if (e.param) {
        const p = evalExpr(ctx, e.param, ts);
        if (p.kind !== 'scalar' && p.kind !== 'string') throw new ExecutionError(`invalid aggregation parameter type ${p.kind}`);
        param = p;
      }
      const input = evalExpr(ctx, e.expr, ts);
      if (input.kind !== 'vector') throw new ExecutionError(`aggregation over ${input.kind}`);
      return evalAggregate(ctx, e, input as VectorValue, param, n);
    }
    case 'Call':
      return evalCall(ctx, e, ts);
  }
  throw new ExecutionError(`unknown expression ${(e as Expr).kind}`);
}
