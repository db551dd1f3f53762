/**
 * promqltest scripts through a real leaf (gRPC write → store → engine pushdown → Arrow stream),
 * differentially: every eval the engine passes over a MemoryQuerier must pass through the leaf.
 * A few files only (the whole suite is test/promql/conformance.test.ts, against the engine).
 */
import { describe, expect, it } from 'vitest';
import { formatExpr, parse } from '../src/promql/index.js';
import { engineTarget } from './promql/engine-target.js';
import { runScripts } from './promql/runner.js';
import { loadEvalIndex, loadScriptFiles } from './promql/suite.js';
import { leafTarget } from './leaf-target.js';

const FILES = ['staleness', 'selectors', 'subquery'];

describe('promqltest scripts through a leaf', () => {
  it(`passes every eval of ${FILES.join(', ')} that the engine passes`, async () => {
    const files = loadScriptFiles(undefined, FILES);
    const index = loadEvalIndex();
    const target = await leafTarget();
    try {
      const viaLeaf = await runScripts(files, { target, parse, format: formatExpr, index });
      const viaEngine = await runScripts(files, { target: engineTarget(), parse, format: formatExpr, index });
      const engineOk = new Set(viaEngine.cases.filter((c) => c.status === 'passed').map((c) => `${c.file}:${c.line}`));
      const regressions = viaLeaf.cases.filter((c) => c.status !== 'passed' && engineOk.has(`${c.file}:${c.line}`));
      expect(regressions.map((c) => `${c.file}:${c.line} ${c.expr}: ${c.failure?.message ?? c.status}`)).toEqual([]);
      expect(viaLeaf.counts.passed).toBeGreaterThan(50);
    } finally {
      await target.close();
    }
  }, 120_000);
});
