/** Aggregation accumulators and `quantile` against the upstream scripts' expected values. */
import { describe, expect, it } from 'vitest';
import { AvgAccumulator, MaxAccumulator, MinAccumulator, SumAccumulator, VarianceAccumulator,
  quantile } from './index.js';
import { parseScript, runAggregationCase } from './script-harness.test-util.js';
import type { Accumulator } from './script-harness.test-util.js';

const DIR = '/work/shared/promql-testdata/upstream';

function make(op: string, q: number): Accumulator {
  switch (op) {
    case 'sum': return new SumAccumulator();
    case 'avg': return new AvgAccumulator();
    case 'min': return new MinAccumulator();
    case 'max': return new MaxAccumulator();
    case 'stddev': case 'stdvar': {
      const v = new VarianceAccumulator();
      return { first: (x) => v.first(x), add: (x) => v.add(x), result: () => (op === 'stddev' ? v.stddev() : v.stdvar()) };
    }
    default: {
      const xs: number[] = [];
      return { first: (x) => { xs.length = 0; xs.push(x); }, add: (x) => { xs.push(x); },
        result: () => quantile(q, Float64Array.from(xs), xs.length) };
    }
  }
}

for (const file of ['aggregators.test', 'functions.test', 'operators.test', 'selectors.test']) {
  describe(file, () => {
    const cases = parseScript(`${DIR}/${file}`);
    const runnable = cases.map((c) => ({ c, r: runAggregationCase(c, make) })).filter(({ r }) => r.status !== 'skip');
    it('has runnable evals', () => {
      if (file === 'aggregators.test') expect(runnable.length).toBeGreaterThan(30);
    });
    for (const { c, r } of runnable) {
      it(`line ${c.line}: ${c.expr}`, () => {
        expect(r.detail ?? '').toBe('');
        expect(r.status).toBe('ok');
      });
    }
  });
}
