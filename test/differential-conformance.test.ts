/**
 * Requirement (a) of distributed planning: every promqltest eval, run in distributed mode WITH
 * PUSHDOWN on 4 leaves and many ranges per script (the tenant's target keys split at 8
 * quantiles, two ranges per leaf), passes exactly when it passes on the single-node engine.
 * The adapter is the one of e2e-cluster-promql.test.ts (fresh tenant and re-split per script,
 * t=0 instants as one-step ranges).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './gateway-harness.js';
import { gatewayScriptTarget, runAgainstEngine } from './helpers/gateway-script-target.js';
import { loadEvalIndex, loadScriptFiles } from './promql/suite.js';

const RANGES = 8;

describe('promqltest scripts, distributed with pushdown (4 leaves, 8 ranges per script)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 4 });
  });
  afterAll(async () => {
    await c.stop();
  });

  it('gives the same pass count as the single-node engine', async () => {
    const files = loadScriptFiles();
    const index = loadEvalIndex();
    const { local, remote, regressions } = await runAgainstEngine(files, index, gatewayScriptTarget(c, { ranges: RANGES, minKeys: 2 }));
    expect(regressions, regressions.slice(0, 10).join('\n')).toEqual([]);
    expect(remote.counts.passed).toBeGreaterThanOrEqual(local.counts.passed);
    process.stderr.write(`conformance: single node ${local.counts.passed}/${local.counts.cases} passed, distributed with pushdown ${remote.counts.passed}/${remote.counts.cases}\n`);
  }, 240_000);
});
