/**
 * Pins the kernels to upstream's expected values: every eval in the copied Prometheus
 * scripts that is a single range function over a float selector is run through the
 * kernels (see script-harness.test-util.ts) and compared with ε = 1e-6 like upstream.
 */
import { describe, expect, it } from 'vitest';
import { smoothedInstantValue } from './index.js';
import { parseScript, runCase, runSmoothedSelectorCase } from './script-harness.test-util.js';

const DIR = '/work/shared/promql-testdata/upstream';

for (const file of ['functions.test', 'extended_vectors.test', 'staleness.test', 'selectors.test',
  'at_modifier.test', 'subquery.test', 'range_queries.test', 'aggregators.test', 'operators.test']) {
  describe(file, () => {
    const cases = parseScript(`${DIR}/${file}`);
    const runnable = cases.map((c) => ({ c, r: runCase(c) })).filter(({ r }) => r.status !== 'skip');
    it(`has runnable evals`, () => {
      if (file === 'functions.test' || file === 'extended_vectors.test') expect(runnable.length).toBeGreaterThan(20);
    });
    for (const { c, r } of runnable) {
      it(`line ${c.line}: ${c.expr}`, () => {
        expect(r.detail ?? '').toBe('');
        expect(r.status).toBe('ok');
      });
    }
  });
}

describe('extended_vectors.test: smoothed instant selectors', () => {
  const cases = parseScript(`${DIR}/extended_vectors.test`);
  const runnable = cases.map((c) => ({ c, r: runSmoothedSelectorCase(c, smoothedInstantValue) }))
    .filter(({ r }) => r.status !== 'skip');
  it('has runnable evals', () => expect(runnable.length).toBeGreaterThan(3));
  for (const { c, r } of runnable) {
    it(`line ${c.line}: ${c.expr}`, () => {
      expect(r.detail ?? '').toBe('');
    });
  }
});
