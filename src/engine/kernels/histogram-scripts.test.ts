/**
 * Classic-bucket histogram_quantile / histogram_fraction (and the sum accumulator) against
 * the upstream scripts' expected values (float-only evals; see script-harness.test-util.ts).
 */
import { describe, expect, it } from 'vitest';
import { SumAccumulator, histogramFraction, histogramQuantile } from './index.js';
import { parseScript, runHistogramCase } from './script-harness.test-util.js';

const DIR = '/work/shared/promql-testdata/upstream';
const kernels = { histogramQuantile, histogramFraction, newSum: () => new SumAccumulator() };

for (const file of ['histograms.test', 'functions.test', 'aggregators.test', 'native_histograms.test']) {
  describe(file, () => {
    const cases = parseScript(`${DIR}/${file}`);
    const runnable = cases.map((c) => ({ c, r: runHistogramCase(c, kernels) })).filter(({ r }) => r.status !== 'skip');
    it('has runnable evals', () => {
      if (file === 'histograms.test') expect(runnable.length).toBeGreaterThan(30);
    });
    for (const { c, r } of runnable) {
      it(`line ${c.line}: ${c.expr}`, () => {
        expect(r.detail ?? '').toBe('');
        expect(r.status).toBe('ok');
      });
    }
  });
}
